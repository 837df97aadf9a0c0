"""Judgement `sentiment`: negative | neutral | positive with a probability.

Two sources, multiplied: a transparent lexicon score (our FR/EN words, VADER for English, Pattern's French
adjectives, emoji; negation and intensifiers handled; a reported problem or vague criticism counts as negative)
turned into probabilities, and the linear model's probabilities raised to ``MODEL_WEIGHT`` (the model learns
from a brand's corrections). A registered backend's probabilities are used as they are.
"""

from __future__ import annotations

import math
import re

from comptoir.triage.features import Analysed
from comptoir.triage.types import Sentiment

THRESHOLD = 0.6  # lexicon balance beyond which a message leans positive or negative
SLOPE = 1.5
PROBLEM_WEIGHT = 2.0
MODEL_WEIGHT = 0.6
# The shipped model's French sentiment was learned from written examples only and lowers the lexicon's score on
# real French tweets (UMSAB French train+val: lexicon alone 0.580, with the model^0.6 0.551), so for French the
# shipped model does not vote; for English it votes fully (airline 0.681 -> 0.692, UMSAB English unchanged). A brand
# model, learned from the brand's own corrections, always votes with MODEL_WEIGHT.
SHIPPED_MODEL_WEIGHTS: dict[str, float] = {"fr": 0.0, "en": 1.0}


def model_weight(lang: str, *, shipped: bool) -> float:
    return SHIPPED_MODEL_WEIGHTS.get(lang, MODEL_WEIGHT) if shipped else MODEL_WEIGHT


_PROBLEM_CUES = ("outage", "money", "unanswered", "problem")


def lexicon_balance(a: Analysed) -> float:
    balance = a.positive - a.negative
    if any(c in a.cues for c in _PROBLEM_CUES):
        balance -= PROBLEM_WEIGHT
    if "vent" in a.cues or "insult" in a.cues or "leave_or_public" in a.cues:
        balance -= PROBLEM_WEIGHT
    if "sarcasm" in a.cues:  # the thanks are ironic: positive words do not count
        balance -= a.positive + PROBLEM_WEIGHT
    if "praise" in a.cues:
        balance += 0.5
    return balance


def lexicon_probabilities(balance: float) -> dict[str, float]:
    balance = max(-20.0, min(20.0, balance))
    pos = 1.0 / (1.0 + math.exp(-(balance - THRESHOLD) * SLOPE))
    neg = 1.0 / (1.0 + math.exp(-(-balance - THRESHOLD) * SLOPE))
    return {"positive": pos, "negative": neg, "neutral": max(1e-3, 1.0 - pos - neg)}


_COURTESY = re.compile(
    r"\b(bonjour|bonsoir|merci|svp|s'il vous plait|cordialement|hello|hi|thanks|thank you|please|kind regards)\b"
)
POLITE = frozenset(
    {"merci", "thanks", "thank", "thx", "please", "bonjour", "hello", "hi", "cordialement", "svp"}
)


def judge(
    a: Analysed,
    probs: dict[str, float],
    *,
    blend: bool = True,
    intent: str | None = None,
    weight: float = MODEL_WEIGHT,
) -> tuple[Sentiment, float, tuple[str, ...]]:
    """``intent``: a complaint or request whose only positive words are courtesy is neutral, not positive."""
    reasons: list[str] = []
    if blend:
        balance = lexicon_balance(a)
        lex = lexicon_probabilities(balance)
        p = {k: lex[k] * (max(probs.get(k, 0.0), 1e-6) ** weight) for k in lex}
        reasons.append(f"lexicon balance {balance:+.1f}" + ("" if weight else ", lexicon alone"))
    else:
        p = {k: probs.get(k, 0.0) for k in ("negative", "neutral", "positive")}
    courtesy_only = bool(a.positive_words) and all(w in POLITE for w in a.positive_words)
    if (
        blend
        and intent in ("complaint", "request")
        and courtesy_only
        and max(p, key=lambda k: p[k]) == "positive"
    ):
        p["positive"], p["neutral"] = p["neutral"], p["positive"]
        reasons.append("only courtesy words are positive → neutral")
    courteous = _COURTESY.search(a.norm) is not None
    calm = "vent" not in a.cues and "insult" not in a.cues and a.negative < 2.0 and a.exclamations == 0
    if blend and intent in ("complaint", "request") and courteous and calm:
        p["neutral"] = max(p["neutral"], p["negative"] * 1.05)
        reasons.append("problem reported courteously → neutral")
    concrete = any(c in a.cues for c in _PROBLEM_CUES)
    if (
        blend
        and intent == "complaint"
        and concrete
        and not (courteous and calm)
        and max(p, key=lambda k: p[k]) != "negative"
    ):
        p["negative"] = max(p.values()) * 1.05
        reasons.append("a complaint without courtesy is negative")
    if blend and intent == "complaint" and max(p, key=lambda k: p[k]) == "positive":
        p["positive"], p["neutral"] = p["neutral"], p["positive"]
        reasons.append("a complaint is at best neutral")
    if blend and intent == "praise" and max(p, key=lambda k: p[k]) == "negative":
        p["negative"], p["positive"] = p["positive"], p["negative"]
        reasons.append("praise: the thanks outweigh the problem they name → positive")
    total = sum(p.values()) or 1.0
    label = max(p, key=lambda k: p[k])
    score = p[label] / total
    if a.negative_words:
        reasons.append("negative words: " + ", ".join(a.negative_words[:4]))
    if a.positive_words:
        reasons.append("positive words: " + ", ".join(a.positive_words[:4]))
    if any(c in a.cues for c in _PROBLEM_CUES):
        reasons.append("problem reported")
    reasons.insert(0, f"{label} {score:.2f}")
    return label, score, tuple(reasons)  # type: ignore[return-value]
