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
    if item.previous_unanswered_inbound >= UNANSWERED_HISTORY and intent in ("complaint", "request", "feedback"):
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
