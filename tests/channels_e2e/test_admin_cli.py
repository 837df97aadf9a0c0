"""`comptoir platform-app create` and `account create --app --access-token`: the scripted contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from comptoir.secrets import decrypt, decrypt_json
from comptoir.settings import Settings


def run(env: dict[str, str], *args: str, ok: bool = True) -> Any:
    """The real `comptoir` command, in process (the settings come from ``env``)."""
    from typer.testing import CliRunner

    from comptoir.cli import app
    from comptoir.settings import reset_settings_cache

    reset_settings_cache()
    try:
        result = CliRunner().invoke(app, list(args), env=env)
    finally:
        reset_settings_cache()
    if ok:
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)
    assert result.exit_code != 0
    return json.loads(result.stderr.strip().splitlines()[-1])


def test_platform_apps_and_accounts_with_encrypted_secrets(tmp_path: Path) -> None:
    # The command contract does not depend on the database (storage is tested on both elsewhere).
    database_url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {
        "COMPTOIR_DATABASE_URL": database_url,
        "COMPTOIR_DATA_DIR": str(tmp_path),
        "COMPTOIR_SECRET_KEY": "cli-test-key",
    }
    brand = run(env, "brand", "create", "Lumeo")["id"]
    meta = run(
        env,
        "platform-app",
        "create",
        "--platform",
        "meta",
        "--name",
        "Lumeo Meta",
        "--app-secret",
        "s3cret-app",
        "--verify-token",
        "tok",
    )
    assert meta == {"id": meta["id"], "webhook_path": f"/webhooks/meta/{meta['id']}"}
    x = run(
        env,
        "platform-app",
        "create",
        "--platform",
        "x",
        "--name",
        "Lumeo X",
        "--consumer-key",
        "ck",
        "--consumer-secret",
        "cs",
    )
    assert x["webhook_path"] == f"/webhooks/x/{x['id']}"
    missing = run(
        env, "platform-app", "create", "--platform", "meta", "--name", "N", "--app-secret", "s", ok=False
    )
    assert missing["error"]["code"] == "validation_error" and "--verify-token" in missing["error"]["message"]
    page = run(
        env,
        "account",
        "create",
        "--brand",
        str(brand),
        "--platform",
        "facebook",
        "--external-id",
        "1122334455",
        "--handle",
        "Lumeo",
        "--app",
        str(meta["id"]),
        "--access-token",
        "page-token-123",
    )
    assert set(page) == {"id"}  # the token is never printed back
    wrong = run(
        env,
        "account",
        "create",
        "--brand",
        str(brand),
        "--platform",
        "x",
        "--external-id",
        "99",
        "--handle",
        "@lumeo",
        "--app",
        str(meta["id"]),
        ok=False,
    )
    assert "meta app" in wrong["error"]["message"]
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        token_enc = conn.exec_driver_sql("SELECT access_token_enc FROM accounts").scalar_one()
        secrets_enc = (
            conn.exec_driver_sql("SELECT secrets_enc FROM platform_apps ORDER BY id").scalars().all()
        )
    engine.dispose()
    settings = Settings(secret_key="cli-test-key")  # type: ignore[call-arg]
    assert "page-token-123" not in token_enc and decrypt(token_enc, settings) == "page-token-123"
    assert "s3cret-app" not in secrets_enc[0]
    assert decrypt_json(secrets_enc[0], settings) == {"app_secret": "s3cret-app", "verify_token": "tok"}
