"""The statistical part of the triage: TF-IDF word + character n-grams and cue features → linear models.

Training uses scikit-learn (``TfidfVectorizer`` + ``LogisticRegression``). What is saved and served is a compact
numpy-only copy (vocabularies, idf, coefficients) that reproduces scikit-learn's transform and ``predict_proba``
exactly (checked by tests), so serving does not import scikit-learn or SciPy: faster load, less memory.
One vectoriser feeds both classifiers (intent, sentiment), so a message is vectorised once. The bundle is saved
with joblib under ``src/comptoir/triage/model/`` (shipped) or ``<data_dir>/models/brand-<id>/`` (per brand).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from comptoir.clock import isoformat_z, now
from comptoir.errors import ConfigurationError
from comptoir.triage.datasets import Example
from comptoir.triage.features import DENSE_NAMES, Analysed, dense_vector

SHIPPED_DIR = Path(__file__).resolve().parent / "model"
MODEL_FILE = "triage.joblib"
META_FILE = "meta.json"
DENSE_WEIGHT = 1.0
SEED_WEIGHT = 2.0
INTENT_C = 4.0  # inverse regularisation of the intent and sentiment logistic regressions
SENTIMENT_C = 1.0
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern
_WHITE_SPACES = re.compile(r"\s\s+")


def text_for_ngrams(a: Analysed) -> str:
    """Words only: mentions and URLs are counted by the cue features, not learned as n-grams."""
    return a.norm.replace("@user", " ").replace(" url", " ")


def word_ngrams(doc: str) -> list[str]:
    tokens = _TOKEN.findall(doc.lower())
    grams = list(tokens)
    for n in range(2, min(WORD_NGRAMS[1], len(tokens)) + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def char_wb_ngrams(doc: str) -> list[str]:
    grams: list[str] = []
    for word in _WHITE_SPACES.sub(" ", doc.lower()).split():
        w = " " + word + " "
        for n in range(CHAR_NGRAMS[0], CHAR_NGRAMS[1] + 1):
            offset = 0
            grams.append(w[offset : offset + n])
            while offset + n < len(w):
                offset += 1
                grams.append(w[offset : offset + n])
            if offset == 0:
                break
    return grams


@dataclass
class TfidfPart:
    """One TF-IDF block (sublinear tf, l2-normalised), as scikit-learn computes it."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int
    kind: str  # "word" | "char_wb"

    def features(self, doc: str) -> tuple[list[int], list[float]]:
        grams = word_ngrams(doc) if self.kind == "word" else char_wb_ngrams(doc)
        counts = Counter(g for g in grams if g in self.vocabulary)
        if not counts:
            return [], []
        idx = [self.vocabulary[g] for g in counts]
        vals = [(1.0 + math.log(c)) * float(self.idf[i]) for i, c in zip(idx, counts.values(), strict=True)]
        norm = math.sqrt(sum(v * v for v in vals)) or 1.0
        return [self.offset + i for i in idx], [v / norm for v in vals]


@dataclass
class LinearHead:
    """A fitted logistic regression: coefficients, intercepts and class order."""

    classes: tuple[str, ...]
    coef: np.ndarray  # (n_classes, n_features), or (1, n_features) for two classes
    intercept: np.ndarray

    def proba_batch(self, idx: np.ndarray, vals: np.ndarray, bounds: np.ndarray) -> list[dict[str, float]]:
        """Rows are the slices ``bounds[i]:bounds[i+1]`` of the concatenated (idx, vals) of a batch."""
        contrib = self.coef[:, idx].astype(np.float64) * vals
        cumulative = np.concatenate([np.zeros((contrib.shape[0], 1)), np.cumsum(contrib, axis=1)], axis=1)
        decision = (cumulative[:, bounds[1:]] - cumulative[:, bounds[:-1]]).T + self.intercept
        if len(self.classes) == 2:
            p1 = 1.0 / (1.0 + np.exp(-decision[:, 0]))
            probs = np.stack([1.0 - p1, p1], axis=1)
        else:
            shifted = np.exp(decision - decision.max(axis=1, keepdims=True))
            probs = shifted / shifted.sum(axis=1, keepdims=True)
        return [{c: float(p) for c, p in zip(self.classes, row, strict=True)} for row in probs]


@dataclass
class TriageModel:
    version: str
    word: TfidfPart
    char: TfidfPart
    dense_offset: int
    intent: LinearHead
    sentiment: LinearHead
    meta: dict[str, Any] = field(default_factory=dict)
    dense_names: tuple[str, ...] = DENSE_NAMES
    urgency: LinearHead | None = None  # learned from urgency labels; brand models use it beside the rules

    def vector(self, a: Analysed) -> tuple[np.ndarray, np.ndarray]:
        doc = text_for_ngrams(a)
        w_idx, w_val = self.word.features(doc)
        c_idx, c_val = self.char.features(doc)
        dense = dense_vector(a) * DENSE_WEIGHT
        nz = np.flatnonzero(dense)
        idx = np.asarray(w_idx + c_idx + [self.dense_offset + int(i) for i in nz], dtype=np.int64)
        vals = np.asarray(w_val + c_val + [float(dense[i]) for i in nz], dtype=np.float64)
        return idx, vals

    def predict(self, analysed: Sequence[Analysed]) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
        """Per message: intent probabilities and sentiment probabilities."""
        intent, sentiment, _ = self.predict_all(analysed, urgency=False)
        return intent, sentiment

    def predict_all(
        self, analysed: Sequence[Analysed], *, urgency: bool = True
    ) -> tuple[list[dict[str, float]], list[dict[str, float]], list[dict[str, float]] | None]:
        """Intent, sentiment and (when the model has that head and ``urgency``) urgency probabilities."""
        if not analysed:
            return [], [], None
        rows = [self.vector(a) for a in analysed]
        bounds = np.zeros(len(rows) + 1, dtype=np.int64)
        bounds[1:] = np.cumsum([len(idx) for idx, _ in rows])
        idx = np.concatenate([i for i, _ in rows])
        vals = np.concatenate([v for _, v in rows])
        head = getattr(self, "urgency", None) if urgency else None  # bundles saved before the head: None
        return (
            self.intent.proba_batch(idx, vals, bounds),
            self.sentiment.proba_batch(idx, vals, bounds),
            None if head is None else head.proba_batch(idx, vals, bounds),
        )

    def save(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / MODEL_FILE
        tmp = directory / (MODEL_FILE + ".tmp")
        joblib.dump(self, tmp, compress=3)
        tmp.replace(path)
        (directory / META_FILE).write_text(
            json.dumps(self.meta, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        return path


@dataclass
class SklearnParts:
    """The fitted scikit-learn objects (training side; tests compare the compact model against them)."""

    word: Any
    char: Any
    intent: Any
    sentiment: Any
    urgency: Any = None

    def full_matrix(self, analysed: Sequence[Analysed]) -> Any:
        from scipy import sparse

        norms = [text_for_ngrams(a) for a in analysed]
        dense = np.vstack([dense_vector(a) for a in analysed]) * DENSE_WEIGHT
        text = sparse.hstack([self.word.transform(norms), self.char.transform(norms)], format="csr")
        return sparse.hstack([text, sparse.csr_matrix(dense)], format="csr")


def fit_sklearn(
    examples: Sequence[Example],
    analysed: Sequence[Analysed],
    *,
    weights: Sequence[float] | None = None,
    random_state: int = 0,
) -> SklearnParts:
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    w = np.asarray(weights if weights is not None else [1.0] * len(examples), dtype=np.float64)
    norms = [text_for_ngrams(a) for a in analysed]
    word = TfidfVectorizer(
        ngram_range=WORD_NGRAMS, min_df=2, max_features=30000, sublinear_tf=True, dtype=np.float32
    )
    char = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=CHAR_NGRAMS,
        min_df=2,
        max_features=60000,
        sublinear_tf=True,
        dtype=np.float32,
    )
    text = sparse.hstack([word.fit_transform(norms), char.fit_transform(norms)], format="csr")
    dense = np.vstack([dense_vector(a) for a in analysed]) * DENSE_WEIGHT
    full = sparse.hstack([text, sparse.csr_matrix(dense)], format="csr")

    idx_i = [i for i, e in enumerate(examples) if e.intent]
    intent = LogisticRegression(C=INTENT_C, max_iter=3000, class_weight="balanced", random_state=random_state)
    intent.fit(full[idx_i], [examples[i].intent for i in idx_i], sample_weight=w[idx_i])
    idx_s = [i for i, e in enumerate(examples) if e.sentiment]
    sentiment = LogisticRegression(
        C=SENTIMENT_C, max_iter=3000, class_weight="balanced", random_state=random_state
    )
    sentiment.fit(full[idx_s], [examples[i].sentiment for i in idx_s], sample_weight=w[idx_s])
    idx_u = [i for i, e in enumerate(examples) if e.urgency]
    urgency = None
    if len({examples[i].urgency for i in idx_u}) >= 2:
        urgency = LogisticRegression(
            C=SENTIMENT_C, max_iter=3000, class_weight="balanced", random_state=random_state
        )
        urgency.fit(full[idx_u], [examples[i].urgency for i in idx_u], sample_weight=w[idx_u])
    return SklearnParts(word, char, intent, sentiment, urgency)


def compact(parts: SklearnParts, version: str, meta: dict[str, Any]) -> TriageModel:
    word_vocab = {str(k): int(v) for k, v in parts.word.vocabulary_.items()}
    char_vocab = {str(k): int(v) for k, v in parts.char.vocabulary_.items()}

    def head(clf: Any) -> LinearHead:
        return LinearHead(
            classes=tuple(str(c) for c in clf.classes_),
            coef=np.asarray(clf.coef_, dtype=np.float32),
            intercept=np.asarray(clf.intercept_, dtype=np.float64),
        )

    return TriageModel(
        version=version,
        word=TfidfPart(word_vocab, np.asarray(parts.word.idf_, dtype=np.float64), 0, "word"),
        char=TfidfPart(char_vocab, np.asarray(parts.char.idf_, dtype=np.float64), len(word_vocab), "char_wb"),
        dense_offset=len(word_vocab) + len(char_vocab),
        intent=head(parts.intent),
        sentiment=head(parts.sentiment),
        meta=meta,
        urgency=None if parts.urgency is None else head(parts.urgency),
    )


def fit(
    examples: Sequence[Example],
    analysed: Sequence[Analysed],
    *,
    weights: Sequence[float] | None = None,
    meta: dict[str, Any] | None = None,
    random_state: int = 0,
) -> TriageModel:
    """Train the bundle. ``analysed[i]`` is the analysis of ``examples[i]`` (language detected or given)."""
    parts = fit_sklearn(examples, analysed, weights=weights, random_state=random_state)
    info = dict(meta or {})
    lines = [f"{e.text}\t{e.intent}\t{e.sentiment}" for e in examples] + list(DENSE_NAMES)
    digest_input = hashlib.sha256("\n".join(lines).encode())
    for clf in (
        parts.intent,
        parts.sentiment,
        parts.urgency,
    ):  # the weights: same data, other cues → other version
        if clf is not None:
            digest_input.update(np.ascontiguousarray(clf.coef_, dtype=np.float32).tobytes())
    digest = digest_input.hexdigest()
    info.setdefault("version", digest[:12])
    info["examples"] = len(examples)
    info["trained_at"] = isoformat_z(now())
    return compact(parts, str(info["version"]), info)


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
            if tuple(loaded.dense_names) != DENSE_NAMES:
                raise ConfigurationError(
                    f"{path} was trained with other cue features; retrain it with `comptoir triage train`",
                    details={"path": str(path)},
                )
            _cache[path] = loaded
            model = loaded
    return model


def forget(directory: Path | None = None) -> None:
    """Drop a cached bundle (after a new brand model is activated)."""
    with _lock:
        _cache.pop((directory or SHIPPED_DIR) / MODEL_FILE, None)
