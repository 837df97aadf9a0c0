"""The workspace in a real browser (Debian's Chromium driven by Playwright) against the app on loopback.

Skips loudly when /usr/bin/chromium is absent, unless COMPTOIR_REQUIRE_BROWSER=1 (CI), where it fails.
Screenshots go to tests/artifacts/ (ignored by git).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from comptoir.runtime import Runtime
from comptoir.store.db import Database
from comptoir.store.migrate import upgrade
from comptoir.web.app import create_app
from tests.conftest import ThreadedServer, make_settings
from tests.integration.callback_receiver import Receiver
from tests.support import message
from tests.ui.conftest import PASSWORD, make_workspace

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _browser_or_skip() -> Any:
    message_text = (
        f"{CHROMIUM} not found: SKIPPING the browser tests of the workspace "
        "(apt-get install -y chromium; set COMPTOIR_REQUIRE_BROWSER=1 to make this a failure)"
    )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        if os.environ.get("COMPTOIR_REQUIRE_BROWSER") == "1":
            pytest.fail("playwright is not installed")
        pytest.skip("playwright is not installed: SKIPPING the browser tests")
    if not CHROMIUM.exists():
        if os.environ.get("COMPTOIR_REQUIRE_BROWSER") == "1":
            pytest.fail(message_text)
        pytest.skip(message_text)
    return sync_playwright


@pytest.fixture
def browser_page() -> Iterator[Any]:
    sync_playwright = _browser_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 950}, locale="en-GB")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        try:
            yield page
        finally:
            context.close()
            browser.close()
        assert errors == [], f"browser errors: {errors}"


def test_a_day_in_the_workspace(browser_page: Any, tmp_path: Path) -> None:
    page = browser_page
    ARTIFACTS.mkdir(exist_ok=True)
    url = f"sqlite:///{tmp_path / 'browser.db'}"
    db = Database(url)
    upgrade(db)
    runtime = Runtime(settings=make_settings(tmp_path, url), db=db)
    with Receiver() as receiver:
        ws = make_workspace(runtime, callback_url=receiver.url)
        app = create_app(runtime)
        with ThreadedServer(app) as server:
            # Log in.
            page.goto(f"{server.url}/")
            page.fill("#email", "alice@example.test")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit].primary")
            page.wait_for_selector("#inbox-title")
            page.wait_for_selector("#live[data-state=on]")

            # A message posted through the API appears without reload.
            text = "Ma fibre est coupée depuis trois jours et personne ne répond"
            body = message("browser-1", text=text)
            body["author"] = {"external_id": "julie", "handle": "@julie", "name": "Julie Dupont", "followers": 2400}
            posted = time.perf_counter()
            response = httpx.post(
                f"{server.url}/api/v1/accounts/{ws.a.account_id}/messages",
                json=body,
                headers={"Authorization": f"Bearer {ws.a.token}"},
            )
            assert response.status_code == 202
            page.wait_for_selector(f"#rows tr.row >> text={text}", timeout=10_000)
            latency = {"webhook_to_row_ms": round((time.perf_counter() - posted) * 1000)}
            (ARTIFACTS / "live-latency.json").write_text(json.dumps(latency))  # a figure, never an assertion
            page.screenshot(path=str(ARTIFACTS / "inbox-en.png"), full_page=True)

            # Open it with the keyboard.
            page.keyboard.press("j")
            page.keyboard.press("Enter")
            page.wait_for_selector("#case-title")
            assert "Julie Dupont" in page.inner_text("#case-title")

            # Correct its intent in one click.
            page.click("form.judgement button[data-judgement=intent][value=complaint]")
            page.wait_for_selector("form.judgement button[data-judgement=intent][value=complaint].current")
            assert page.is_visible("text=Thanks: the correction is recorded.")

            # Insert a template by typing "/" and its name.
            page.click("#reply-text")
            page.keyboard.type("/suiv")
            page.wait_for_selector("#template-menu li.template-choice")
            page.keyboard.press("Enter")
            draft = page.input_value("#reply-text")
            assert draft.startswith("Bonjour Julie, votre demande C-") and draft.endswith("Alice")

            # The coach flags the missing apology, and clears it once there is one.
            page.wait_for_selector('#coach [data-code="apology"]')
            page.keyboard.press("End")
            page.keyboard.type(" Toutes nos excuses pour cette coupure, je comprends votre agacement.")
            page.wait_for_selector('#coach [data-code="apology"]', state="detached")
            assert not page.is_visible('#coach [data-code="apology"]')

            # Send: queued, then sent (live), and the callback receiver got it.
            page.click("#send")
            page.wait_for_selector('[data-delivery="sent"]', timeout=10_000)
            deadline = time.monotonic() + 5
            while not receiver.received and time.monotonic() < deadline:
                time.sleep(0.05)
            assert receiver.received and "Toutes nos excuses" in receiver.received[0]["json"]["text"]
            page.screenshot(path=str(ARTIFACTS / "conversation-en.png"), full_page=True)

            # Resolve: back to the inbox, which no longer lists it.
            page.click("#resolve")
            page.wait_for_selector("#inbox-title")
            assert page.is_visible("text=Resolved.")
            assert not page.is_visible(f"#rows >> text={text}")

            # Switch to French.
            page.select_option("#language-select", "fr")
            page.click("#language-submit")
            page.wait_for_selector("text=À traiter")
            assert page.get_attribute("html", "lang") == "fr"
            page.goto(f"{server.url}/?status=all")
            page.wait_for_selector("#rows tr.row")
            page.screenshot(path=str(ARTIFACTS / "inbox-fr.png"), full_page=True)
            page.click("#rows tr.row a.open-link")
            page.wait_for_selector("#case-title")
            assert page.is_visible("text=Répondre")
            page.screenshot(path=str(ARTIFACTS / "conversation-fr.png"), full_page=True)
            page.goto("about:blank")  # hang up the event stream before the server stops
