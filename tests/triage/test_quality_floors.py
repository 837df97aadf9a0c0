"""Quality floors on the shared data sets, set a little below the measured figures (docs/triage.md).

They catch regressions; they are not targets. Run `comptoir triage eval --dataset NAME` for the full metrics.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from comptoir.triage import TriageInput, analyze_batch
from comptoir.triage import datasets as ds
from comptoir.triage.evaluate import evaluate

pytestmark = pytest.mark.shared_data


def _metrics(examples: list[ds.Example]) -> dict[str, Any]:
    return evaluate(examples, analyze_batch(TriageInput(text=e.text) for e in examples))


def test_care_gold_dev(shared_data: Path) -> None:
    m = _metrics(ds.care_gold(shared_data / "care_gold_dev" / "care_gold_dev.csv"))
    assert m["intent"]["macro_f1"] >= 0.60
    assert m["needs_reply"]["macro_f1"] >= 0.74
    assert m["urgency"]["high_recall"] >= 0.90
    assert m["sentiment"]["macro_f1"] >= 0.62
    assert m["lang"]["fr_en_accuracy"] >= 0.99


def test_umsab_sentiment(shared_data: Path) -> None:
    assert _metrics(ds.umsab(shared_data, "fr"))["sentiment"]["macro_f1"] >= 0.58
    assert _metrics(ds.umsab(shared_data, "en"))["sentiment"]["macro_f1"] >= 0.60


def test_complaints_social_media(shared_data: Path) -> None:
    assert _metrics(ds.complaints(shared_data))["complaint"]["complaint_f1"] >= 0.67


def test_airline_sentiment(shared_data: Path) -> None:
    assert _metrics(ds.airline(shared_data)[::2])["sentiment"]["macro_f1"] >= 0.65


def test_language_accuracy_fr_en(shared_data: Path) -> None:
    examples = [
        *ds.umsab(shared_data, "fr", "train"),
        *ds.umsab(shared_data, "fr", "val"),
        *ds.umsab(shared_data, "en", "train"),
        *ds.umsab(shared_data, "en", "val"),
    ]
    assert _metrics(examples)["lang"]["fr_en_accuracy"] >= 0.995


def test_language_accuracy_on_three_word_snippets(shared_data: Path) -> None:
    """Short messages: the first three words (no mentions or links) of every FR and EN tweet."""
    examples = [
        ds.Example(" ".join([w for w in e.text.split() if not w.startswith(("@", "http"))][:3]), e.lang)
        for e in [
            *ds.umsab(shared_data, "fr", "val"),
            *ds.umsab(shared_data, "en", "val"),
            *ds.airline(shared_data)[::4],
        ]
    ]
    examples = [e for e in examples if any(c.isalpha() for c in e.text)]
    assert _metrics(examples)["lang"]["fr_en_accuracy"] >= 0.98
