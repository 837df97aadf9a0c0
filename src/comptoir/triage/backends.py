"""Pluggable classifiers: a brand may use another backend (a local transformer, an LLM endpoint) for a judgement.

Every model-like judgement is pluggable: intent, sentiment, spam (noise), urgency, needs_reply. A backend returns
class probabilities for a batch of texts. The default triage always runs too and is the fallback when a backend
fails or answers off-contract; the explanation says which one decided, or why the backend was not used.

Backends are registered in code (:func:`register`) or configured without code through the setting
``COMPTOIR_TRIAGE_BACKENDS`` (HTTP endpoints, see :mod:`comptoir.triage.http_backend`), installed on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from comptoir.triage.types import INTENTS, SENTIMENTS, URGENCIES

# The labels a backend answers for each judgement; boolean judgements answer "yes" / "no".
LABELS: dict[str, tuple[str, ...]] = {
    "intent": tuple(INTENTS),
    "sentiment": tuple(SENTIMENTS),
    "spam": ("yes", "no"),
    "urgency": tuple(URGENCIES),
    "needs_reply": ("yes", "no"),
}
PLUGGABLE = tuple(LABELS)


@runtime_checkable
class Backend(Protocol):
    """Classifier for one judgement. ``predict`` returns one {label: probability} per text, same order."""

    name: str

    def predict(self, texts: Sequence[str], langs: Sequence[str]) -> Sequence[Mapping[str, float]]: ...


_registry: dict[tuple[str | None, str], Backend] = {}
_lock = threading.RLock()  # re-entrant: installing the configured backends registers under it
_configured = False


def register(judgement: str, backend: Backend, *, brand_id: str | None = None) -> None:
    """Use ``backend`` for ``judgement`` (for one brand, or for all when ``brand_id`` is None)."""
    if judgement not in PLUGGABLE:
        raise ValueError(f"judgement {judgement!r} is not pluggable; choose from {PLUGGABLE}")
    with _lock:
        _registry[(brand_id, judgement)] = backend


def unregister(judgement: str, *, brand_id: str | None = None) -> None:
    with _lock:
        _registry.pop((brand_id, judgement), None)


def _ensure_configured() -> None:
    global _configured
    if _configured:
        return
    from comptoir.triage.http_backend import install_configured

    with _lock:  # other threads wait until every configured backend is registered
        if _configured:
            return
        install_configured()
        _configured = True


def reset_configured() -> None:
    """Forget the backends installed from the settings (tests; after a settings change)."""
    global _configured
    with _lock:
        for key in [k for k, b in _registry.items() if getattr(b, "configured", False)]:
            del _registry[key]
        _configured = False


def lookup(judgement: str, brand_id: str | None) -> Backend | None:
    _ensure_configured()
    return _registry.get((brand_id, judgement)) or _registry.get((None, judgement))


def run(
    backend: Backend, texts: Sequence[str], langs: Sequence[str], labels: Sequence[str]
) -> tuple[list[dict[str, float]] | None, str]:
    """Call a backend: (probabilities, "") or (None, why) — None means the default triage answers instead."""
    try:
        out = list(backend.predict(texts, langs))
    except Exception as exc:  # a plug-in may fail in any way; the default triage answers instead
        return None, f"{type(exc).__name__}: {str(exc)[:120]}".rstrip(": ")
    if len(out) != len(texts):
        return None, f"{len(out)} answers for {len(texts)} messages"
    clean: list[dict[str, float]] = []
    for row in out:
        if not isinstance(row, Mapping):
            return None, "an answer is not a {label: probability} object"
        try:
            probs = {str(k): float(v) for k, v in row.items() if k in labels}
        except (TypeError, ValueError):
            return None, "a probability is not a number"
        if not probs or sum(probs.values()) <= 0 or any(v < 0 for v in probs.values()):
            return None, f"no usable probability for the labels {', '.join(labels)}"
        clean.append(probs)
    return clean, ""


def decide(probs: Mapping[str, float]) -> tuple[str, float]:
    """The label a backend chose and its share of the probability mass."""
    label = max(probs, key=lambda k: probs[k])
    return label, probs[label] / (sum(probs.values()) or 1.0)
