"""Judgement `sentiment`: negative | neutral | positive with a probability, from the lexicon-fed linear model.

The model reads cue and lexicon features (language-independent), so French and English share it. Two rules on
top: a message with no sentiment-bearing word and no cue is neutral; a concrete complaint is never positive.
"""

from __future__ import annotations

from comptoir.triage.features import Analysed
from comptoir.triage.types import Sentiment


def judge(a: Analysed, probs: dict[str, float]) -> tuple[Sentiment, float, tuple[str, ...]]:
    reasons: list[str] = []
    p = dict(probs)
    problem = any(c in a.cues for c in ("outage", "money", "problem", "unanswered"))
    if problem:
        p["positive"] = p.get("positive", 0.0) * 0.3
    if a.positive == 0 and a.negative == 0 and not problem and "praise" not in a.cues:
        p["neutral"] = max(p.get("neutral", 0.0), 0.6)
    total = sum(p.values()) or 1.0
    label = max(p, key=lambda k: p[k])
    score = p[label] / total
    if a.negative_words:
        reasons.append("negative words: " + ", ".join(a.negative_words[:4]))
    if a.positive_words:
        reasons.append("positive words: " + ", ".join(a.positive_words[:4]))
    if problem:
        reasons.append("problem reported")
    reasons.append(f"{label} {score:.2f}")
    return label, score, tuple(reasons)  # type: ignore[return-value]
