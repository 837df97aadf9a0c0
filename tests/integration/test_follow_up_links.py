"""A private follow-up after the brand's public reply is linked to its public conversation, conservatively.

Messages go through the real ingestion and pipeline (``ingest`` then the worker), on SQLite and PostgreSQL. The
brand's public replies are either typed natively on X (stored as outbound messages) or an agent's reply through
the outbox, delivered to a real callback server.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.integration.callback_receiver import Receiver
from tests.integration.pipeline_messages import receive

from comptoir import clock
from comptoir.actions import acknowledgements, admin
from comptoir.actions.case_moves import private_candidates
from comptoir.actions.contacts import link_persons, upsert_contact
from comptoir.actions.follow_up_links import REASON
from comptoir.actions.replies import queue_reply
from comptoir.domain.enums import AccountKind, Direction, Platform, Visibility
from comptoir.domain.models import Author
from comptoir.events import Event, bus
from comptoir.jobs.worker import Worker
from comptoir.runtime import Runtime
from comptoir.store import tables as t

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
DAN = Author("501", "@dan", "Dan Moreau", 120)


@dataclass
class Desk:
    """A brand with an X account and an e-mail account."""

    runtime: Runtime
    brand_id: int
    x: int
    email: int
    x_user: Author


def make_desk(runtime: Runtime, name: str) -> Desk:
    brand = admin.create_brand(runtime.db, name)
    x_id = f"x-{name.lower()}"
    x = admin.create_account(
        runtime.db, brand_id=brand, platform=Platform.X, handle=f"@{name}", external_id=x_id
    )
    email = admin.create_account(
        runtime.db, brand_id=brand, platform=Platform.EMAIL, handle=f"care@{name.lower()}.test"
    )
    return Desk(runtime, brand, int(x["id"]), int(email["id"]), Author(x_id, f"@{name}", name))


@pytest.fixture
def alpha(runtime: Runtime) -> Desk:
    return make_desk(runtime, "Alpha")


@pytest.fixture
def events() -> Iterator[list[Event]]:
    seen: list[Event] = []
    unsubscribe = bus.subscribe(seen.append)
    try:
        yield seen
    finally:
        unsubscribe()


def dm(desk: Desk, external_id: str, at: datetime, author: Author = DAN) -> int:
    """The customer writes privately on X; returns the private conversation."""
    message_id = receive(
        desk.runtime,
        desk.x,
        external_id,
        author=author,
        at=at,
        visibility=Visibility.PRIVATE,
        text="Here is my order number: 4411",
    )
    return conversation_of(desk.runtime, message_id)


def mention_answered(desk: Desk, tweet: str, replied_at: datetime | None, author: Author = DAN) -> int:
    """A public mention; the brand answers it publicly on X at ``replied_at`` (None: never). The conversation."""
    receive(
        desk.runtime,
        desk.x,
        tweet,
        author=author,
        at=(replied_at or T0) - timedelta(minutes=30),
        text=f"{desk.x_user.handle} my card was charged twice!",
    )
    if replied_at is not None:
        receive(
            desk.runtime,
            desk.x,
            f"{tweet}-reply",
            author=desk.x_user,
            at=replied_at,
            direction=Direction.OUTBOUND,
            in_reply_to=tweet,
            text=f"{author.handle} so sorry! Send us a DM with your order number, we'll fix it. — Léa",
        )
    with desk.runtime.db.read() as conn:
        return int(
            conn.execute(
                select(t.messages.c.conversation_id).where(
                    t.messages.c.account_id == desk.x, t.messages.c.external_id == tweet
                )
            ).scalar_one()
        )


def conversation_of(runtime: Runtime, message_id: int) -> int:
    with runtime.db.read() as conn:
        return int(
            conn.execute(
                select(t.messages.c.conversation_id).where(t.messages.c.id == message_id)
            ).scalar_one()
        )


def linked(runtime: Runtime, conversation_id: int) -> int | None:
    with runtime.db.read() as conn:
        value = conn.execute(
            select(t.conversations.c.linked_conversation_id).where(t.conversations.c.id == conversation_id)
        ).scalar_one()
    return None if value is None else int(value)


def thread_step(runtime: Runtime, conversation_id: int) -> dict[str, Any]:
    """The ``thread`` entry of the trail of the conversation's first message."""
    with runtime.db.read() as conn:
        trail = conn.execute(
            select(t.messages.c.pipeline_trail)
            .where(t.messages.c.conversation_id == conversation_id)
            .order_by(t.messages.c.id)
            .limit(1)
        ).scalar_one()
    return dict(next(entry for entry in trail if entry["step"] == "thread"))


def link_audits(runtime: Runtime, conversation_id: int) -> list[tuple[str, dict[str, Any]]]:
    a = t.audit_events
    with runtime.db.read() as conn:
        rows = conn.execute(
            select(a.c.actor, a.c.data).where(
                a.c.conversation_id == conversation_id, a.c.action == "conversation.linked"
            )
        ).all()
    return [(r.actor, dict(r.data)) for r in rows]


def assert_not_linked(runtime: Runtime, *conversation_ids: int) -> None:
    for conversation_id in conversation_ids:
        assert linked(runtime, conversation_id) is None
        assert link_audits(runtime, conversation_id) == []


def test_a_dm_after_the_brands_public_reply_is_linked_both_ways_audited_and_explained(
    alpha: Desk, events: list[Event]
) -> None:
    public = mention_answered(alpha, "t-1", replied_at=T0)
    private = dm(alpha, "dm-1", T0 + timedelta(hours=3, minutes=5))
    assert private != public
    assert linked(alpha.runtime, public) == private and linked(alpha.runtime, private) == public
    for this, that in ((public, private), (private, public)):
        [(actor, data)] = link_audits(alpha.runtime, this)
        assert actor == "system"
        assert data["reason"] == REASON == "private follow-up after a public reply"
        assert data["linked_conversation_id"] == that and data["window_hours"] == 72
        assert data["replied_at"] == "2026-11-20T09:00:00Z"
    changed = {e.data["conversation_id"] for e in events if e.kind == "conversation.changed"}
    assert {public, private} <= changed
    step = thread_step(alpha.runtime, private)
    assert step["fired"] is True
    assert step["reason"] == (
        f"new conversation; linked to public conversation {public}: private follow-up after a public reply "
        "(the brand answered publicly 3 h 05 earlier, within 72 h)"
    )
    assert step["data"] == {"conversation_id": private, "linked_conversation_id": public}
    # The workspace offers nothing more to link on the public conversation.
    assert private_candidates(alpha.runtime.db, alpha.brand_id, public) == []
    # The customer's next DM joins the private conversation: nothing is linked or audited again.
    assert dm(alpha, "dm-2", T0 + timedelta(hours=4)) == private
    assert len(link_audits(alpha.runtime, public)) == 1 and len(link_audits(alpha.runtime, private)) == 1


def test_outside_the_window_nothing_is_linked_and_the_trail_says_why(alpha: Desk) -> None:
    public = mention_answered(alpha, "t-1", replied_at=T0)
    private = dm(alpha, "dm-1", T0 + timedelta(hours=73))
    assert_not_linked(alpha.runtime, public, private)
    step = thread_step(alpha.runtime, private)
    assert step["reason"] == (
        "new conversation; not linked: no public conversation of this person answered publicly within 72 h"
    )
    assert step["data"] == {"conversation_id": private}
    # The agent still links it by hand from the public conversation.
    assert [c["id"] for c in private_candidates(alpha.runtime.db, alpha.brand_id, public)] == [private]


def test_the_window_is_a_setting(runtime: Runtime) -> None:
    wide = Runtime(
        settings=runtime.settings.model_copy(update={"follow_up_link_window_hours": 80.0}), db=runtime.db
    )
    desk = make_desk(wide, "Alpha")
    public = mention_answered(desk, "t-1", replied_at=T0)
    private = dm(desk, "dm-1", T0 + timedelta(hours=73))
    assert linked(wide, private) == public and linked(wide, public) == private
    assert "within 80 h" in thread_step(wide, private)["reason"]


def test_a_dm_before_the_public_reply_or_without_one_is_not_linked(alpha: Desk) -> None:
    # The customer wrote privately before the brand answered publicly: not a follow-up of that reply.
    early_public = mention_answered(alpha, "t-1", replied_at=T0)
    early = dm(alpha, "dm-1", T0 - timedelta(minutes=10))
    assert_not_linked(alpha.runtime, early_public, early)
    # A public mention nobody answered, then a DM from someone else who was never answered publicly.
    eli = Author("502", "@eli", "Eli")
    unanswered = mention_answered(alpha, "t-2", replied_at=None, author=eli)
    private = dm(alpha, "dm-2", T0 + timedelta(hours=1), author=eli)
    assert_not_linked(alpha.runtime, unanswered, private)
    assert "not linked: no public conversation" in thread_step(alpha.runtime, private)["reason"]


def test_two_candidate_public_conversations_link_none_and_the_agent_picks(alpha: Desk) -> None:
    first = mention_answered(alpha, "t-1", replied_at=T0)
    second = mention_answered(alpha, "t-2", replied_at=T0 + timedelta(hours=2))
    assert first != second
    private = dm(alpha, "dm-1", T0 + timedelta(hours=3))
    assert_not_linked(alpha.runtime, first, second, private)
    step = thread_step(alpha.runtime, private)
    assert step["reason"] == (
        f"new conversation; not linked: 2 public conversations of this person were answered publicly within 72 h "
        f"({first}, {second}); an agent picks"
    )
    assert step["data"] == {"conversation_id": private, "follow_up_candidates": [first, second]}
    for public in (first, second):
        assert [c["id"] for c in private_candidates(alpha.runtime.db, alpha.brand_id, public)] == [private]


def test_a_public_conversation_already_linked_is_not_a_candidate(alpha: Desk) -> None:
    first = mention_answered(alpha, "t-1", replied_at=T0)
    private_x = dm(alpha, "dm-1", T0 + timedelta(hours=1))
    assert linked(alpha.runtime, first) == private_x
    # The customer answers another public reply by e-mail: only the unlinked public conversation is a candidate.
    second = mention_answered(alpha, "t-2", replied_at=T0 + timedelta(hours=2))
    email = person_email_contact(alpha, "dan@example.test")
    private_mail = mail(alpha, "mail-1", T0 + timedelta(hours=3), email)
    assert linked(alpha.runtime, second) == private_mail and linked(alpha.runtime, private_mail) == second
    assert linked(alpha.runtime, first) == private_x


def test_another_brands_public_reply_is_never_linked(runtime: Runtime, alpha: Desk) -> None:
    beta = make_desk(runtime, "Beta")
    public_alpha = mention_answered(alpha, "t-1", replied_at=T0)
    # The same X user writes to Beta by DM: Beta never answered them publicly; Alpha's reply is not Beta's.
    private_beta = dm(beta, "dm-b", T0 + timedelta(hours=1))
    assert_not_linked(runtime, public_alpha, private_beta)
    with runtime.db.read() as conn:
        brands = (
            conn.execute(
                select(t.conversations.c.brand_id).where(
                    t.conversations.c.id.in_([public_alpha, private_beta])
                )
            )
            .scalars()
            .all()
        )
    assert sorted(brands) == sorted([alpha.brand_id, beta.brand_id])
    # Alpha's public conversation is still free for Alpha's own follow-up.
    private_alpha = dm(alpha, "dm-a", T0 + timedelta(hours=2))
    assert linked(runtime, public_alpha) == private_alpha


def person_email_contact(desk: Desk, address: str, x_user: Author = DAN) -> Author:
    """The customer's e-mail address, known as the same person as their X account (contacts.person_id)."""
    author = Author(address, address, x_user.name)
    with desk.runtime.db.transaction() as tx:
        email_contact, _ = upsert_contact(
            tx, brand_id=desk.brand_id, platform="email", author={"external_id": address, "name": x_user.name}
        )
        x_contact = tx.conn.execute(
            select(t.contacts.c.id).where(
                t.contacts.c.brand_id == desk.brand_id,
                t.contacts.c.platform == "x",
                t.contacts.c.external_id == x_user.external_id,
            )
        ).scalar_one()
        link_persons(tx, x_contact, email_contact)
    return author


def mail(desk: Desk, external_id: str, at: datetime, author: Author) -> int:
    message_id = receive(
        desk.runtime,
        desk.email,
        external_id,
        author=author,
        at=at,
        visibility=Visibility.PRIVATE,
        text="Hello, as asked on X here is my order number: 4411",
    )
    return conversation_of(desk.runtime, message_id)


def test_an_email_after_a_public_reply_on_x_is_linked_through_the_person(alpha: Desk) -> None:
    public = mention_answered(alpha, "t-1", replied_at=T0)
    address = person_email_contact(alpha, "dan@example.test")
    private = mail(alpha, "<m1@example.test>", T0 + timedelta(minutes=40), address)
    assert linked(alpha.runtime, public) == private and linked(alpha.runtime, private) == public
    [(actor, data)] = link_audits(alpha.runtime, private)
    assert actor == "system" and data["reason"] == REASON
    assert "40 min earlier" in thread_step(alpha.runtime, private)["reason"]
    # Someone else's e-mail (another person) is never linked to Dan's public conversation.
    stranger = mail(alpha, "<m2@example.test>", T0 + timedelta(minutes=50), Author("zoe@example.test"))
    assert_not_linked(alpha.runtime, stranger)


def api_public_answered_by_agent(runtime: Runtime, callback_url: str | None) -> tuple[int, int, int]:
    """An API account's public message answered by an agent through the outbox at T0. (brand, account, conv)."""
    brand = admin.create_brand(runtime.db, "Gamma")
    account = int(
        admin.create_account(
            runtime.db,
            brand_id=brand,
            platform=Platform.API,
            handle="gamma-care",
            kind=AccountKind.CARE,
            callback_url=callback_url,
        )["id"]
    )
    message_id = receive(runtime, account, "pub-1", author=DAN, at=T0 - timedelta(minutes=20))
    public = conversation_of(runtime, message_id)
    with clock.frozen(T0):
        queue_reply(
            runtime.db,
            brand_id=brand,
            conversation_id=public,
            text="So sorry Dan! Write to us privately with your order number. — Léa",
        )
        Worker(runtime).run_until_idle()
    return brand, account, public


def test_an_agents_reply_through_the_outbox_counts_once_it_was_sent(runtime: Runtime) -> None:
    with Receiver() as receiver:
        _, account, public = api_public_answered_by_agent(runtime, receiver.url)
        assert len(receiver.received) == 1
    message_id = receive(
        runtime, account, "dm-1", author=DAN, at=T0 + timedelta(hours=2), visibility=Visibility.PRIVATE
    )
    private = conversation_of(runtime, message_id)
    assert linked(runtime, public) == private and linked(runtime, private) == public


def test_a_public_reply_that_failed_does_not_count(runtime: Runtime) -> None:
    _, account, public = api_public_answered_by_agent(runtime, None)  # no callback URL: delivery fails
    with runtime.db.read() as conn:
        statuses = (
            conn.execute(
                select(t.messages.c.delivery_status).where(
                    t.messages.c.conversation_id == public, t.messages.c.direction == "outbound"
                )
            )
            .scalars()
            .all()
        )
    assert statuses == ["failed"]
    message_id = receive(
        runtime, account, "dm-1", author=DAN, at=T0 + timedelta(hours=2), visibility=Visibility.PRIVATE
    )
    assert_not_linked(runtime, public, conversation_of(runtime, message_id))


def test_a_dm_joining_an_open_private_conversation_is_not_linked(alpha: Desk) -> None:
    private = dm(alpha, "dm-0", T0 - timedelta(hours=5))
    public = mention_answered(alpha, "t-1", replied_at=T0)
    assert dm(alpha, "dm-1", T0 + timedelta(hours=1)) == private  # joined: not a new private conversation
    assert_not_linked(alpha.runtime, public, private)


def test_an_automatic_acknowledgement_is_not_a_public_reply(runtime: Runtime) -> None:
    brand = admin.create_brand(runtime.db, "Delta")
    acknowledgements.create_rule(
        runtime.db, brand, "public receipt", {"when": "first_contact", "kind": "receipt", "public": True}
    )
    with Receiver() as receiver:
        account = int(
            admin.create_account(
                runtime.db,
                brand_id=brand,
                platform=Platform.API,
                handle="delta-care",
                callback_url=receiver.url,
            )["id"]
        )
        with clock.frozen(T0):
            public = conversation_of(runtime, receive(runtime, account, "pub-1", author=DAN, at=T0))
        with runtime.db.read() as conn:
            sent = conn.execute(
                select(t.messages.c.direction, t.messages.c.visibility, t.messages.c.delivery_status).where(
                    t.messages.c.conversation_id == public, t.messages.c.direction != "inbound"
                )
            ).all()
        assert [tuple(row) for row in sent] == [("automatic", "public", "sent")]
        message_id = receive(
            runtime, account, "dm-1", author=DAN, at=T0 + timedelta(hours=1), visibility=Visibility.PRIVATE
        )
    assert_not_linked(runtime, public, conversation_of(runtime, message_id))
