"""Pluggable classifiers: a registered backend decides; a failing one falls back to the default model."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import pytest

from comptoir.triage import TriageInput, analyze, backends


class KeywordBackend:
    """A stand-in for an LLM endpoint: says 'praise' for everything."""

    name = "keyword-test"

    def predict(self, texts: Sequence[str], langs: Sequence[str]) -> Sequence[Mapping[str, float]]:
        return [{"praise": 0.9, "complaint": 0.1} for _ in texts]


class BrokenBackend:
    name = "broken-test"

    def predict(self, texts: Sequence[str], langs: Sequence[str]) -> Sequence[Mapping[str, float]]:
        raise ConnectionError("endpoint down")


@pytest.fixture(autouse=True)
def clean_registry() -> Iterator[None]:
    yield
    for judgement in backends.PLUGGABLE:
        backends.unregister(judgement, brand_id="brand-x")
        backends.unregister(judgement)


def test_registered_backend_decides_for_its_brand_only() -> None:
    assert isinstance(KeywordBackend(), backends.Backend)
    backends.register("intent", KeywordBackend(), brand_id="brand-x")
    text = "Bonjour, comment changer mon adresse ?"
    plugged = analyze(TriageInput(text=text, brand_id="brand-x"))
    default = analyze(TriageInput(text=text, brand_id="brand-y"))
    assert plugged.intent == "praise" and default.intent == "request"
    assert any("keyword-test" in r for r in plugged.reasons["intent"])


def test_failing_backend_falls_back_to_default() -> None:
    backends.register("sentiment", BrokenBackend())
    r = analyze(TriageInput(text="Plus d'internet, c'est nul"))
    assert r.sentiment == "negative"
    assert any("broken-test failed" in reason for reason in r.reasons["sentiment"])


def test_only_model_judgements_are_pluggable() -> None:
    with pytest.raises(ValueError):
        backends.register("priority", KeywordBackend())
