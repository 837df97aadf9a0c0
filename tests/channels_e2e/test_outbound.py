"""Agents' replies reach the simulators' timelines exactly once, whatever the platform does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from comptoir import clock
from comptoir.store import tables as t
from tests.channels_e2e.conftest import PAGE_ID, Stack, wait_for


def ours(stack: Stack, text: str) -> list[object]:
    with stack.runtime.db.read() as conn:
        return list(conn.execute(select(t.messages).where(t.messages.c.text == text)).all())


def test_messenger_reply_survives_5xx_and_a_timeout_after_acceptance(stack: Stack) -> None:
    stack.meta.customer_sends_dm("7001", "where is my parcel?")
    [row] = stack.processed(stack.facebook, 1)
    with stack.api() as client:
        rules = client.get(f"/api/v1/conversations/{row.conversation_id}/reply-rules").json()
    assert rules["can_reply"] is True and rules["window_closes_at"] and rules["reply_kind"] == "direct"
    path = f"/v25.0/{PAGE_ID}/messages"
    stack.meta.inject_fault("5xx", path=path, count=1)
    stack.meta.inject_fault("timeout", path=path, accept=True, delay=2.5)  # accepted, answer too late
    text = "Sorry about that, it ships tomorrow."
    message_id = stack.reply(row.conversation_id, text)
    sent = stack.delivery(message_id)
    assert sent.delivery_status == "sent", sent.delivery_error
    timeline = [i for i in stack.meta.timeline() if i["kind"] == "message" and i["text"] == text]
    assert len(timeline) == 1 and timeline[0]["to"] == "7001"
    assert timeline[0]["messaging_type"] == "RESPONSE"
    assert sent.provider_id == timeline[0]["mid"]
    assert len(ours(stack, text)) == 1  # the echo reconciled our row; no second row
    stack.meta.drain()
    assert len(ours(stack, text)) == 1


def test_comment_gets_a_public_reply_in_its_thread(stack: Stack) -> None:
    comment = stack.meta.customer_comments("do you ship to Lyon?", user_id="7002", name="Bo")
    [row] = stack.processed(stack.facebook, 1)
    message_id = stack.reply(row.conversation_id, "Yes, in 2 days!")
    assert stack.delivery(message_id).delivery_status == "sent"
    [item] = [i for i in stack.meta.timeline() if i["kind"] == "comment_reply"]
    assert item["in_reply_to"] == comment and item["text"] == "Yes, in 2 days!"


def test_closed_messaging_window_fails_with_a_clear_reason(stack: Stack) -> None:
    stack.meta.customer_sends_dm("7005", "hello?", at=clock.now() - timedelta(days=2))
    [row] = stack.processed(stack.facebook, 1)
    with stack.api() as client:  # the workspace can tell the agent before they write
        rules = client.get(f"/api/v1/conversations/{row.conversation_id}/reply-rules").json()
    assert rules["can_reply"] is False and "window closed" in rules["reason"]
    failed = stack.delivery(stack.reply(row.conversation_id, "Sorry for the delay"))
    assert failed.delivery_status == "failed"
    assert "window" in failed.delivery_error and "24 hours" in failed.delivery_error
    assert not [i for i in stack.meta.timeline() if i["kind"] == "message"]


def test_x_reply_in_thread_rides_out_429_and_5xx_exactly_once(stack: Stack) -> None:
    mention = stack.xsim.customer_mentions("@Lumeo refund please", user_id="501", screen_name="dan")
    [row] = stack.processed(stack.x, 1)
    with stack.api() as client:
        rules = client.get(f"/api/v1/conversations/{row.conversation_id}/reply-rules").json()
    assert rules == {
        "platform": "x",
        "reply_kind": "public",
        "max_length": 280,
        "can_reply": True,
        "window_closes_at": None,
        "private_reply_to_comment": False,
    }
    stack.xsim.inject_fault("429", path="/2/tweets", reset_in=1.0)
    stack.xsim.inject_fault("5xx", path="/2/tweets", count=1)
    text = "@dan we've sent it, sorry!"
    sent = stack.delivery(stack.reply(row.conversation_id, text))
    assert sent.delivery_status == "sent", sent.delivery_error
    tweets = [i for i in stack.xsim.timeline() if i["kind"] == "tweet" and i["text"] == text]
    assert len(tweets) == 1 and tweets[0]["in_reply_to"] == mention
    stack.xsim.drain()
    assert len(ours(stack, text)) == 1


def test_x_timeout_after_acceptance_is_reconciled_by_the_echo_not_resent(stack: Stack) -> None:
    stack.xsim.customer_sends_dm("hi, my account is locked", user_id="503", screen_name="fay")
    [row] = stack.processed(stack.x, 1)
    stack.xsim.inject_fault("timeout", path="/2/dm_conversations", accept=True, delay=2.5)
    text = "We've unlocked it, try again."
    sent = stack.delivery(stack.reply(row.conversation_id, text))
    assert sent.delivery_status == "sent"
    dms = [i for i in stack.xsim.timeline() if i["kind"] == "dm" and i["text"] == text]
    assert len(dms) == 1 and dms[0]["to"] == "503" and sent.provider_id == dms[0]["id"]
    assert len(ours(stack, text)) == 1


def test_x_reply_over_280_characters_is_refused_before_sending(stack: Stack) -> None:
    stack.xsim.customer_mentions("@Lumeo hello", user_id="501", screen_name="dan")
    [row] = stack.processed(stack.x, 1)
    failed = stack.delivery(stack.reply(row.conversation_id, "x" * 300))
    assert failed.delivery_status == "failed" and "280" in failed.delivery_error
    assert not [i for i in stack.xsim.timeline() if i["kind"] == "tweet" and i["text"].startswith("xxx")]


def test_a_platform_down_does_not_block_the_others(stack: Stack) -> None:
    stack.xsim.customer_mentions("@Lumeo anyone?", user_id="501", screen_name="dan")
    stack.meta.customer_sends_dm("7001", "anyone here?")
    [x_row] = stack.processed(stack.x, 1)
    [fb_row] = stack.processed(stack.facebook, 1)
    stack.xsim.inject_fault("timeout", path="/2/tweets", count=2, delay=3.0)  # X hangs, then recovers
    x_reply = stack.reply(x_row.conversation_id, "@dan looking into it")
    fb_reply = stack.reply(fb_row.conversation_id, "Yes, how can we help?")
    fb_sent = stack.delivery(fb_reply)
    assert fb_sent.delivery_status == "sent"
    with stack.runtime.db.read() as conn:
        x_status = conn.execute(
            select(t.messages.c.delivery_status).where(t.messages.c.id == x_reply)
        ).scalar_one()
    assert x_status == "queued"  # still retrying while Messenger went out
    x_sent = stack.delivery(x_reply)
    assert x_sent.delivery_status == "sent"
    assert (
        len(
            [i for i in stack.xsim.timeline() if i["kind"] == "tweet" and i["text"] == "@dan looking into it"]
        )
        == 1
    )


def test_a_native_reply_from_the_page_inbox_is_stored_once_as_outbound(stack: Stack) -> None:
    stack.meta.customer_sends_dm("7001", "hello")
    [dm] = stack.processed(stack.facebook, 1)
    stack.meta.webhooks.duplicate = True
    mid = stack.meta.page_replies_natively("7001", "Hi! (typed in Meta Business Suite)")
    rows = wait_for(lambda: [r for r in stack.rows(stack.facebook) if r.external_id == mid])
    assert len(rows) == 1 and rows[0].direction == "outbound"
    assert rows[0].conversation_id == dm.conversation_id  # threaded with the customer's messages
    with stack.runtime.db.read() as conn:
        conversation = conn.execute(
            select(t.conversations).where(t.conversations.c.id == dm.conversation_id)
        ).one()
    assert conversation.waiting_since is None and conversation.first_response_at is not None


def test_moving_a_comment_to_private_links_the_two_conversations(stack: Stack) -> None:
    comment = stack.meta.customer_comments("my card number is wrong on my invoice", user_id="7009", name="Di")
    [row] = stack.processed(stack.facebook, 1)
    with stack.api() as client:
        response = client.post(
            f"/api/v1/conversations/{row.conversation_id}/private-reply",
            json={"text": "Let's fix this privately: what is your order number?"},
        )
    assert response.status_code == 202, response.text
    sent = stack.delivery(int(response.json()["id"]))
    assert sent.delivery_status == "sent", sent.delivery_error
    [item] = [i for i in stack.meta.timeline() if i["kind"] == "private_reply"]
    assert item["comment_id"] == comment and item["to"] == "7009"

    def linked() -> Any:
        with stack.runtime.db.read() as conn:
            return conn.execute(
                select(t.conversations).where(
                    t.conversations.c.id == row.conversation_id,
                    t.conversations.c.linked_conversation_id.is_not(None),
                )
            ).first()

    public = wait_for(linked, what="the public conversation linked to a private one")
    with stack.runtime.db.read() as conn:
        private = conn.execute(
            select(t.conversations).where(t.conversations.c.id == public.linked_conversation_id)
        ).one()
    assert private.visibility == "private" and private.linked_conversation_id == public.id
    stack.meta.customer_sends_dm(
        "7009", "order 4411"
    )  # the customer answers by DM: same private conversation
    [dm] = wait_for(
        lambda: [r for r in stack.rows(stack.facebook) if r.text == "order 4411" and r.conversation_id],
        what="the customer's DM processed",
    )
    assert dm.conversation_id == private.id


def test_a_revoked_token_fails_the_reply_with_the_reason(stack: Stack) -> None:
    stack.meta.customer_sends_dm("7001", "hello")
    [row] = stack.processed(stack.facebook, 1)
    stack.meta.config.access_token = "rotated-by-the-page-admin"  # our stored token is no longer valid
    failed = stack.delivery(stack.reply(row.conversation_id, "Hi!"))
    assert failed.delivery_status == "failed" and "reauthorise the account" in failed.delivery_error
    assert failed.delivery_attempts == 1  # permanent: not retried
