"""Docs checked by tests: every setting documented, the quick start is exactly the two scripts."""

from __future__ import annotations

from pathlib import Path

from comptoir.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"COMPTOIR_{name.upper()}" not in readme]
    assert missing == [], "run .venv/bin/python scripts/settings_table.py and update README.md"


def test_quick_start_is_the_two_scripts() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "./scripts/demo" in quick and "./scripts/test" in quick
    for script in ("scripts/demo", "scripts/test", ".ci/run"):
        assert (ROOT / script).stat().st_mode & 0o111, f"{script} must be executable"


def test_docs_name_modules_that_exist() -> None:
    page = (ROOT / "docs/subsystems/inbound-message.md").read_text(encoding="utf-8")
    for module in ("web/api/ingest.py", "actions/ingest.py", "jobs/queue.py", "pipeline/engine.py",
                   "actions/threading.py", "actions/replies.py", "channels/api/send.py"):
        assert module in page
        assert (ROOT / "src/comptoir" / module).is_file(), module
