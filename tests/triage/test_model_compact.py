"""The served numpy model reproduces scikit-learn's TF-IDF transform and predict_proba exactly."""

from __future__ import annotations

import numpy as np

from comptoir.triage.datasets import seed_examples
from comptoir.triage.features import analyse
from comptoir.triage.model import compact, fit_sklearn

PROBES = [
    "Plus d'internet depuis ce matin, c'est inadmissible !",
    "thanks so much, great job",
    "how do I reset my password?",
    "🎁 GIVEAWAY win a console https://x.co/a",
    "",
    "zzzz unknown words only",
    "Bonjour, pouvez-vous m'aider à changer mon forfait ? merci",
]


def test_compact_model_matches_scikit_learn() -> None:
    examples = seed_examples()
    analysed = [analyse(e.text, e.lang or "en") for e in examples]
    parts = fit_sklearn(examples, analysed)
    model = compact(parts, "test", {})
    probes = [analyse(t, "fr") for t in PROBES] + analysed[:40]
    matrix = parts.full_matrix(probes)
    want_intent = parts.intent.predict_proba(matrix)
    want_sent = parts.sentiment.predict_proba(matrix)
    got_intent, got_sent = model.predict(probes)
    for row, want in zip(got_intent, want_intent, strict=True):
        assert np.allclose([row[c] for c in parts.intent.classes_], want, atol=1e-5)
    for row, want in zip(got_sent, want_sent, strict=True):
        assert np.allclose([row[c] for c in parts.sentiment.classes_], want, atol=1e-5)
    assert parts.urgency is not None  # the seeds carry urgency labels: the urgency head is trained too
    _, _, got_urgency = model.predict_all(probes)
    assert got_urgency is not None
    for row, want in zip(got_urgency, parts.urgency.predict_proba(matrix), strict=True):
        assert np.allclose([row[c] for c in parts.urgency.classes_], want, atol=1e-5)


def test_serving_does_not_import_scikit_learn() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from comptoir.triage import TriageInput, analyze; analyze(TriageInput(text='merci'));"
        "print('sklearn' in sys.modules, 'scipy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_lazy_load_is_once_per_process_under_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from comptoir.triage import model

    model.forget()
    with ThreadPoolExecutor(max_workers=8) as pool:
        loaded = list(pool.map(lambda _: model.load(), range(16)))
    assert all(m is loaded[0] for m in loaded)
    assert model.load() is loaded[0]
