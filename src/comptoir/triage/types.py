"""Typed input and output of the triage: what the pipeline hands in, what it records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Sentiment = Literal["negative", "neutral", "positive"]
Intent = Literal["complaint", "request", "praise", "feedback", "spam", "other"]
Urgency = Literal["high", "normal", "low"]
InfluenceLabel = Literal["low", "medium", "high"]

SENTIMENTS: tuple[Sentiment, ...] = ("negative", "neutral", "positive")
INTENTS: tuple[Intent, ...] = ("complaint", "request", "praise", "feedback", "spam", "other")
URGENCIES: tuple[Urgency, ...] = ("high", "normal", "low")
UNDETERMINED_LANG = "und"


@dataclass(frozen=True, slots=True)
class TriageInput:
    """One message to judge, with the context the rules use.

    ``previous_unanswered_inbound``: inbound messages of this conversation still unanswered before this one
    (feeds the "repeated unanswered contact" urgency rule). ``previous_contacts``: earlier conversations of this
    author with the brand (feeds influence). ``recent_identical_from_author``: how many times the same author sent
    the same text recently (flood detection). ``seconds_left_before_deadline``: time left before the SLA
    deadline, negative when overdue, ``None`` when no SLA applies. ``after_brand_reply``: the message directly
    follows the brand's reply in its conversation (a short one then usually gives the details the agent asked for).
    ``brand_reply_text``: the text of that brand message, when known (it tells "details asked" from "is it working
    now?"; implies ``after_brand_reply``).
    """

    text: str
    id: str | None = None
    channel: str | None = None
    visibility: str | None = None
    author_followers: int | None = None
    author_verified: bool | None = None
    previous_unanswered_inbound: int = 0
    previous_contacts: int = 0
    recent_identical_from_author: int = 0
    seconds_left_before_deadline: float | None = None
    brand_id: str | None = None
    after_brand_reply: bool = False
    brand_reply_text: str | None = None


@dataclass(frozen=True, slots=True)
class Influence:
    score: float
    label: InfluenceLabel


@dataclass(frozen=True, slots=True)
class Judgement:
    """One judgement with its reasons (what a pipeline step records)."""

    name: str
    value: Any
    score: float
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TriageResult:
    lang: str
    spam: bool
    sentiment: Sentiment
    sentiment_score: float
    intent: Intent
    intent_score: float
    urgency: Urgency
    needs_reply: bool
    influence: Influence
    priority: int
    explanation: tuple[str, ...]
    reasons: dict[str, tuple[str, ...]] = field(default_factory=dict)
    model_version: str = ""

    def judgements(self) -> tuple[Judgement, ...]:
        """One record per judgement (value, score, reasons): what each pipeline step stores on the message."""
        r = self.reasons
        return (
            Judgement("lang", self.lang, 1.0, r.get("lang", ())),
            Judgement("spam", self.spam, 1.0 if self.spam else 0.0, r.get("spam", ())),
            Judgement("sentiment", self.sentiment, self.sentiment_score, r.get("sentiment", ())),
            Judgement("intent", self.intent, self.intent_score, r.get("intent", ())),
            Judgement("urgency", self.urgency, 1.0, r.get("urgency", ())),
            Judgement("needs_reply", self.needs_reply, 1.0, r.get("needs_reply", ())),
            Judgement("influence", self.influence.label, self.influence.score, r.get("influence", ())),
            Judgement("priority", self.priority, self.priority / 100, self.explanation),
        )

    def to_contract(self, message_id: str | None = None) -> dict[str, Any]:
        """The JSON object of the `comptoir triage classify` contract (label values exactly as documented)."""
        out: dict[str, Any] = {}
        if message_id is not None:
            out["id"] = message_id
        out.update(
            {
                "lang": self.lang,
                "spam": self.spam,
                "sentiment": self.sentiment,
                "sentiment_score": round(self.sentiment_score, 3),
                "intent": self.intent,
                "urgency": self.urgency,
                "needs_reply": self.needs_reply,
                "influence": {"score": round(self.influence.score, 3), "label": self.influence.label},
                "priority": self.priority,
                "explanation": list(self.explanation),
            }
        )
        return out
