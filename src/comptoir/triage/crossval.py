"""Learning-loop simulation: k-fold cross-validation of brand models trained on a labelled set as corrections.

Each fold's model learns from the base data plus the other folds (as if agents had corrected those messages) and
is scored on the fold it never saw. This is how the figures "after N corrections" in docs/triage.md are made;
the shipped model never learns from these sets.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from comptoir.triage.datasets import Example
from comptoir.triage.evaluate import evaluate
from comptoir.triage.types import TriageInput

_KEYS = ("intent", "sentiment", "urgency", "needs_reply", "spam", "complaint")


def cross_validate(
    examples: Sequence[Example], *, folds: int = 3, base_data_dir: Path | None = None, seed: int = 0
) -> dict[str, Any]:
    from comptoir.triage.analyze import analyze_with_model
    from comptoir.triage.learning import correction_weights
    from comptoir.triage.memory import META_KEY, build
    from comptoir.triage.train import base_examples, fit_examples, weights_for

    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    base = base_examples(base_data_dir)
    per_fold: list[dict[str, Any]] = []
    shipped: list[dict[str, Any]] = []  # the shipped model on the same unseen folds, for comparison
    for k in range(folds):
        test_idx = set(order[k::folds])
        learned = [e for i, e in enumerate(examples) if i not in test_idx]
        test = [e for i, e in enumerate(examples) if i in test_idx]
        base_weights = weights_for(base)
        weights = base_weights + correction_weights(base_weights, len(learned))
        bundle = fit_examples(base + learned, weights=weights, meta={"fold": k, META_KEY: build(learned)})
        with tempfile.TemporaryDirectory() as tmp:
            bundle.save(Path(tmp))
            results = analyze_with_model([TriageInput(text=e.text) for e in test], Path(tmp))
            from comptoir.triage import model as model_mod

            model_mod.forget(Path(tmp))
        per_fold.append(evaluate(test, results))
        shipped.append(evaluate(test, analyze_with_model([TriageInput(text=e.text) for e in test], None)))
    summary: dict[str, Any] = {
        "folds": folds,
        "n": len(examples),
        "corrections_per_fold": len(examples) - len(examples) // folds,
    }
    for key in _KEYS:
        values = [m[key]["macro_f1"] for m in per_fold if key in m]
        if values:
            base_values = [m[key]["macro_f1"] for m in shipped if key in m]
            summary[key] = {
                "macro_f1_mean": round(sum(values) / len(values), 4),
                "per_fold": values,
                "shipped_macro_f1_mean": round(sum(base_values) / len(base_values), 4),
            }
    recalls = [m["urgency"]["high_recall"] for m in per_fold if "urgency" in m]
    if recalls:
        summary["urgency"]["high_recall_mean"] = round(sum(recalls) / len(recalls), 4)
        base_recalls = [m["urgency"]["high_recall"] for m in shipped if "urgency" in m]
        summary["urgency"]["shipped_high_recall_mean"] = round(sum(base_recalls) / len(base_recalls), 4)
    return summary
