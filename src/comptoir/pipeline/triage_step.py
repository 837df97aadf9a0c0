"""The triage step: language, noise, sentiment, intent, urgency, influence and an explained priority.

It reads the conversation's history (unanswered messages before this one, whether this one answers the brand's
reply and that reply's text, earlier conversations of the contact, identical texts from the same author in the last day) and hands everything to comptoir.triage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from comptoir.domain.enums import Direction
from comptoir.pipeline.context import MessageContext, StepResult
from comptoir.store import tables as t
from comptoir.triage.analyze import analyze
from comptoir.triage.types import TriageInput


@dataclass(frozen=True)
class Triage:
    name: str = "triage"
    description: str = "Judges language, noise, sentiment, intent, urgency, influence; computes the priority."

    def __call__(self, ctx: MessageContext) -> StepResult:
        if ctx.direction != Direction.INBOUND:
            return StepResult(False, "sent by the brand: not triaged")
        m, c = t.messages, t.conversations
        conn = ctx.tx.conn
        unanswered = 0
        last_reply = None
        if ctx.conversation_id is not None:
            last_reply = conn.execute(
                select(func.max(m.c.id)).where(
                    m.c.conversation_id == ctx.conversation_id, m.c.direction == Direction.OUTBOUND.value
                )
            ).scalar_one()
            query = select(func.count()).where(
                m.c.conversation_id == ctx.conversation_id,
                m.c.direction == Direction.INBOUND.value,
                m.c.id != ctx.message_id,
            )
            if last_reply is not None:
                query = query.where(m.c.id > last_reply)
            unanswered = int(conn.execute(query).scalar_one())
        brand_reply_text = None
        if last_reply is not None and unanswered == 0:
            # The brand message this one answers: what it asked decides short replies ("yes", "no", a number).
            row = conn.execute(select(m.c.text, m.c.raw).where(m.c.id == last_reply)).one()
            automatic = isinstance(row.raw, dict) and bool(row.raw.get("automatic"))
            brand_reply_text = None if automatic else row.text
        previous_contacts = 0
        identical = 0
        if ctx.contact_id is not None:
            previous_contacts = int(
                conn.execute(
                    select(func.count()).where(
                        c.c.contact_id == ctx.contact_id, c.c.id != ctx.conversation_id
                    )
                ).scalar_one()
            )
            if ctx.text.strip():
                identical = int(
                    conn.execute(
                        select(func.count()).where(
                            m.c.author_contact_id == ctx.contact_id,
                            m.c.text == ctx.text,
                            m.c.received_at >= ctx.received_at - timedelta(days=1),
                            m.c.id != ctx.message_id,
                        )
                    ).scalar_one()
                )
        result = analyze(
            TriageInput(
                text=ctx.text,
                id=str(ctx.message_id),
                channel=ctx.account.platform.value,
                visibility=ctx.visibility.value,
                author_followers=ctx.author.get("followers"),
                author_verified=ctx.author.get("verified"),
                previous_unanswered_inbound=unanswered,
                previous_contacts=previous_contacts,
                recent_identical_from_author=identical,
                brand_id=str(ctx.account.brand_id),
                after_brand_reply=last_reply is not None and unanswered == 0,
                brand_reply_text=brand_reply_text,
            )
        )
        ctx.triage = {
            **result.to_contract(),
            "intent_score": round(result.intent_score, 3),
            "reasons": {k: list(v) for k, v in result.reasons.items()},
            "model_version": result.model_version,
        }
        ctx.priority = result.priority
        summary = (
            f"{result.lang}, {result.intent}, {result.sentiment} {result.sentiment_score:.2f}, "
            f"urgency {result.urgency}{', noise' if result.spam else ''}; priority {result.priority}"
        )
        return StepResult(True, summary, {"explanation": list(result.explanation)})
