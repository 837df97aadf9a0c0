"""Judgement `spam` (noise): adverts, contests, bots, pure retweets, gibberish, floods of the same text.

Noise is never deleted: it is flagged, explained, and sinks to the bottom of the inbox (see priority).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from comptoir.triage.features import Analysed
from comptoir.triage.types import TriageInput

_VOWELS = re.compile(r"[aeiouy]")
_WORD = re.compile(r"[a-z]{4,}")
_HASHTAG = re.compile(r"#\w")  # "account #" is not a hashtag


def gibberish(a: Analysed) -> bool:
    words = _WORD.findall(a.norm)
    if len(words) < 2 or a.n_tokens > 12:
        return False
    odd = sum(1 for w in words if len(_VOWELS.findall(w)) / len(w) < 0.2 or re.search(r"[^aeiouy]{5,}", w))
    return odd >= max(2, len(words) // 2 + 1)


CARE_CUES = ("problem", "outage", "money", "unanswered", "praise", "question")
MODEL_ONLY_CAP = 0.45  # the model alone never calls noise a message that reports a problem, thanks or asks


def model_probability(probs: Mapping[str, float], priors: Mapping[str, float]) -> float:
    """The model's spam probability re-weighted by how rare noise is in a care inbox.

    The classifier is trained with balanced classes, so its raw spam probability overstates noise; multiplying by
    the priors and renormalising gives the probability for the inbox's real mix.
    """
    weighted = {k: probs.get(k, 0.0) * priors.get(k, 0.0) for k in priors}
    total = sum(weighted.values())
    return weighted.get("spam", 0.0) / total if total > 0 else 0.0


def judge(item: TriageInput, a: Analysed, spam_probability: float) -> tuple[bool, float, tuple[str, ...]]:
    reasons: list[str] = []
    score = spam_probability
    if any(c in a.cues for c in CARE_CUES):
        score = min(score, MODEL_ONLY_CAP)
    if "spam" in a.cues:
        reasons.append(f'advert/contest cue "{a.cues["spam"]}"')
        score = max(score, 0.6 if (a.n_urls or a.is_retweet or _HASHTAG.search(a.text)) else 0.45)
        if "question" in a.cues:
            score -= 0.1
        if "problem" in a.cues or "outage" in a.cues or "money" in a.cues:
            score = min(score, 0.4)
    if a.is_retweet:
        reasons.append("retweet")
        score = max(score, 0.55 if "problem" not in a.cues else 0.3)
    if gibberish(a):
        reasons.append("gibberish")
        score = max(score, 0.8)
    if item.recent_identical_from_author >= 2:
        reasons.append(f"same text sent {item.recent_identical_from_author + 1} times by this author")
        score = max(score, 0.9)
    if a.n_mentions >= 5 and a.n_tokens <= a.n_mentions + 5:
        # A reply on X carries the handles of everyone in the thread: many mentions with a few words of their own
        # (and no link) is a conversation, not a tagging spree.
        reasons.append("mention flood")
        words_of_its_own = a.n_tokens - a.n_mentions
        score = max(score, 0.7 if a.n_urls or words_of_its_own <= 1 else 0.45)
    if spam_probability >= 0.5:
        reasons.append(f"model spam {spam_probability:.2f}")
    return score >= 0.5, score, tuple(reasons)
