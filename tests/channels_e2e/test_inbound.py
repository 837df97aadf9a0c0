"""Signed webhooks from the simulators land as conversations: once each, threaded, forged ones refused."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from comptoir.store import tables as t
from tests.channels_e2e.conftest import VERIFY_TOKEN, Stack, wait_for


def test_handshakes_answer_only_the_right_secrets(stack: Stack) -> None:
    ok, status, _ = stack.meta.handshake()
    assert ok and status == 200
    ok, status, _ = stack.meta.handshake(verify_token="wrong")
    assert not ok and status == 403
    assert stack.xsim.crc_check()
    with httpx.Client(base_url=stack.url) as client:
        assert (
            client.get(f"/webhooks/meta/{stack.meta_app + 100}", params={"hub.mode": "subscribe"}).status_code
            == 404
        )
        assert client.get(f"/webhooks/x/{stack.meta_app}", params={"crc_token": "a"}).status_code == 404
        reply = client.get(
            f"/webhooks/meta/{stack.meta_app}",
            params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"},
        )
        assert reply.text == "42"


def test_meta_dm_and_comment_become_conversations_once_each(stack: Stack) -> None:
    stack.meta.customer("7001", name="Ana Silva")
    stack.meta.webhooks.duplicate = True  # every delivery sent twice
    mid = stack.meta.customer_sends_dm("7001", "my order never arrived")
    comment = stack.meta.customer_comments("your app crashes on login", user_id="7002", name="Bo")
    reply = stack.meta.customer_comments("same here", user_id="7003", name="Cy", parent_id=comment)
    ig = stack.meta.customer_sends_dm("9001", "hello from instagram", platform="instagram")
    rows = stack.processed(stack.facebook, 3)
    assert sorted(r.external_id for r in rows) == sorted([mid, comment, reply])
    by_id = {r.external_id: r for r in rows}
    assert by_id[mid].visibility == "private" and by_id[comment].visibility == "public"
    assert by_id[comment].conversation_id == by_id[reply].conversation_id  # one public thread
    assert by_id[mid].conversation_id != by_id[comment].conversation_id
    [ig_row] = stack.processed(stack.instagram, 1)
    assert ig_row.external_id == ig and ig_row.text == "hello from instagram"


@pytest.mark.parametrize("mode", ["missing", "forged", "truncated", "other_secret"])
def test_badly_signed_webhooks_are_refused_and_nothing_is_stored(stack: Stack, mode: str) -> None:
    stack.meta.set_signature_mode(mode)
    stack.xsim.set_signature_mode(mode)
    stack.meta.config.retry_delays = ()
    stack.meta.webhooks.retry_delays = ()
    stack.meta.customer_sends_dm("7001", "forged?")
    stack.xsim.customer_mentions("forged?", user_id="55", screen_name="eve")
    assert [r.attempts for r in stack.meta.webhooks.records] == [["401"]]
    assert stack.count(t.messages) == 0 and stack.count(t.jobs) == 0


def test_x_mentions_and_dms_threads_in_any_order_and_echoes_once(stack: Stack) -> None:
    stack.xsim.webhooks.hold()
    root = stack.xsim.customer_mentions(
        "@Lumeo my card was charged twice", user_id="501", screen_name="dan", followers=12000, verified=True
    )
    child = stack.xsim.customer_replies("still waiting", in_reply_to=root, user_id="501", screen_name="dan")
    grandchild = stack.xsim.customer_replies("me too", in_reply_to=child, user_id="502", screen_name="eli")
    stack.xsim.webhooks.release("reverse")  # out of order: the replies before their parents
    dm = stack.xsim.customer_sends_dm("can you help by DM?", user_id="503", screen_name="fay")
    rows = stack.processed(stack.x, 4)
    by_id = {r.external_id: r for r in rows}
    assert {by_id[root].conversation_id, by_id[child].conversation_id, by_id[grandchild].conversation_id} == {
        by_id[root].conversation_id
    }
    assert by_id[dm].visibility == "private" and by_id[dm].conversation_id != by_id[root].conversation_id
    assert by_id[root].author["followers"] == 12000 and by_id[root].author["verified"] is True
    # a tweet the brand posted natively: stored once as outbound, redelivered or not
    stack.xsim.webhooks.duplicate = True
    native = stack.xsim.brand_tweets_natively("@dan we're on it", in_reply_to=root)
    rows = stack.processed(stack.x, 5)
    natives = [r for r in rows if r.external_id == native]
    assert len(natives) == 1 and natives[0].direction == "outbound"
    assert natives[0].conversation_id == by_id[root].conversation_id


def test_unknown_accounts_are_acknowledged_and_ignored(stack: Stack) -> None:
    stack.meta.config.page_id = "999999"  # a page nobody connected
    stack.meta.customer_sends_dm("7001", "hello?")
    assert stack.meta.webhooks.records[-1].attempts == ["200"]
    assert stack.count(t.messages) == 0


def test_edits_removals_and_receipts_are_recorded(stack: Stack) -> None:
    comment = stack.meta.customer_comments("first version", user_id="7002", name="Bo")
    stack.processed(stack.facebook, 1)
    stack.meta.customer_edits_comment(comment, "second version")
    stack.meta.page_hides_comment(comment)
    [row] = stack.rows(stack.facebook)
    assert row.text == "second version"
    assert row.raw["edit_history"][0]["text"] == "first version"
    assert row.raw["removed"] is True
    with stack.runtime.db.read() as conn:
        actions = [
            a for (a,) in conn.execute(t.audit_events.select().with_only_columns(t.audit_events.c.action))
        ]
    assert "message.edited" in actions and "message.hidden" in actions
    mid = stack.meta.customer_sends_dm("9002", "hi", platform="instagram")
    stack.processed(stack.instagram, 1)
    stack.meta.customer_reads("9002", platform="instagram", mid=mid)

    def read_actions() -> list[str]:
        with stack.runtime.db.read() as conn:
            rows = conn.execute(
                t.audit_events.select().with_only_columns(t.audit_events.c.action, t.audit_events.c.data)
            ).all()
        return [a for (a, d) in rows if a == "message.read"]

    assert wait_for(read_actions, what="a read receipt") == ["message.read"]


def test_x_mentions_polling_fills_in_when_webhooks_fail_and_dedupes(stack: Stack) -> None:
    from comptoir.channels.x_polling import cursor_key, load_cursor, poll_mentions_once

    stack.xsim.set_signature_mode("forged")  # webhooks unusable: refused, nothing stored
    first = stack.xsim.customer_mentions("@Lumeo is the app down?", user_id="601", screen_name="gus")
    second = stack.xsim.customer_mentions("@Lumeo still down", user_id="602", screen_name="hal")
    assert stack.count(t.messages) == 0
    assert poll_mentions_once(stack.runtime, stack.x).ingested == 2
    assert poll_mentions_once(stack.runtime, stack.x).ingested == 0  # since_id moved
    assert load_cursor(stack.runtime.db, cursor_key(stack.x)) == {"since_id": second}
    stack.xsim.set_signature_mode("valid")
    third = stack.xsim.customer_mentions("@Lumeo back now, thanks", user_id="601", screen_name="gus")
    summary = poll_mentions_once(stack.runtime, stack.x)
    assert summary.ingested == 0 and summary.duplicates == 1  # the webhook already stored it
    assert sorted(r.external_id for r in stack.rows(stack.x)) == sorted([first, second, third])


def test_customer_profiles_are_fetched_once_and_stored_on_the_contact(stack: Stack) -> None:
    stack.meta.customer("9100", platform="instagram", username="zoe.shop", followers=48000, verified=True)
    stack.meta.customer("7100", name="Ana Silva")
    stack.meta.customer_sends_dm("9100", "is the sale still on?", platform="instagram")
    stack.meta.customer_sends_dm("9100", "hello?", platform="instagram")
    stack.meta.customer_sends_dm("7100", "bonjour", platform="facebook")

    def contacts() -> dict[str, Any]:
        with stack.runtime.db.read() as conn:
            rows = conn.execute(select(t.contacts)).all()
        return {r.external_id: r for r in rows if r.display_name or r.handle}

    wait_for(lambda: len(contacts()) == 2, what="profiles on the contacts")
    found = contacts()
    assert found["9100"].handle == "zoe.shop" and found["9100"].followers == 48000
    assert found["7100"].display_name == "Ana Silva"


def test_unsupported_impossible_and_oversized_bodies(stack: Stack) -> None:
    from comptoir.channels.meta.webhook import sign
    from tests.channels_e2e.conftest import META_SECRET, PAGE_ID

    path = f"/webhooks/meta/{stack.meta_app}"

    def post(body: bytes) -> httpx.Response:
        with httpx.Client(base_url=stack.url) as client:
            return client.post(path, content=body, headers={"X-Hub-Signature-256": sign(body, META_SECRET)})

    reaction = {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": 1,
                "messaging": [
                    {
                        "sender": {"id": "1"},
                        "recipient": {"id": PAGE_ID},
                        "timestamp": 1,
                        "reaction": {"mid": "m_1", "action": "react", "reaction": "love"},
                    }
                ],
            }
        ],
    }
    answer = post(json.dumps(reaction).encode())
    assert answer.status_code == 200 and answer.json()["ignored"] == 1
    assert post(b"[1, 2]").status_code == 400  # signed, but no platform sends that
    huge = json.dumps({"object": "page", "entry": [], "pad": "x" * (stack.runtime.settings.max_body_bytes)})
    assert post(huge.encode()).status_code == 413
    assert stack.count(t.messages) == 0
