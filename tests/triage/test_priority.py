from __future__ import annotations

from collections.abc import Callable

from comptoir.triage import TriageInput, TriageResult, analyze, analyze_batch
from comptoir.triage.influence import judge as influence
from comptoir.triage.priority import sla_points

Judge = Callable[..., TriageResult]
COMPLAINT = "Plus de réseau mobile depuis deux jours, c'est scandaleux"


def test_explanation_lists_each_contribution(judge: Judge) -> None:
    r = judge(COMPLAINT, author_followers=48_000, visibility="public")
    text = "; ".join(r.explanation)
    assert "complaint +25" in text
    assert "urgency high +30" in text
    assert "negative " in text
    assert "48k followers, public +" in text
    total = sum(int(part.rsplit("+", 1)[1]) for part in r.explanation if "+" in part)
    assert r.priority == min(100, total)


def test_influence_from_followers_verified_visibility_history() -> None:
    small = influence(TriageInput(text="x", author_followers=10))[0]
    big = influence(TriageInput(text="x", author_followers=500_000, visibility="public"))[0]
    private = influence(TriageInput(text="x", author_followers=500_000, visibility="private"))[0]
    verified = influence(TriageInput(text="x", author_followers=500_000, author_verified=True))[0]
    regular = influence(TriageInput(text="x", author_followers=10, previous_contacts=5))[0]
    assert small.label == "low" and big.label == "high"
    assert private.score < big.score < verified.score
    assert regular.score > small.score


def test_influential_author_ranks_higher(judge: Judge) -> None:
    quiet = judge(COMPLAINT, author_followers=12)
    loud = judge(COMPLAINT, author_followers=250_000, author_verified=True, visibility="public")
    assert loud.priority > quiet.priority


def test_sla_deadline_raises_priority() -> None:
    item = TriageInput(text="Bonjour, comment changer mon adresse de facturation ?")
    calm = analyze(item)
    due = analyze(item, seconds_left_before_deadline=600)
    overdue = analyze(item, seconds_left_before_deadline=-3600)
    assert calm.priority < due.priority < overdue.priority
    assert any("SLA overdue" in part for part in overdue.explanation)
    assert sla_points(None) == (0, None) and sla_points(10 * 3600)[0] == 0


def test_priority_bounds_and_noise_at_the_bottom() -> None:
    texts = [
        "🎁 CONCOURS 🎁 Gagnez un iPhone ! RT + follow https://bit.ly/x",
        "merci !",
        COMPLAINT,
        "Bonjour, vos boutiques sont-elles ouvertes dimanche ?",
    ]
    results = analyze_batch(TriageInput(text=t, author_followers=1_000_000) for t in texts)
    assert all(0 <= r.priority <= 100 for r in results)
    assert results[0].priority == min(r.priority for r in results)
    assert results[2].priority == max(r.priority for r in results)


def test_batch_equals_single() -> None:
    texts = ["Plus d'internet", "thanks a lot!", "how do I reset my password?", ""]
    batch = analyze_batch([TriageInput(text=t) for t in texts], batch_size=3)
    single = [analyze(TriageInput(text=t)) for t in texts]
    assert [(r.intent, r.priority, r.lang) for r in batch] == [(r.intent, r.priority, r.lang) for r in single]


def test_result_is_frozen_and_contract_shaped(judge: Judge) -> None:
    r = judge("Hello")
    row = r.to_contract("m1")
    assert list(row)[:10] == [
        "id", "lang", "spam", "sentiment", "sentiment_score", "intent", "urgency", "needs_reply", "influence",
        "priority",
    ]
    try:
        r.priority = 3  # type: ignore[misc]
    except AttributeError:
        pass
    else:
        raise AssertionError("TriageResult must be frozen")


def test_judgements_record_each_step_with_reasons(judge: Judge) -> None:
    r = judge(COMPLAINT)
    names = [j.name for j in r.judgements()]
    assert names == ["lang", "spam", "sentiment", "intent", "urgency", "needs_reply", "influence", "priority"]
    assert all(j.reasons for j in r.judgements() if j.name in ("lang", "intent", "urgency", "priority"))
