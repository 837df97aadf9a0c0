"""The learning-loop simulation behind `comptoir triage eval --cross-validate K`."""

from __future__ import annotations

import pytest

from comptoir.triage import train
from comptoir.triage.crossval import cross_validate
from comptoir.triage.datasets import Example, seed_examples


def test_cross_validation_reports_brand_and_shipped_figures_per_fold(monkeypatch: pytest.MonkeyPatch) -> None:
    small_base = seed_examples()[::10]  # every 10th seed: the same kind of base, trained in seconds
    monkeypatch.setattr(train, "base_examples", lambda data_dir: small_base)
    texts = [
        ("plus d'internet depuis hier, la box clignote", "complaint", "negative"),
        ("merci pour votre aide, tout fonctionne", "praise", "positive"),
        ("comment changer mon forfait ?", "request", "neutral"),
        ("my parcel never arrived and nobody answers", "complaint", "negative"),
        ("thanks a lot, great service", "praise", "positive"),
        ("how do I update my billing address?", "request", "neutral"),
    ]
    examples = [
        Example(text=t, lang=None, intent=i, sentiment=s, urgency="normal", needs_reply=True, spam=False)
        for t, i, s in texts * 2
    ]
    summary = cross_validate(examples, folds=2, base_data_dir=None)
    assert summary["folds"] == 2 and summary["n"] == 12
    for key in ("intent", "sentiment"):
        assert len(summary[key]["per_fold"]) == 2
        assert 0.0 <= summary[key]["macro_f1_mean"] <= 1.0
        assert 0.0 <= summary[key]["shipped_macro_f1_mean"] <= 1.0
    assert "shipped_high_recall_mean" in summary["urgency"] or "high_recall_mean" not in summary["urgency"]
