"""Live updates over server-sent events, on a real server: own brand only, presence included."""

from __future__ import annotations

import json
import queue
import re
import threading
import time
from typing import Any

import httpx

from comptoir.runtime import Runtime
from comptoir.web.app import create_app
from tests.conftest import ThreadedServer
from tests.support import message
from tests.ui.conftest import PASSWORD, make_workspace


def http_login(base: str, email: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=10, follow_redirects=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)})
    assert response.status_code == 200 and "Log out" in response.text
    return client


def listen(client: httpx.Client, events: queue.Queue[tuple[str, dict[str, Any]]], stop: threading.Event) -> None:
    try:
        _listen(client, events, stop)
    except httpx.HTTPError:
        if not stop.is_set():
            raise


def _listen(client: httpx.Client, events: queue.Queue[tuple[str, dict[str, Any]]], stop: threading.Event) -> None:
    with client.stream("GET", "/ui/events", timeout=httpx.Timeout(10, read=30)) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        kind = None
        for line in response.iter_lines():
            if stop.is_set():
                return
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind:
                events.put((kind, json.loads(line[6:])))
                kind = None


def wait_for(events: queue.Queue[tuple[str, dict[str, Any]]], kind: str, timeout: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got_kind, data = events.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if got_kind == kind:
            return data
    raise AssertionError(f"no {kind} event within {timeout}s")


def test_events_reach_the_right_brand_only(runtime: Runtime) -> None:
    ws = make_workspace(runtime)
    app = create_app(runtime)  # with its job runner: messages get processed
    app.state.ui_sse_ping_seconds = 0.3  # listeners notice `stop` at the next ping and hang up
    with ThreadedServer(app) as server:
        alice = http_login(server.url, "alice@example.test")
        bob = http_login(server.url, "bob@example.test")
        sue = http_login(server.url, "sue@example.test")
        stop = threading.Event()
        alice_events: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        bob_events: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        threads = [
            threading.Thread(target=listen, args=(alice, alice_events, stop), daemon=True),
            threading.Thread(target=listen, args=(bob, bob_events, stop), daemon=True),
        ]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        api = httpx.Client(base_url=server.url, timeout=10)
        response = api.post(
            f"/api/v1/accounts/{ws.a.account_id}/messages",
            json=message("live-1", text="En direct"),
            headers={"Authorization": f"Bearer {ws.a.token}"},
        )
        assert response.status_code == 202
        data = wait_for(alice_events, "message.processed")
        conversation_id = data["conversation_id"]
        assert isinstance(conversation_id, int) and "text" not in data
        token = re.search(r'name="csrf-token" content="([^"]+)"', sue.get(f"/c/{conversation_id}").text)
        assert token
        assert sue.post(
            f"/ui/c/{conversation_id}/presence", data={"state": "replying"}, headers={"X-CSRF-Token": token.group(1)}
        ).status_code == 204
        presence = wait_for(alice_events, "presence")
        assert presence["agent_name"] == "Sue Test" and presence["conversation_id"] == conversation_id
        assert bob_events.empty()
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
        for client in (alice, bob, sue, api):
            client.close()
