"""The ordered table of pipeline steps. Later capabilities (triage, routing, SLA, acknowledgements) add rows.

Each step is a small object with a name, a description and one call that returns a StepResult.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from comptoir.actions import audit
from comptoir.actions.contacts import upsert_contact
from comptoir.actions.follow_up_links import link_follow_up
from comptoir.actions.threading import (
    ThreadDecision,
    conversation_of_message,
    link_reply,
    thread_private,
    thread_public,
)
from comptoir.domain.enums import ConversationStatus, Direction, Visibility
from comptoir.pipeline.ack_step import Acknowledge
from comptoir.pipeline.context import MessageContext, Step, StepResult
from comptoir.pipeline.routing_step import Assign, Route
from comptoir.pipeline.sla_step import Sla
from comptoir.pipeline.triage_step import Triage
from comptoir.store import tables as t

MAX_TEXT = 100_000
FUTURE_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class Validate:
    name: str = "validate"
    description: str = "Checks the message is usable; fixes timestamps from the future."

    def __call__(self, ctx: MessageContext) -> StepResult:
        notes = []
        if ctx.sent_at > ctx.received_at + FUTURE_TOLERANCE:
            ctx.effective_at = ctx.received_at
            notes.append("sent_at is in the future: using received_at")
        if not ctx.text.strip() and not ctx.attachments:
            notes.append("empty message (no text, no attachment)")
        if len(ctx.text) > MAX_TEXT:
            notes.append(f"very long text ({len(ctx.text)} characters)")
        if notes:
            return StepResult(True, "; ".join(notes))
        return StepResult(False, "valid")


@dataclass(frozen=True)
class UpsertContact:
    name: str = "contact"
    description: str = "Finds or creates the author's contact and person; refreshes followers and verified."

    def __call__(self, ctx: MessageContext) -> StepResult:
        if ctx.direction != Direction.INBOUND:
            return StepResult(False, "sent by the brand: no customer contact")
        if not ctx.author.get("external_id"):
            return StepResult(False, "no author id")
        ctx.contact_id, created = upsert_contact(
            ctx.tx, brand_id=ctx.account.brand_id, platform=ctx.account.platform.value, author=ctx.author
        )
        return StepResult(created, "new contact" if created else f"known contact {ctx.contact_id}")


@dataclass(frozen=True)
class Thread:
    name: str = "thread"
    description: str = "Puts the message into its conversation (private: per contact; public: per thread)."

    def __call__(self, ctx: MessageContext) -> StepResult:
        brand_id = ctx.account.brand_id
        if ctx.visibility == Visibility.PRIVATE and ctx.direction == Direction.INBOUND and ctx.contact_id:
            decision = thread_private(
                ctx.tx,
                brand_id=brand_id,
                account_id=ctx.account.id,
                contact_id=ctx.contact_id,
                at=ctx.effective_at,
                reopen_window=timedelta(days=ctx.settings.reopen_window_days),
            )
        elif (
            ctx.direction != Direction.INBOUND
            and ctx.in_reply_to
            and (parent := conversation_of_message(ctx.tx, ctx.account.id, ctx.in_reply_to))
        ):
            decision = ThreadDecision(
                parent, False, False, (), f"reply to {ctx.in_reply_to} in conversation {parent}"
            )
            if ctx.external_id and ctx.visibility == Visibility.PUBLIC:
                link_reply(ctx.tx, ctx.account.id, ctx.external_id, parent)
        elif ctx.external_id and (ctx.visibility == Visibility.PUBLIC or ctx.in_reply_to):
            decision = thread_public(
                ctx.tx,
                brand_id=brand_id,
                account_id=ctx.account.id,
                contact_id=ctx.contact_id,
                external_id=ctx.external_id,
                in_reply_to=ctx.in_reply_to,
                thread_key=ctx.thread_key,
                at=ctx.effective_at,
            )
        else:
            return StepResult(False, "no thread: a private brand message without in_reply_to", stop=True)
        ctx.conversation_id = decision.conversation_id
        ctx.conversation_created = decision.created
        ctx.reopened = decision.reopened
        data: dict[str, object] = {"conversation_id": decision.conversation_id}
        if decision.merged:
            data["merged"] = list(decision.merged)
        reason = decision.reason
        if (
            decision.created
            and ctx.visibility == Visibility.PRIVATE
            and ctx.direction == Direction.INBOUND
            and ctx.contact_id
        ):
            # A new private conversation may follow a public reply that invited it: link the two (see the module).
            follow_up = link_follow_up(
                ctx.tx,
                brand_id=brand_id,
                conversation_id=decision.conversation_id,
                contact_id=ctx.contact_id,
                message_id=ctx.message_id,
                at=ctx.effective_at,
                window=timedelta(hours=ctx.settings.follow_up_link_window_hours),
            )
            reason = f"{reason}; {follow_up.reason}"
            data.update(follow_up.trail_data())
        return StepResult(True, reason, data)


@dataclass(frozen=True)
class UpdateConversation:
    name: str = "conversation"
    description: str = "Updates the conversation: reopens it, starts or stops the wait, records activity."

    def __call__(self, ctx: MessageContext) -> StepResult:
        if ctx.conversation_id is None:
            return StepResult(False, "no conversation")
        c = t.conversations
        conv = ctx.tx.conn.execute(select(c).where(c.c.id == ctx.conversation_id)).one()
        at = ctx.effective_at
        values: dict[str, object] = {"last_activity_at": max(conv.last_activity_at, at)}
        reasons = []
        if ctx.direction == Direction.INBOUND:
            if conv.first_inbound_at is None or at < conv.first_inbound_at:
                values["first_inbound_at"] = at
            if conv.waiting_since is None or at < conv.waiting_since:
                values["waiting_since"] = at
            if conv.contact_id is None and ctx.contact_id is not None:
                values["contact_id"] = ctx.contact_id
            if conv.status != ConversationStatus.OPEN.value:
                values["status"] = ConversationStatus.OPEN.value
                values["resolved_at"] = None
                reasons.append(f"customer wrote: {conv.status} → open")
                audit.record(
                    ctx.tx,
                    brand_id=ctx.account.brand_id,
                    actor="system",
                    action="conversation.reopened" if conv.status == "resolved" else "conversation.status",
                    conversation_id=conv.id,
                    message_id=ctx.message_id,
                    data={"from": conv.status, "to": "open"},
                )
            reasons.append(
                "customer waiting since "
                + f"{values.get('waiting_since', conv.waiting_since):%Y-%m-%d %H:%M:%S}Z"
            )
        elif ctx.direction == Direction.OUTBOUND:
            if (
                conv.first_response_at is None
                and conv.first_inbound_at is not None
                and at >= conv.first_inbound_at
            ):
                values["first_response_at"] = at
            if conv.waiting_since is not None and at >= conv.waiting_since:
                values["waiting_since"] = None
            reasons.append("brand replied natively: the wait stops")
        if ctx.triage is not None and ctx.direction == Direction.INBOUND:
            triage = ctx.triage
            waiting = conv.waiting_since is not None and conv.status == ConversationStatus.OPEN.value
            priority = int(triage["priority"])
            # While the customer is still waiting, a calmer follow-up must not hide an earlier urgent message.
            values["priority"] = max(conv.priority, priority) if waiting else priority
            values["language"] = triage["lang"]
            values["intent"] = triage["intent"]
            values["sentiment"] = triage["sentiment"]
            values["noise"] = bool(triage["spam"])
            if not (waiting and conv.urgency == "high"):
                values["urgency"] = triage["urgency"]
        ctx.tx.conn.execute(update(c).where(c.c.id == conv.id).values(**values))
        if ctx.triage is not None and ctx.contact_id is not None and ctx.triage["lang"] not in ("und", ""):
            ctx.tx.conn.execute(
                update(t.contacts)
                .where(t.contacts.c.id == ctx.contact_id)
                .values(language=ctx.triage["lang"])
            )
        return StepResult(True, "; ".join(reasons) or "activity recorded")


#: The pipeline, in order.
STEPS: list[Step] = [
    Validate(),
    UpsertContact(),
    Thread(),
    Triage(),
    Route(),
    UpdateConversation(),
    Sla(),
    Assign(),
    Acknowledge(),
]
