"""Login, sessions, CSRF, throttling, roles and the `comptoir user create` command."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from comptoir.store import tables as t
from comptoir.web.ui.security import (
    SESSION_COOKIE,
    LoginThrottle,
    SessionSigner,
    hash_password,
    verify_password,
)
from tests.ui.conftest import PASSWORD, Workspace, csrf_of, login, page_csrf


def test_passwords_are_argon2_hashes(ws: Workspace) -> None:
    with ws.runtime.db.read() as conn:
        stored = conn.execute(select(t.agents.c.password_hash).where(t.agents.c.id == ws.agents["alice"])).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert verify_password(stored, PASSWORD) and not verify_password(stored, PASSWORD + "x")
    assert not verify_password(None, PASSWORD)
    assert hash_password("same") != hash_password("same")  # salted


def test_login_sets_a_signed_httponly_cookie_and_rotates_the_csrf_token(ws: Workspace) -> None:
    client = ws.client()
    before = csrf_of(client.get("/login").text)
    response = login(client, "alice@example.test")
    cookie = response.headers["set-cookie"]
    assert SESSION_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert page_csrf(client) != before
    assert client.get("/").status_code == 200


def test_a_secure_cookie_over_https(ws: Workspace) -> None:
    client = TestClient(ws.app, base_url="https://testserver")
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": "alice@example.test", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert "Secure" in response.headers["set-cookie"]


def test_wrong_password_and_unknown_user_look_the_same(ws: Workspace) -> None:
    client = ws.client()
    for email, password in (("alice@example.test", "nope-nope"), ("nobody@example.test", PASSWORD)):
        token = csrf_of(client.get("/login").text)
        response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
        assert response.status_code == 401
        assert "Wrong e-mail address or password." in response.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_is_throttled_after_five_failures(ws: Workspace) -> None:
    client = ws.client()
    statuses = []
    for _ in range(7):
        token = csrf_of(client.get("/login").text)
        statuses.append(
            client.post("/login", data={"email": "alice@example.test", "password": "bad-bad-bad", "csrf_token": token}).status_code
        )
    assert statuses == [401] * 5 + [429, 429]
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"email": "alice@example.test", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 429 and int(response.headers["retry-after"]) > 0


def test_throttle_window_expires() -> None:
    throttle = LoginThrottle(limit=2, window=0.2)
    throttle.failed("a@x", "1.2.3.4")
    throttle.failed("a@x", "1.2.3.4")
    assert throttle.retry_after("a@x", "9.9.9.9") > 0
    assert throttle.retry_after("b@x", "1.2.3.4") > 0  # the same address trying another account
    time.sleep(0.25)
    assert throttle.retry_after("a@x", "1.2.3.4") == 0


def test_forged_or_expired_sessions_are_refused() -> None:
    signer = SessionSigner("k1")
    cookie = signer.dumps({"a": 1, "c": "t", "iat": int(time.time())})
    assert signer.loads(cookie) is not None
    assert SessionSigner("k2").loads(cookie) is None
    payload, _, mac = cookie.partition(".")
    assert signer.loads(payload[:-2] + "xx." + mac) is None
    old = signer.dumps({"a": 1, "c": "t", "iat": int(time.time()) - 13 * 3600})
    assert signer.loads(old) is None
    assert signer.loads("garbage") is None and signer.loads(None) is None


def test_a_forged_cookie_does_not_log_in(ws: Workspace) -> None:
    client = ws.client()
    forged = SessionSigner("not-the-key").dumps({"a": ws.agents["alice"], "c": "t", "iat": int(time.time())})
    client.cookies.set(SESSION_COOKIE, forged)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_state_changes_need_the_sessions_csrf_token(ws: Workspace) -> None:
    c = ws.ingest(ws.a, "csrf-1")
    client = ws.client("alice")
    for data, headers in (
        ({"status": "pending"}, {}),
        ({"status": "pending", "csrf_token": "wrong"}, {}),
        ({"status": "pending"}, {"X-CSRF-Token": "wrong"}),
    ):
        assert client.post(f"/c/{c}/status", data=data, headers=headers, follow_redirects=False).status_code == 403
    token = page_csrf(client)
    evil = client.post(
        f"/c/{c}/status",
        data={"status": "pending", "csrf_token": token},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert evil.status_code == 403
    ok = client.post(f"/c/{c}/status", data={"status": "pending"}, headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert ok.status_code == 303
    # Another session's token is not this session's.
    other = ws.client("sue")
    assert other.post(f"/c/{c}/status", data={"status": "open", "csrf_token": token}, follow_redirects=False).status_code == 403


def test_login_redirect_only_goes_to_local_paths(ws: Workspace) -> None:
    client = ws.client()
    for target, expected in (("/c/1", "/c/1"), ("//evil.example", "/"), ("https://evil.example", "/"), ("/\\evil", "/")):
        token = csrf_of(client.get("/login").text)
        response = client.post(
            "/login",
            data={"email": "alice@example.test", "password": PASSWORD, "csrf_token": token, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == expected


def test_logout_ends_the_session_and_is_audited(ws: Workspace) -> None:
    client = ws.client("alice")
    assert client.post("/logout", data={"csrf_token": page_csrf(client)}, follow_redirects=False).status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303
    with ws.runtime.db.read() as conn:
        actions = set(
            conn.execute(
                select(t.audit_events.c.action).where(t.audit_events.c.actor == f"agent:{ws.agents['alice']}")
            ).scalars()
        )
    assert {"agent.logged_in", "agent.logged_out"} <= actions


def test_user_create_command(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from comptoir.cli import app
    from comptoir.settings import reset_settings_cache

    monkeypatch.setenv("COMPTOIR_DATABASE_URL", ws.runtime.db.url)
    reset_settings_cache()
    runner = CliRunner()
    args = ["user", "create", "--brand", str(ws.a.id), "--email", "New@Example.test", "--name", "Nina New",
            "--role", "supervisor", "--password-stdin"]
    result = runner.invoke(app, args, input="a long passphrase\n")
    assert result.exit_code == 0, result.output
    agent_id = json.loads(result.stdout)["id"]
    client = ws.client()
    login(client, "new@example.test", "a long passphrase")
    assert "Nina New" in client.get("/").text
    refused = runner.invoke(app, [*args[:5], "other@example.test", *args[6:]], input="short\n")
    assert refused.exit_code == 1 and "validation_error" in refused.output
    no_stdin = runner.invoke(app, args[:-1])
    assert no_stdin.exit_code == 1
    assert isinstance(agent_id, int)
    reset_settings_cache()
