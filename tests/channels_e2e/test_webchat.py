"""Web chat end to end over real HTTP: widget, visitor identity, posting, agent reply over SSE, limits."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from comptoir.actions import admin
from comptoir.actions.sla import set_calendar
from comptoir.domain.enums import Platform
from comptoir.runtime import Runtime
from comptoir.web.app import create_app
from tests.channels_e2e.conftest import join_worker_threads, wait_for
from tests.conftest import ThreadedServer


@pytest.fixture
def chat(runtime: Runtime) -> Iterator[tuple[str, int, str, Runtime]]:
    brand = admin.create_brand(runtime.db, "Lumeo")
    token = admin.create_token(runtime.db, brand, "agents")
    account = int(
        admin.create_account(runtime.db, brand_id=brand, platform=Platform.WEBCHAT, handle="Lumeo chat")["id"]
    )
    try:
        with ThreadedServer(create_app(runtime)) as server:
            yield server.url, account, token, runtime
    finally:
        join_worker_threads()


def sse_replies(
    url: str, params: dict[str, str], count: int, timeout: float = 20.0
) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    with httpx.Client(timeout=timeout) as client, client.stream("GET", url, params=params) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        event = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "reply":
                found.append(json.loads(line[6:]))
                if len(found) >= count:
                    return found
    return found


def test_visitor_writes_agent_answers_live(chat: tuple[str, int, str, Runtime]) -> None:
    url, account, api_token, _ = chat
    with httpx.Client(base_url=url, timeout=10) as visitor:
        script = visitor.get(f"/webchat/{account}/widget.js")
        assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
        assert f'"account": {account}' in script.text and "innerHTML" not in script.text
        status = visitor.get(f"/webchat/{account}/status").json()
        assert status["open"] is True
        token = status["visitor_token"]
        assert visitor.cookies.get(f"comptoir_wc_{account}") == token
        posted = visitor.post(
            f"/webchat/{account}/messages", json={"text": "<script>alert(1)</script> hi", "client_id": "c1"}
        )
        assert posted.status_code == 202, posted.text
        again = visitor.post(
            f"/webchat/{account}/messages", json={"text": "<script>alert(1)</script> hi", "client_id": "c1"}
        )
        assert again.status_code == 200 and again.json()["status"] == "duplicate"
        assert again.json()["id"] == posted.json()["id"]
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {api_token}"}) as api:

        def conversation() -> int:
            items = api.get("/api/v1/conversations", params={"noise": "include"}).json()
            rows = items.get("items") or items.get("conversations") or []
            return int(rows[0]["id"]) if rows else 0

        conversation_id = wait_for(conversation, what="the web chat conversation")
        detail = api.get(f"/api/v1/conversations/{conversation_id}").json()
        assert "<script>alert(1)</script> hi" in json.dumps(detail)  # stored as text, never rendered here
        reply = api.post(
            f"/api/v1/conversations/{conversation_id}/replies",
            json={"text": "Hello! <b>How</b> can we help?"},
        )
        assert reply.status_code == 202
    [event] = sse_replies(f"{url}/webchat/{account}/stream", {"visitor": token}, 1)
    assert event["text"] == "Hello! <b>How</b> can we help?"
    # another visitor sees nothing of it, and a forged token is refused
    with httpx.Client(base_url=url) as other:
        forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
        assert other.get(f"/webchat/{account}/stream", params={"visitor": forged}).status_code == 401


def test_posting_is_rate_limited_per_visitor(chat: tuple[str, int, str, Runtime]) -> None:
    url, account, _, _ = chat
    with httpx.Client(base_url=url) as visitor:
        codes = [
            visitor.post(f"/webchat/{account}/messages", json={"text": f"spam {i}"}).status_code
            for i in range(12)
        ]
    assert codes[:10] == [202] * 10 and codes[10:] == [429, 429]


def test_out_of_hours_the_form_asks_for_an_email(chat: tuple[str, int, str, Runtime]) -> None:
    url, account, _, runtime = chat
    brand = 1
    set_calendar(runtime.db, brand, {"timezone": "Europe/Paris", "hours": {}})  # never open
    with httpx.Client(base_url=url) as visitor:
        assert visitor.get(f"/webchat/{account}/status").json()["open"] is False
        refused = visitor.post(f"/webchat/{account}/messages", json={"text": "anyone?"})
        assert refused.status_code == 422 and refused.json()["error"]["details"]["reason"] == "offline"
        bad = visitor.post(f"/webchat/{account}/messages", json={"text": "anyone?", "email": "<x>@y"})
        assert bad.status_code == 422
        ok = visitor.post(
            f"/webchat/{account}/messages", json={"text": "anyone?", "email": "ana@example.org"}
        )
        assert ok.status_code == 202 and ok.json()["open"] is False
