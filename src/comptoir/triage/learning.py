"""Learning from agents: a brand model trained on its corrections plus the base data, activated only if better.

Layout under ``<data_dir>/models/brand-<id>/``: one folder per trained version and a file ``ACTIVE`` naming the
version in use. :func:`active_model_dir` is what the analysis uses to pick a brand's model (cached briefly).
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from comptoir.clock import now
from comptoir.errors import NotFound
from comptoir.settings import get_settings
from comptoir.triage import memory
from comptoir.triage import model as model_mod
from comptoir.triage.datasets import Example
from comptoir.triage.evaluate import evaluate
from comptoir.triage.types import INTENTS, SENTIMENTS, URGENCIES, TriageInput

CORRECTION_WEIGHT = 6.0  # at least this weight per correction
CORRECTION_SHARE = 0.2  # and together at least this share of the base data's total weight


def correction_weights(base_weights: Sequence[float], corrections: int) -> list[float]:
    """Weights of a brand's corrections: a few hundred corrections must count beside ~12,000 base examples."""
    if corrections <= 0:
        return []
    per_item = max(CORRECTION_WEIGHT, CORRECTION_SHARE * sum(base_weights) / corrections)
    return [per_item] * corrections


ACTIVE_FILE = "ACTIVE"
REPORT_FILE = "report.json"  # the BrandTrainingReport of a version, beside its model
CACHE_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Correction:
    """What an agent set on a message (None: not corrected)."""

    text: str
    intent: str | None = None
    sentiment: str | None = None
    urgency: str | None = None
    spam: bool | None = None
    needs_reply: bool | None = None
    lang: str | None = None
    message_id: str | None = None

    def __post_init__(self) -> None:
        for value, allowed in (
            (self.intent, INTENTS),
            (self.sentiment, SENTIMENTS),
            (self.urgency, URGENCIES),
        ):
            if value is not None and value not in allowed:
                raise ValueError(f"label {value!r} not in {allowed}")

    def to_example(self) -> Example:
        intent = "spam" if self.spam else self.intent
        return Example(
            text=self.text,
            lang=self.lang,
            intent=intent,
            sentiment=self.sentiment,
            urgency=self.urgency,
            needs_reply=self.needs_reply,
            spam=self.spam if self.spam is not None else (None if intent is None else intent == "spam"),
            id=self.message_id,
            source="correction",
        )


@dataclass(frozen=True, slots=True)
class BrandTrainingReport:
    brand_id: str
    activated: bool
    candidate_score: float
    active_score: float
    n_train: int
    n_holdout: int
    version: str
    model_dir: str
    reason: str


def models_root(data_dir: Path | None = None) -> Path:
    return (data_dir or get_settings().data_dir) / "models"


def brand_dir(brand_id: str, data_dir: Path | None = None) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", brand_id)
    return models_root(data_dir) / f"brand-{safe}"


_cache: dict[tuple[str, Path], tuple[float, Path | None]] = {}
_lock = threading.Lock()


def active_model_dir(brand_id: str, data_dir: Path | None = None) -> Path | None:
    """The folder of the brand's active model, or None (→ the shipped default)."""
    root = brand_dir(brand_id, data_dir)
    key = (brand_id, root)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    found: Path | None = None
    pointer = root / ACTIVE_FILE
    if pointer.is_file():
        candidate = root / pointer.read_text(encoding="utf-8").strip()
        if (candidate / model_mod.MODEL_FILE).is_file():
            found = candidate
    with _lock:
        _cache[key] = (now, found)
    return found


def _forget_active(brand_id: str, data_dir: Path | None) -> None:
    with _lock:
        _cache.pop((brand_id, brand_dir(brand_id, data_dir)), None)


def _point_active(brand_id: str, version: str, data_dir: Path | None) -> None:
    """Make ``version`` the brand's active model (atomic rename); this process sees it at once."""
    root = brand_dir(brand_id, data_dir)
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / (ACTIVE_FILE + ".tmp")
    tmp.write_text(version + "\n", encoding="utf-8")
    tmp.replace(root / ACTIVE_FILE)
    _forget_active(brand_id, data_dir)


def brand_versions(brand_id: str, data_dir: Path | None = None) -> list[dict[str, Any]]:
    """The brand's trained versions, newest first: name, whether active, and the training report if recorded."""
    root = brand_dir(brand_id, data_dir)
    if not root.is_dir():
        return []
    active = active_model_dir(brand_id, data_dir)
    out: list[dict[str, Any]] = []
    for folder in sorted(root.iterdir(), key=lambda p: p.name, reverse=True):
        if not (folder / model_mod.MODEL_FILE).is_file():
            continue
        report: dict[str, Any] = {}
        try:
            loaded = json.loads((folder / REPORT_FILE).read_text(encoding="utf-8"))
            report = loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError):
            pass
        out.append(
            {"name": folder.name, "active": active is not None and folder.name == active.name, **report}
        )
    return out


def activate_version(brand_id: str, version: str, data_dir: Path | None = None) -> Path:
    """Use an earlier trained ``version`` of the brand again (a name from :func:`brand_versions`)."""
    folder = brand_dir(brand_id, data_dir) / version
    if (
        not re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*", version)
        or not (folder / model_mod.MODEL_FILE).is_file()
    ):
        raise NotFound(f"brand {brand_id} has no model version {version!r}")
    _point_active(brand_id, version, data_dir)
    return folder


def use_shipped_model(brand_id: str, data_dir: Path | None = None) -> bool:
    """Clear the brand's ACTIVE pointer: its analysis uses the shipped model again (versions are kept).

    Returns False when the brand already used the shipped model."""
    pointer = brand_dir(brand_id, data_dir) / ACTIVE_FILE
    existed = pointer.is_file()
    pointer.unlink(missing_ok=True)
    _forget_active(brand_id, data_dir)
    return existed


def _score(examples: Sequence[Example], model_dir: Path | None) -> float:
    """Mean macro-F1 over the judgements the corrections carry (intent, sentiment, urgency, spam)."""
    from comptoir.triage.analyze import analyze_with_model

    results = analyze_with_model([TriageInput(text=e.text) for e in examples], model_dir)
    metrics: dict[str, Any] = evaluate(examples, results)
    scores = [metrics[k]["macro_f1"] for k in ("intent", "sentiment", "urgency", "spam") if k in metrics]
    return sum(scores) / len(scores) if scores else 0.0


def split_holdout(
    corrections: Sequence[Correction], fraction: float, seed: int
) -> tuple[list[Correction], list[Correction]]:
    order = list(range(len(corrections)))
    random.Random(seed).shuffle(order)
    n_hold = max(1, round(len(corrections) * fraction))
    hold = set(order[:n_hold])
    train = [c for i, c in enumerate(corrections) if i not in hold]
    test = [c for i, c in enumerate(corrections) if i in hold]
    return train, test


def train_brand_model(
    brand_id: str,
    corrections: Sequence[Correction],
    *,
    data_dir: Path | None = None,
    base_data_dir: Path | None = None,
    holdout: Sequence[Correction] | None = None,
    holdout_fraction: float = 0.3,
    seed: int = 0,
) -> BrandTrainingReport:
    """Train on ``corrections`` + base data; activate only if it beats the active model on held-out corrections.

    ``holdout``: the brand's held-out corrections; when None, ``holdout_fraction`` of ``corrections`` is held
    out (seeded, reproducible). ``base_data_dir``: the shared data sets (licence-compatible ones are used); seeds
    only when None.
    """
    from comptoir.triage.train import base_examples, fit_examples, weights_for

    if holdout is None:
        train_part, test_part = split_holdout(corrections, holdout_fraction, seed)
    else:
        train_part, test_part = list(corrections), list(holdout)
    if not train_part or not test_part:
        raise ValueError("need corrections to train on and held-out corrections to compare on")
    base = base_examples(base_data_dir)
    learned = [c.to_example() for c in train_part]
    examples = base + learned
    base_weights = weights_for(base)
    weights = base_weights + correction_weights(base_weights, len(learned))
    test_examples = [c.to_example() for c in test_part]

    candidate = fit_examples(
        examples,
        weights=weights,
        meta={"brand_id": brand_id, "corrections": len(learned), memory.META_KEY: memory.build(learned)},
    )
    root = brand_dir(brand_id, data_dir)
    version_dir = root / f"v{now().strftime('%Y%m%dT%H%M%S%f')}-{candidate.version}"
    candidate.save(version_dir)

    active = active_model_dir(brand_id, data_dir)
    active_score = _score(test_examples, active)
    candidate_score = _score(test_examples, version_dir)
    activated = candidate_score > active_score
    if activated:
        _point_active(brand_id, version_dir.name, data_dir)
        reason = f"candidate {candidate_score:.3f} > active {active_score:.3f}: activated"
    else:
        reason = f"candidate {candidate_score:.3f} <= active {active_score:.3f}: kept the active model"
    report = BrandTrainingReport(
        brand_id=brand_id,
        activated=activated,
        candidate_score=round(candidate_score, 4),
        active_score=round(active_score, 4),
        n_train=len(learned),
        n_holdout=len(test_examples),
        version=candidate.version,
        model_dir=str(version_dir),
        reason=reason,
    )
    (version_dir / REPORT_FILE).write_text(json.dumps(asdict(report), indent=2) + "\n", encoding="utf-8")
    return report


def load_brand_model(brand_id: str, data_dir: Path | None = None) -> model_mod.TriageModel:
    """The brand's active model, or the shipped default when it has none."""
    return model_mod.load(active_model_dir(brand_id, data_dir))
