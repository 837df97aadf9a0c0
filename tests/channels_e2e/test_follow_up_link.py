"""Move to private on X, end to end: a mention, the agent's public reply inviting a DM, the DM that follows.

The X simulator plays the customer and the X API; Comptoir runs on loopback with its workers. The DM opens a
private conversation that the pipeline links to the mention's public conversation by itself.
"""

from __future__ import annotations

from typing import Any

from comptoir.actions.follow_up_links import REASON
from tests.channels_e2e.conftest import Stack, wait_for


def detail(stack: Stack, conversation_id: int) -> dict[str, Any]:
    with stack.api() as client:
        response = client.get(f"/api/v1/conversations/{conversation_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_an_x_dm_after_the_agents_public_reply_is_linked_to_the_mention(stack: Stack) -> None:
    mention = stack.xsim.customer_mentions(
        "@Lumeo my card was charged twice for order 4411", user_id="501", screen_name="dan"
    )
    [row] = stack.processed(stack.x, 1)
    public = int(row.conversation_id)
    invite = "@dan so sorry Dan! Send us a DM with your order number and we'll refund it today. — Léa"
    sent = stack.delivery(stack.reply(public, invite))
    assert sent.delivery_status == "sent", sent.delivery_error
    [tweet] = [i for i in stack.xsim.timeline() if i["kind"] == "tweet" and i["text"] == invite]
    assert tweet["in_reply_to"] == mention
    stack.xsim.drain()  # the echo of our reply is reconciled with the outbox

    dm = stack.xsim.customer_sends_dm("Here is my order number: 4411", user_id="501", screen_name="dan")
    [stored] = wait_for(
        lambda: [r for r in stack.rows(stack.x) if r.external_id == dm and r.processing_state == "processed"],
        what="the customer's DM processed",
    )
    private = int(stored.conversation_id)
    assert private != public and stored.visibility == "private"

    public_view, private_view = detail(stack, public), detail(stack, private)
    assert public_view["linked_conversation_id"] == private
    assert private_view["linked_conversation_id"] == public
    for view, other in ((public_view, private), (private_view, public)):
        [entry] = [e for e in view["audit"] if e["action"] == "conversation.linked"]
        assert entry["actor"] == "system" and entry["data"]["reason"] == REASON
        assert entry["data"]["linked_conversation_id"] == other
        assert entry["data"]["public_reply_message_id"] == sent.id
    [message] = [m for m in private_view["messages"] if m["id"] == stored.id]
    [thread] = [s for s in message["pipeline"] if s["step"] == "thread"]
    assert f"linked to public conversation {public}: {REASON}" in thread["reason"]
    assert thread["data"]["linked_conversation_id"] == public
