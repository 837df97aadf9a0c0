"""Judgement `influence`: how far a message can travel (followers, verified, public) and history with the brand."""

from __future__ import annotations

import math

from comptoir.triage.types import Influence, InfluenceLabel, TriageInput


def humanise(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M".replace(".0M", "M")
    if n >= 1_000:
        return f"{n / 1_000:.0f}k"
    return str(n)


def judge(item: TriageInput) -> tuple[Influence, tuple[str, ...]]:
    followers = max(item.author_followers or 0, 0)
    public = item.visibility != "private"
    # 0 at 0 followers, ~0.5 at 10k, ~0.83 at 1M.
    reach = min(math.log10(1 + followers) / 7.0, 1.0) if followers else 0.0
    score = reach * (1.0 if public else 0.35)
    reasons = [f"{humanise(followers)} followers, {'public' if public else 'private'}"]
    if item.author_verified:
        score += 0.15
        reasons.append("verified")
    if item.previous_contacts > 0:
        score += min(item.previous_contacts, 5) * 0.02
        reasons.append(f"{item.previous_contacts} earlier contacts")
    score = min(score, 1.0)
    label: InfluenceLabel = "high" if score >= 0.6 else "medium" if score >= 0.35 else "low"
    return Influence(score=score, label=label), tuple(reasons)
