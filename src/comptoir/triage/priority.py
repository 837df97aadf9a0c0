"""Judgement `priority` 0–100: a sum of explained contributions (what an agent sees as "why").

Noise is capped at 5 so it sinks to the bottom. ``seconds_left_before_deadline`` (from the SLA clock) adds up
to +25 as the deadline nears or passes.
"""

from __future__ import annotations

from comptoir.triage.influence import humanise
from comptoir.triage.types import Influence, Intent, Sentiment, TriageInput, Urgency

INTENT_POINTS: dict[str, int] = {"complaint": 25, "request": 18, "feedback": 8, "praise": 3, "other": 0, "spam": 0}
URGENCY_POINTS: dict[str, int] = {"high": 30, "normal": 10, "low": 0}
SPAM_CAP = 5


def sla_points(seconds_left: float | None) -> tuple[int, str | None]:
    if seconds_left is None:
        return 0, None
    if seconds_left <= 0:
        return 25, f"SLA overdue by {int(-seconds_left // 60)} min +25"
    if seconds_left <= 15 * 60:
        return 18, f"SLA due in {int(seconds_left // 60)} min +18"
    if seconds_left <= 60 * 60:
        return 12, f"SLA due in {int(seconds_left // 60)} min +12"
    if seconds_left <= 4 * 3600:
        return 6, f"SLA due in {seconds_left / 3600:.1f} h +6"
    return 0, None


def compute(
    item: TriageInput,
    *,
    spam: bool,
    intent: Intent,
    sentiment: Sentiment,
    sentiment_score: float,
    urgency: Urgency,
    needs_reply: bool,
    influence: Influence,
    seconds_left_before_deadline: float | None = None,
    spam_reason: str | None = None,
) -> tuple[int, tuple[str, ...]]:
    parts: list[tuple[int, str]] = []
    parts.append((INTENT_POINTS[intent], f"{intent} +{INTENT_POINTS[intent]}"))
    if URGENCY_POINTS[urgency]:
        parts.append((URGENCY_POINTS[urgency], f"urgency {urgency} +{URGENCY_POINTS[urgency]}"))
    if sentiment == "negative":
        pts = round(15 * sentiment_score)
        parts.append((pts, f"negative {sentiment_score:.2f} +{pts}"))
    if needs_reply:
        parts.append((10, "needs reply +10"))
    if influence.score > 0.05:
        pts = round(20 * influence.score)
        followers = humanise(max(item.author_followers or 0, 0))
        where = "public" if item.visibility != "private" else "private"
        verified = ", verified" if item.author_verified else ""
        parts.append((pts, f"{followers} followers, {where}{verified} +{pts}"))
    seconds = seconds_left_before_deadline
    if seconds is None:
        seconds = item.seconds_left_before_deadline
    pts, text = sla_points(seconds)
    if text:
        parts.append((pts, text))
    total = sum(p for p, _ in parts)
    explanation = [text for p, text in parts if p]
    if spam:
        total = min(total, SPAM_CAP)
        why = f" ({spam_reason})" if spam_reason else ""
        explanation.append(f"noise{why}: capped at {SPAM_CAP}")
    total = max(0, min(100, total))
    return total, tuple(explanation)
