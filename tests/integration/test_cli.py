"""Scripted administration through the real command (a subprocess per call, as a script would run it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def run(database_url: str, tmp_path: Path, *args: str, ok: bool = True) -> Any:
    env = {**os.environ, "COMPTOIR_DATABASE_URL": database_url, "COMPTOIR_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "comptoir.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )
    if ok:
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)
    assert done.returncode != 0
    return json.loads(done.stderr.strip().splitlines()[-1])


def test_administration_commands(database_url: str, tmp_path: Path) -> None:
    assert run(database_url, tmp_path, "db", "upgrade") == {"status": "ok"}
    brand = run(database_url, tmp_path, "brand", "create", "Acme")["id"]
    care = run(
        database_url, tmp_path, "account", "create", "--brand", str(brand), "--platform", "api",
        "--handle", "acme-care", "--kind", "care", "--callback-url", "http://127.0.0.1:9/hook",
    )
    assert set(care) == {"id", "callback_secret"}
    regional = run(
        database_url, tmp_path, "account", "create", "--brand", str(brand), "--platform", "api",
        "--handle", "acme-north", "--kind", "regional", "--region", "North", "--redirect-to", str(care["id"]),
    )
    assert regional["id"] != care["id"]
    token = run(database_url, tmp_path, "token", "create", "--brand", str(brand))["token"]
    assert token.startswith("cpt_")
    assert "id" in run(database_url, tmp_path, "team", "create", "--brand", str(brand), "--name", "Care")
    calendar = json.dumps({"timezone": "Europe/Paris", "hours": {"mon": [["09:00", "18:00"]]}})
    assert run(database_url, tmp_path, "sla", "calendar", "set", "--brand", str(brand), "--spec", calendar) == {
        "status": "ok"
    }
    policy = run(
        database_url, tmp_path, "sla", "policy", "create", "--brand", str(brand), "--name", "X public",
        "--first-response-minutes", "30", "--conditions", '{"channels": ["x"], "visibilities": ["public"]}',
        "--actions", '{"breach": [{"type": "raise_priority", "to": 90}]}',
    )
    assert "id" in policy
    assert run(database_url, tmp_path, "jobs", "status") == {"todo": 0, "doing": 0, "dead": 0}


def test_errors_are_json_with_a_code(database_url: str, tmp_path: Path) -> None:
    run(database_url, tmp_path, "db", "upgrade")
    error = run(database_url, tmp_path, "token", "create", "--brand", "999", ok=False)
    assert error["error"]["code"] == "not_found"
    run(database_url, tmp_path, "brand", "create", "Acme")
    duplicate = run(database_url, tmp_path, "brand", "create", "Acme", ok=False)
    assert duplicate["error"]["code"] == "conflict"
    bad = run(
        database_url, tmp_path, "sla", "calendar", "set", "--brand", "1", "--spec", '{"timezone": "Mars/Olympus"}',
        ok=False,
    )
    assert bad["error"]["code"] in {"validation_error", "configuration_error"}


def test_request_logs_never_carry_tokens() -> None:
    import logging

    from comptoir.commands.server import configure_logging

    configure_logging()
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert not logging.getLogger("httpcore").isEnabledFor(logging.INFO)
