"""The statistical part of the triage: TF-IDF word + character n-grams and cue features → linear models.

One vectoriser feeds every classifier, so a message is vectorised once. Probabilities come from logistic
regression (well calibrated for linear text models; reported by ``comptoir triage eval``). The bundle is saved with
joblib under ``src/comptoir/triage/model/`` (shipped) or ``<data_dir>/models/brand-<id>/`` (learned per brand).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from comptoir.clock import isoformat_z, now
from comptoir.errors import ConfigurationError
from comptoir.triage.datasets import Example
from comptoir.triage.features import Analysed, dense_vector

SHIPPED_DIR = Path(__file__).resolve().parent / "model"
MODEL_FILE = "triage.joblib"
META_FILE = "meta.json"
DENSE_WEIGHT = 1.0
SEED_WEIGHT = 4.0


def text_for_ngrams(a: Analysed) -> str:
    """Words only: mentions and URLs are counted by the cue features, not learned as n-grams."""
    return a.norm.replace("@user", " ").replace(" url", " ")


@dataclass
class TriageModel:
    version: str
    word: TfidfVectorizer
    char: TfidfVectorizer
    intent: LogisticRegression
    sentiment: LogisticRegression
    meta: dict[str, Any] = field(default_factory=dict)

    def vectorise(self, analysed: Sequence[Analysed]) -> tuple[sparse.csr_matrix, np.ndarray]:
        norms = [text_for_ngrams(a) for a in analysed]
        dense = np.vstack([dense_vector(a) for a in analysed]) * DENSE_WEIGHT
        text = sparse.hstack([self.word.transform(norms), self.char.transform(norms)], format="csr")
        return sparse.hstack([text, sparse.csr_matrix(dense)], format="csr"), dense

    def predict(self, analysed: Sequence[Analysed]) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
        """Per message: intent probabilities and sentiment probabilities."""
        full, _dense = self.vectorise(analysed)
        intent_p = self.intent.predict_proba(full)
        sent_p = self.sentiment.predict_proba(full)
        intents = [dict(zip(map(str, self.intent.classes_), map(float, row), strict=True)) for row in intent_p]
        sents = [dict(zip(map(str, self.sentiment.classes_), map(float, row), strict=True)) for row in sent_p]
        return intents, sents

    def save(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / MODEL_FILE
        tmp = directory / (MODEL_FILE + ".tmp")
        joblib.dump(self, tmp, compress=3)
        tmp.replace(path)
        (directory / META_FILE).write_text(json.dumps(self.meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return path


def fit(
    examples: Sequence[Example],
    analysed: Sequence[Analysed],
    *,
    weights: Sequence[float] | None = None,
    meta: dict[str, Any] | None = None,
    random_state: int = 0,
) -> TriageModel:
    """Train the bundle. ``analysed[i]`` is the analysis of ``examples[i]`` (language detected or given)."""
    w = np.asarray(weights if weights is not None else [1.0] * len(examples), dtype=np.float64)
    norms = [text_for_ngrams(a) for a in analysed]
    word = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_features=30000, sublinear_tf=True, dtype=np.float32)
    char = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), min_df=2, max_features=60000, sublinear_tf=True, dtype=np.float32
    )
    text = sparse.hstack([word.fit_transform(norms), char.fit_transform(norms)], format="csr")
    dense = np.vstack([dense_vector(a) for a in analysed]) * DENSE_WEIGHT
    full = sparse.hstack([text, sparse.csr_matrix(dense)], format="csr")

    idx_i = [i for i, e in enumerate(examples) if e.intent]
    intent = LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced", random_state=random_state)
    intent.fit(full[idx_i], [examples[i].intent for i in idx_i], sample_weight=w[idx_i])

    idx_s = [i for i, e in enumerate(examples) if e.sentiment]
    sentiment = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced", random_state=random_state)
    sentiment.fit(full[idx_s], [examples[i].sentiment for i in idx_s], sample_weight=w[idx_s])

    info = dict(meta or {})
    digest = hashlib.sha256("\n".join(f"{e.text}\t{e.intent}\t{e.sentiment}" for e in examples).encode()).hexdigest()
    info.setdefault("version", digest[:12])
    info["examples"] = len(examples)
    info["trained_at"] = isoformat_z(now())
    return TriageModel(str(info["version"]), word, char, intent, sentiment, info)


_cache: dict[Path, TriageModel] = {}
_lock = threading.Lock()


def load(directory: Path | None = None) -> TriageModel:
    """Load a model bundle once per process (thread-safe). Default: the shipped model."""
    path = (directory or SHIPPED_DIR) / MODEL_FILE
    model = _cache.get(path)
    if model is not None:
        return model
    with _lock:
        model = _cache.get(path)
        if model is None:
            if not path.exists():
                raise ConfigurationError(
                    f"triage model not found at {path}; run `comptoir triage train` to build it",
                    details={"path": str(path)},
                )
            loaded = joblib.load(path)
            if not isinstance(loaded, TriageModel):
                raise ConfigurationError(f"{path} is not a triage model", details={"path": str(path)})
            _cache[path] = loaded
            model = loaded
    return model


def forget(directory: Path | None = None) -> None:
    """Drop a cached bundle (after a new brand model is activated)."""
    with _lock:
        _cache.pop((directory or SHIPPED_DIR) / MODEL_FILE, None)
