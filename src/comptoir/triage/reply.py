"""Judgement `needs_reply`: would a good care team answer this message?"""

from __future__ import annotations

from comptoir.triage.features import Analysed
from comptoir.triage.types import Intent, Urgency


def judge(a: Analysed, intent: Intent, urgency: Urgency, is_spam: bool) -> tuple[bool, tuple[str, ...]]:
    if is_spam or intent == "spam":
        return False, ("noise",)
    if intent in ("complaint", "request"):
        return True, (f"{intent}",)
    if urgency == "high":
        return True, ("high urgency",)
    if intent == "feedback":
        addressed = a.n_mentions > 0 or any(
            f" {w} " in f" {a.norm} " for w in ("vous", "votre", "vos", "you", "your", "tu", "ton", "ta")
        )
        if addressed and (a.negative > a.positive or "vent" in a.cues):
            return True, ("negative feedback addressed to the brand",)
        return False, ("feedback, nothing to act on",)
    if intent == "praise":
        return False, ("praise: a like is enough",)
    return False, (f"{intent}",)
