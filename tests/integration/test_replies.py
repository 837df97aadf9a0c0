"""Outbound replies through the outbox to a real callback endpoint: signature, retries, idempotency."""

from __future__ import annotations

import hashlib
import hmac
import time

import sqlalchemy as sa
from tests.integration.callback_receiver import Receiver
from tests.support import Env, message

from comptoir.actions import admin
from comptoir.domain.enums import Platform
from comptoir.jobs.worker import Worker
from comptoir.runtime import Runtime
from comptoir.store import tables as t


def setup_conversation(env: Env, callback_url: str) -> int:
    with env.runtime.db.transaction() as tx:
        tx.conn.execute(
            sa.update(t.accounts).where(t.accounts.c.id == env.account_id).values(callback_url=callback_url)
        )
    env.post(message("in-1", author="ana"))
    env.process()
    rows = env.client.get("/api/v1/conversations?sort=recent", headers=env.headers).json()["conversations"]
    return int(rows[0]["id"])


def drain(runtime: Runtime, seconds: float = 5.0) -> None:
    """Run jobs, including retries scheduled a little later, until the queue is empty."""
    worker = Worker(runtime)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        worker.run_until_idle()
        with runtime.db.read() as conn:
            left = conn.execute(sa.select(sa.func.count()).select_from(t.jobs)).scalar_one()
        if not left:
            return
        time.sleep(0.05)


def reply_status(env: Env, conversation_id: int) -> list[tuple[str, str | None]]:
    detail = env.client.get(f"/api/v1/conversations/{conversation_id}", headers=env.headers).json()
    return [
        (m["delivery_status"], m["delivery_error"])
        for m in detail["messages"]
        if m["direction"] == "outbound"
    ]


def test_reply_is_signed_and_sent(env: Env) -> None:
    with Receiver() as receiver:
        conv = setup_conversation(env, receiver.url)
        response = env.client.post(
            f"/api/v1/conversations/{conv}/replies",
            json={"text": "Sorry Ana, we're on it. — Léa"},
            headers=env.headers,
        )
        assert response.status_code == 202 and response.json()["status"] == "queued"
        drain(env.runtime)
        (call,) = receiver.received
        expected = (
            "sha256=" + hmac.new(env.callback_secret.encode(), call["body"], hashlib.sha256).hexdigest()
        )
        assert call["headers"]["X-Comptoir-Signature"] == expected
        assert call["json"]["text"] == "Sorry Ana, we're on it. — Léa"
        assert call["json"]["in_reply_to"] == "in-1"
    assert reply_status(env, conv) == [("sent", None)]
    conversation = env.client.get(f"/api/v1/conversations/{conv}", headers=env.headers).json()
    assert conversation["first_response_at"] is not None and conversation["waiting_since"] is None


def test_same_idempotency_key_never_sends_twice(env: Env) -> None:
    with Receiver() as receiver:
        conv = setup_conversation(env, receiver.url)
        headers = {**env.headers, "Idempotency-Key": "k-1"}
        first = env.client.post(f"/api/v1/conversations/{conv}/replies", json={"text": "Hi"}, headers=headers)
        second = env.client.post(
            f"/api/v1/conversations/{conv}/replies", json={"text": "Hi"}, headers=headers
        )
        assert first.status_code == 202 and second.status_code == 200
        assert first.json()["id"] == second.json()["id"]
        drain(env.runtime)
        assert len(receiver.received) == 1


def test_server_errors_are_retried_until_sent(env: Env) -> None:
    with Receiver(statuses=[503, 500]) as receiver:
        conv = setup_conversation(env, receiver.url)
        env.client.post(f"/api/v1/conversations/{conv}/replies", json={"text": "Hi"}, headers=env.headers)
        drain(env.runtime)
        assert len(receiver.received) == 3
    assert reply_status(env, conv) == [("sent", None)]


def test_client_error_fails_without_retry(env: Env) -> None:
    with Receiver(statuses=[422]) as receiver:
        conv = setup_conversation(env, receiver.url)
        env.client.post(f"/api/v1/conversations/{conv}/replies", json={"text": "Hi"}, headers=env.headers)
        drain(env.runtime)
        assert len(receiver.received) == 1
    ((status, error),) = reply_status(env, conv)
    assert status == "failed" and error is not None and "422" in error


def test_endless_failures_end_in_dead_letters_and_can_be_replayed(env: Env) -> None:
    from comptoir.jobs.queue import replay_dead_letters

    env.runtime.settings.job_max_attempts = 2
    with Receiver(statuses=[500, 500]) as receiver:
        conv = setup_conversation(env, receiver.url)
        env.client.post(f"/api/v1/conversations/{conv}/replies", json={"text": "Hi"}, headers=env.headers)
        drain(env.runtime)
        assert len(receiver.received) == 2
        ((status, error),) = reply_status(env, conv)
        assert status == "failed" and "gave up" in (error or "")
        with env.runtime.db.read() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(t.dead_letters)).scalar_one() == 1
        assert replay_dead_letters(env.runtime.db) == 1
        drain(env.runtime)
        assert len(receiver.received) == 3
    assert reply_status(env, conv) == [("sent", None)]


def test_reply_to_another_brands_conversation_is_404(env: Env) -> None:
    env.post(message("in-x", author="ana"))
    env.process()
    other = admin.create_brand(env.runtime.db, "Other")
    other_token = admin.create_token(env.runtime.db, other)
    admin.create_account(env.runtime.db, brand_id=other, platform=Platform.API, handle="other")
    conv = env.client.get("/api/v1/conversations?sort=recent", headers=env.headers).json()["conversations"][
        0
    ]["id"]
    response = env.client.post(
        f"/api/v1/conversations/{conv}/replies",
        json={"text": "Hi"},
        headers={"Authorization": f"Bearer {other_token}"},
    )
    assert response.status_code == 404
