"""Reproducible training of the shipped model from the licence-compatible shared sets plus the seed examples."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from comptoir.triage import model as model_mod
from comptoir.triage.datasets import Example, seed_examples, training_examples, training_licence
from comptoir.triage.features import analyse


def weights_for(examples: Sequence[Example]) -> list[float]:
    return [model_mod.SEED_WEIGHT if e.source.startswith("seed") else 1.0 for e in examples]


def fit_examples(
    examples: Sequence[Example], *, weights: Sequence[float] | None = None, meta: dict[str, Any] | None = None
) -> model_mod.TriageModel:
    analysed = [analyse(e.text, e.lang or "en") for e in examples]
    return model_mod.fit(examples, analysed, weights=weights or weights_for(examples), meta=meta)


def base_examples(data_dir: Path | None) -> list[Example]:
    """Seeds, plus the licence-compatible shared sets when ``data_dir`` is given."""
    return training_examples(data_dir) if data_dir is not None else seed_examples()


def train_shipped(data_dir: Path, out_dir: Path | None = None) -> dict[str, Any]:
    examples = base_examples(data_dir)
    sources = sorted({e.source for e in examples})
    meta = {
        "name": "comptoir-triage-default",
        "sources": sources,
        "licences": {name: training_licence(name) for name in sources},
        "counts": {s: sum(1 for e in examples if e.source == s) for s in sources},
    }
    bundle = fit_examples(examples, meta=meta)
    path = bundle.save(out_dir or model_mod.SHIPPED_DIR)
    model_mod.forget(out_dir)
    return {
        "model": str(path),
        "version": bundle.version,
        "examples": len(examples),
        "bytes": path.stat().st_size,
    }
