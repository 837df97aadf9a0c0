"""The SLA step: match the brand's policy and store the conversation's deadlines and timers."""

from __future__ import annotations

from dataclasses import dataclass

from comptoir import clock
from comptoir.actions.sla import recompute
from comptoir.pipeline.context import MessageContext, StepResult
from comptoir.sla.clocks import message_event


@dataclass(frozen=True)
class Sla:
    name: str = "sla"
    description: str = "Applies the first matching SLA policy; stores due instants and arms the timers."

    def __call__(self, ctx: MessageContext) -> StepResult:
        if ctx.conversation_id is None:
            return StepResult(False, "no conversation")
        # The message is linked to its conversation only when the engine writes back: count it explicitly.
        current = message_event(ctx.direction, min(ctx.effective_at, ctx.received_at))
        evaluation = recompute(ctx.tx, ctx.conversation_id, (current,))
        if evaluation is None:
            return StepResult(False, "no SLA policy matches")
        parts = []
        for result in evaluation.clocks:
            if result.state.value == "running" and result.due_at is not None:
                parts.append(f"{result.name.value.replace('_', ' ')} due {clock.isoformat_z(result.due_at)}")
        return StepResult(True, "; ".join(parts) or "no clock running")
