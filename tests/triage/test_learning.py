"""The learning loop: corrections change a brand's model; a worse model is never activated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from comptoir.settings import reset_settings_cache
from comptoir.triage import TriageInput, analyze
from comptoir.triage.learning import Correction, active_model_dir, train_brand_model

# A brand's own slang the default model cannot know: fans of the "Grobnik" console say "wazoo" to cheer.
PRAISE = [
    f"grobnik wazoo {word}"
    for word in (
        "today",
        "again",
        "tonight",
        "forever",
        "team",
        "yes",
        "friends",
        "crew",
        "always",
        "now",
        "ok",
        "go",
    )
]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("COMPTOIR_DATA_DIR", str(tmp_path))
    reset_settings_cache()
    yield tmp_path
    reset_settings_cache()


def _praise(texts: list[str]) -> list[Correction]:
    return [Correction(text=t, intent="praise", sentiment="positive", urgency="low") for t in texts]


def test_corrections_change_the_brand_model(data_dir: Path) -> None:
    probe = "grobnik wazoo everybody"
    before = analyze(TriageInput(text=probe, brand_id="b1"))
    assert before.intent != "praise"
    report = train_brand_model("b1", _praise(PRAISE[:8]), holdout=_praise(PRAISE[8:]), data_dir=data_dir)
    assert report.activated, report.reason
    assert report.candidate_score > report.active_score
    assert active_model_dir("b1", data_dir) is not None
    after = analyze(TriageInput(text=probe, brand_id="b1"))
    assert after.intent == "praise"
    # Other brands keep the shipped model.
    assert analyze(TriageInput(text=probe, brand_id="b2")).intent == before.intent


def test_a_worse_model_is_not_activated(data_dir: Path) -> None:
    good = train_brand_model("b3", _praise(PRAISE[:8]), holdout=_praise(PRAISE[8:]), data_dir=data_dir)
    assert good.activated
    active = active_model_dir("b3", data_dir)
    wrong = [Correction(text=t, intent="spam", sentiment="negative", urgency="low") for t in PRAISE[:8]]
    worse = train_brand_model("b3", wrong, holdout=_praise(PRAISE[8:]), data_dir=data_dir)
    assert not worse.activated, worse.reason
    assert worse.candidate_score <= worse.active_score
    assert active_model_dir("b3", data_dir) == active
    assert analyze(TriageInput(text="grobnik wazoo everybody", brand_id="b3")).intent == "praise"


def test_holdout_split_is_reproducible_and_needs_data(data_dir: Path) -> None:
    from comptoir.triage.learning import split_holdout

    items = _praise(PRAISE)
    assert split_holdout(items, 0.3, seed=1) == split_holdout(items, 0.3, seed=1)
    with pytest.raises(ValueError):
        train_brand_model("b4", [], holdout=_praise(PRAISE[:2]), data_dir=data_dir)


def test_correction_labels_are_checked() -> None:
    with pytest.raises(ValueError):
        Correction(text="x", intent="angry")


def test_a_brand_model_answers_an_identical_message_as_corrected(data_dir: Path) -> None:
    """One correction of a repeated text is enough for that text (case, mentions and links aside)."""
    repeated = "@Lumeo Le colis 4471 est bien arrivé chez le voisin http://t.co/x1"
    before = analyze(TriageInput(text=repeated, brand_id="b4"))
    fixed = Correction(text=repeated, intent="other", sentiment="neutral", urgency="low", needs_reply=False)
    report = train_brand_model(
        "b4", [*_praise(PRAISE[:8]), fixed], holdout=_praise(PRAISE[8:]), data_dir=data_dir
    )
    assert report.activated, report.reason
    again = analyze(
        TriageInput(text="@lumeo le colis 4471 est bien arrivé chez le voisin https://t.co/zz", brand_id="b4")
    )
    assert (again.intent, again.sentiment, again.urgency, again.needs_reply) == (
        "other",
        "neutral",
        "low",
        False,
    )
    assert "an agent corrected an identical message" in again.reasons["intent"]
    # Another text, and another brand, are judged as before.
    other = analyze(TriageInput(text="le colis 4471 n'est jamais arrivé", brand_id="b4"))
    assert "an agent corrected an identical message" not in other.reasons["intent"]
    assert analyze(TriageInput(text=repeated, brand_id="b5")).intent == before.intent


def test_a_brand_model_learns_to_raise_urgency_from_corrections(data_dir: Path) -> None:
    """A brand whose sensor feeds a diabetic's readings: any sync failure is urgent; the shipped rules disagree."""
    texts = [
        f"my glucolink sensor {what} {when}"
        for what in ("is not syncing", "stopped syncing", "won't sync", "shows no readings")
        for when in ("since this morning", "again today", "after the update", "tonight")
    ]
    probe = "glucolink sensor not syncing since lunch"
    before = analyze(TriageInput(text=probe, brand_id="b6"))
    assert before.urgency != "high"
    urgent = [Correction(text=t, intent="complaint", sentiment="negative", urgency="high") for t in texts]
    report = train_brand_model("b6", urgent[:12], holdout=urgent[12:], data_dir=data_dir)
    assert report.activated, report.reason
    after = analyze(TriageInput(text=probe, brand_id="b6"))
    assert after.urgency == "high"
    assert "learned from the brand's corrections (rules: " in after.reasons["urgency"][0]
    # Learned urgency only raises: what the rules call high stays high, noise stays low.
    down = analyze(TriageInput(text="No internet at all since yesterday, the box is dead", brand_id="b6"))
    assert down.urgency == "high"
