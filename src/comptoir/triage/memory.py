"""What agents corrected, remembered word for word: a brand model answers an identical message as corrected.

A brand model is trained on its corrections, but one correction among thousands of examples moves a linear model
only a little. Care inboxes see the same text again and again (a bot's post, a copied complaint during an outage,
"DM sent"), so the brand model also keeps the corrected labels of each normalised text and applies them to an
identical message, saying so in the reasons.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from comptoir.triage.datasets import Example
from comptoir.triage.text import normalise

META_KEY = "memory"
FIELDS = ("intent", "sentiment", "urgency", "needs_reply", "spam")
MIN_KEY_CHARS = 3  # shorter texts ("ok", "?") say too little to be remembered


def key(norm: str) -> str:
    return " ".join(norm.split())


def build(examples: Iterable[Example]) -> dict[str, dict[str, Any]]:
    """Normalised text → the labels agents set (a later correction of the same text wins)."""
    memory: dict[str, dict[str, Any]] = {}
    for example in examples:
        k = key(normalise(example.text))
        if len(k) < MIN_KEY_CHARS:
            continue
        labels = {f: getattr(example, f) for f in FIELDS if getattr(example, f) is not None}
        if labels:
            memory.setdefault(k, {}).update(labels)
    return memory


def recall(meta: Mapping[str, Any], norm: str) -> dict[str, Any] | None:
    table = meta.get(META_KEY)
    if not table:
        return None
    found = table.get(key(norm))
    return dict(found) if found else None
