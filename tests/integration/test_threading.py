"""Threading through the real ingestion path: private per contact, reopen window, public threads, out of order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from tests.support import Env, message

from comptoir import clock
from comptoir.store import tables as t


def conversation_of(env: Env, external_id: str) -> int:
    with env.runtime.db.read() as conn:
        value = conn.execute(
            sa.select(t.messages.c.conversation_id).where(t.messages.c.external_id == external_id)
        ).scalar_one()
    assert value is not None
    return int(value)


def open_conversations(env: Env) -> int:
    with env.runtime.db.read() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(t.conversations)
                .where(t.conversations.c.merged_into.is_(None))
            ).scalar_one()
        )


def test_private_messages_of_one_contact_share_a_conversation(env: Env) -> None:
    env.post([message("a1", author="ana"), message("a2", author="ana"), message("b1", author="bob")])
    env.process()
    assert conversation_of(env, "a1") == conversation_of(env, "a2") != conversation_of(env, "b1")


def test_message_within_the_reopen_window_reopens(env: Env) -> None:
    start = datetime(2026, 11, 20, 10, tzinfo=UTC)
    with clock.frozen(start) as move:
        env.post(message("r1", author="ana"))
        env.process()
        conv = conversation_of(env, "r1")
        assert (
            env.client.patch(
                f"/api/v1/conversations/{conv}", json={"status": "resolved"}, headers=env.headers
            ).status_code
            == 200
        )
        move(start + timedelta(days=3))
        env.post(message("r2", author="ana"))
        env.process()
        assert conversation_of(env, "r2") == conv
        detail = env.client.get(f"/api/v1/conversations/{conv}", headers=env.headers).json()
        assert detail["status"] == "open"
        assert "conversation.reopened" in [e["action"] for e in detail["audit"]]


def test_message_after_the_reopen_window_starts_a_new_conversation(env: Env) -> None:
    start = datetime(2026, 11, 1, 10, tzinfo=UTC)
    with clock.frozen(start) as move:
        env.post(message("o1", author="ana"))
        env.process()
        conv = conversation_of(env, "o1")
        env.client.patch(f"/api/v1/conversations/{conv}", json={"status": "resolved"}, headers=env.headers)
        move(start + timedelta(days=8))
        env.post(message("o2", author="ana"))
        env.process()
        assert conversation_of(env, "o2") != conv


def test_public_replies_join_their_thread(env: Env) -> None:
    env.post(message("t1", author="ana", visibility="public"))
    env.post(message("t2", author="bob", visibility="public", in_reply_to="t1"))
    env.post(message("t3", author="ana", visibility="public", in_reply_to="t2"))
    env.post(message("u1", author="ana", visibility="public"))
    env.process()
    assert conversation_of(env, "t1") == conversation_of(env, "t2") == conversation_of(env, "t3")
    assert conversation_of(env, "u1") != conversation_of(env, "t1")


def test_out_of_order_thread_ends_in_one_conversation(env: Env) -> None:
    # C replies to B which replies to A; they arrive C, A, B.
    env.post(message("C", author="carl", visibility="public", in_reply_to="B"))
    env.process()
    env.post(message("A", author="ana", visibility="public"))
    env.process()
    assert open_conversations(env) == 2
    env.post(message("B", author="bob", visibility="public", in_reply_to="A"))
    env.process()
    assert conversation_of(env, "A") == conversation_of(env, "B") == conversation_of(env, "C")
    assert open_conversations(env) == 1


def test_native_brand_reply_stops_the_wait(env: Env) -> None:
    env.post(message("q1", author="ana", visibility="public", sent_at="2026-11-20T10:00:00Z"))
    env.post(
        message(
            "q2",
            author="brand",
            visibility="public",
            in_reply_to="q1",
            direction="outbound",
            sent_at="2026-11-20T10:12:00Z",
        )
    )
    env.process()
    conv = env.client.get(f"/api/v1/conversations/{conversation_of(env, 'q1')}", headers=env.headers).json()
    assert conv["first_inbound_at"] == "2026-11-20T10:00:00Z"
    assert conv["first_response_at"] == "2026-11-20T10:12:00Z"
    assert conv["waiting_since"] is None


def test_waiting_longest_first(env: Env) -> None:
    env.post(message("w1", author="late", sent_at="2026-11-20T12:00:00Z"))
    env.post(message("w2", author="early", sent_at="2026-11-20T08:00:00Z"))
    env.post(message("w3", author="mid", sent_at="2026-11-20T10:00:00Z"))
    env.process()
    rows = env.client.get("/api/v1/conversations?sort=waiting", headers=env.headers).json()["conversations"]
    assert [r["preview"][-2:] for r in rows] == ["w2", "w3", "w1"]


def test_patch_rejects_an_illegal_transition_and_filters_by_tag(env: Env) -> None:
    env.post(message("x1", author="ana"))
    env.process()
    conv = conversation_of(env, "x1")
    url = f"/api/v1/conversations/{conv}"
    assert env.client.patch(url, json={"status": "resolved"}, headers=env.headers).status_code == 200
    bad = env.client.patch(url, json={"status": "pending"}, headers=env.headers)
    assert bad.status_code == 409 and bad.json()["error"]["code"] == "invalid_transition"
    env.client.patch(url, json={"status": "open", "tags": ["Billing", "vip"]}, headers=env.headers)
    tagged = env.client.get("/api/v1/conversations?tag=billing&sort=recent", headers=env.headers).json()
    assert [c["id"] for c in tagged["conversations"]] == [conv]
    untagged = env.client.get("/api/v1/conversations?tag=nope&sort=recent", headers=env.headers).json()
    assert untagged["conversations"] == []
