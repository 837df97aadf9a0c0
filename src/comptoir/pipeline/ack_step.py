"""The acknowledgement step: an honest automatic reply when a brand rule says so (see actions/acknowledgements)."""

from __future__ import annotations

from dataclasses import dataclass

from comptoir import clock
from comptoir.actions.acknowledgements import decide
from comptoir.domain.enums import Direction
from comptoir.pipeline.context import MessageContext, StepResult


@dataclass(frozen=True)
class Acknowledge:
    name: str = "acknowledge"
    description: str = (
        "Sends an automatic acknowledgement (receipt, real expected delay, or another channel)."
    )

    def __call__(self, ctx: MessageContext) -> StepResult:
        if ctx.direction != Direction.INBOUND or ctx.conversation_id is None:
            return StepResult(False, "not a customer message")
        triage = ctx.triage or {}
        decision, reason = decide(
            ctx.tx,
            brand_id=ctx.account.brand_id,
            account_id=ctx.account.id,
            platform=ctx.account.platform.value,
            conversation_id=ctx.conversation_id,
            conversation_created=ctx.conversation_created,
            visibility=ctx.visibility,
            language=str(triage.get("lang") or "en"),
            author_name=ctx.author.get("name"),
            noise=bool(triage.get("spam")),
            raw=ctx.raw,
            now=clock.now(),
        )
        if decision is None:
            return StepResult(False, reason)
        return StepResult(True, reason, {"kind": decision.kind, "text": decision.text})
