"""Pluggable classifiers: a brand may use another backend (a local transformer, an LLM endpoint) for a judgement.

A backend returns class probabilities for a batch of texts. The default linear model always runs too and is the
fallback when a backend fails or returns something unusable; the explanation says which one decided.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

PLUGGABLE = ("intent", "sentiment")


@runtime_checkable
class Backend(Protocol):
    """Classifier for one judgement. ``predict`` returns one {label: probability} per text, same order."""

    name: str

    def predict(self, texts: Sequence[str], langs: Sequence[str]) -> Sequence[Mapping[str, float]]: ...


_registry: dict[tuple[str | None, str], Backend] = {}
_lock = threading.Lock()


def register(judgement: str, backend: Backend, *, brand_id: str | None = None) -> None:
    """Use ``backend`` for ``judgement`` (for one brand, or for all when ``brand_id`` is None)."""
    if judgement not in PLUGGABLE:
        raise ValueError(f"judgement {judgement!r} is not pluggable; choose from {PLUGGABLE}")
    with _lock:
        _registry[(brand_id, judgement)] = backend


def unregister(judgement: str, *, brand_id: str | None = None) -> None:
    with _lock:
        _registry.pop((brand_id, judgement), None)


def lookup(judgement: str, brand_id: str | None) -> Backend | None:
    return _registry.get((brand_id, judgement)) or _registry.get((None, judgement))


def run(
    backend: Backend, texts: Sequence[str], langs: Sequence[str], labels: Sequence[str]
) -> list[dict[str, float]] | None:
    """Call a backend; None (→ fallback to the default model) when it fails or answers off-contract."""
    try:
        out = list(backend.predict(texts, langs))
    except Exception:  # a plug-in may fail in any way; the default model answers instead
        return None
    if len(out) != len(texts):
        return None
    clean: list[dict[str, float]] = []
    for row in out:
        probs = {str(k): float(v) for k, v in row.items() if k in labels}
        if not probs or sum(probs.values()) <= 0:
            return None
        clean.append(probs)
    return clean
