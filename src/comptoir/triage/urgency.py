"""Judgement `urgency`: high | normal | low, from explicit rules (the definitions of the care team).

High: service fully down, safety, money taken or charged wrongly, legal or media threat, explicit threat to leave
or go public, vulnerable person, repeated unanswered contact (from the text or the conversation's history).
"""

from __future__ import annotations

from comptoir.triage.features import Analysed
from comptoir.triage.types import Intent, TriageInput, Urgency

HIGH_CUES: tuple[tuple[str, str], ...] = (
    ("outage", "service down"),
    ("money", "money taken or charged wrongly"),
    ("legal_media", "legal or media threat"),
    ("leave_or_public", "threat to leave or go public"),
    ("vulnerable_safety", "safety or vulnerable person"),
    ("unanswered", "repeated unanswered contact"),
)
UNANSWERED_HISTORY = 2


def judge(item: TriageInput, a: Analysed, intent: Intent, is_spam: bool) -> tuple[Urgency, tuple[str, ...]]:
    if is_spam or intent == "spam":
        return "low", ("noise",)
    if item.previous_unanswered_inbound >= UNANSWERED_HISTORY and intent in (
        "complaint",
        "request",
        "feedback",
    ):
        return "high", (f"{item.previous_unanswered_inbound} earlier messages unanswered",)
    if intent in ("complaint", "request"):
        hits = [f'{label} "{a.cues[cue]}"' for cue, label in HIGH_CUES if cue in a.cues]
        if hits:
            return "high", tuple(hits)
        if intent == "complaint" and "duration" in a.cues:
            return "high", (f'lasting problem "{a.cues["duration"]}"',)
        return "normal", (f"{intent}, no high-urgency cue",)
    if intent == "feedback":
        hits = [f'{label} "{a.cues[cue]}"' for cue, label in HIGH_CUES if cue in a.cues and cue != "outage"]
        if hits:
            return "high", tuple(hits)
        if "problem" in a.cues or "duration" in a.cues:
            return "normal", ("feedback about a concrete problem",)
    return "low", (f"{intent}: no action needed",)


LEARNED_CONFIDENCE = 0.8  # a brand model's urgency overrides the rules only this sure
RAISE_ONLY = True  # ... and only to raise it: a missed urgent message costs more than an early answer
_RANK = {"low": 0, "normal": 1, "high": 2}


def with_learned(
    item: TriageInput,
    rules: tuple[Urgency, tuple[str, ...]],
    probs: dict[str, float] | None,
    is_spam: bool,
) -> tuple[Urgency, tuple[str, ...]]:
    """A brand model learned urgency from the brand's corrections: it overrides the rules when it is confident.

    Noise stays low and repeated unanswered contact stays high (history the model does not see).
    """
    label, reasons = rules
    if probs is None or is_spam or item.previous_unanswered_inbound >= UNANSWERED_HISTORY:
        return label, reasons
    learned = max(probs, key=lambda k: probs[k])
    share = probs[learned] / (sum(probs.values()) or 1.0)
    if learned == label or share < LEARNED_CONFIDENCE or learned not in _RANK:
        return label, reasons
    if RAISE_ONLY and _RANK[learned] < _RANK[label]:
        return label, reasons
    why = f"{learned} {share:.2f} learned from the brand's corrections (rules: {label})"
    return learned, (why,)  # type: ignore[return-value]
