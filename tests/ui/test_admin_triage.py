"""Triage settings from the administration screens: train the brand model from its corrections (a queued job),
see the report, go back to the shipped model, re-activate an earlier version."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select

from comptoir import clock
from comptoir.jobs.triage_training import MIN_CORRECTIONS, TRAIN_JOB
from comptoir.jobs.worker import Worker
from comptoir.settings import reset_settings_cache
from comptoir.store import tables as t
from comptoir.triage import TriageInput, analyze, train
from comptoir.triage.datasets import seed_examples
from comptoir.triage.learning import active_model_dir, brand_versions
from tests.ui.conftest import Workspace, page_csrf

# A brand's own slang the shipped model cannot know: fans of the "Grobnik" console say "wazoo" to cheer.
WORDS = "today again tonight forever team yes friends crew always now ok go fun wow top best cool nice love joy".split()
PROBE = "grobnik wazoo everybody"


@pytest.fixture
def models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Models under a temporary data dir; a small base so that a training takes seconds, not half a minute."""
    monkeypatch.setenv("COMPTOIR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COMPTOIR_SHARED_DATA", str(tmp_path / "no-shared-data"))
    reset_settings_cache()
    small_base = seed_examples()[::10]
    monkeypatch.setattr(train, "base_examples", lambda data_dir: small_base)
    yield tmp_path
    reset_settings_cache()


def _post(client: TestClient, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=data | {"csrf_token": page_csrf(client)}, follow_redirects=False)


def _correct(ws: Workspace, n: int) -> None:
    """``n`` customer messages of brand A in the brand's slang, each corrected by Sue to praise / positive."""
    for i in range(n):
        ws.ingest(ws.a, f"slang-{i}", text=f"grobnik wazoo {WORDS[i % len(WORDS)]} {i}")
        with ws.runtime.db.transaction() as tx:
            message = tx.conn.execute(
                select(t.messages.c.id).where(
                    t.messages.c.account_id == ws.a.account_id, t.messages.c.external_id == f"slang-{i}"
                )
            ).scalar_one()
            for judgement, value in (("intent", "praise"), ("sentiment", "positive"), ("urgency", "low")):
                tx.conn.execute(
                    insert(t.triage_corrections).values(
                        brand_id=ws.a.id,
                        message_id=message,
                        judgement=judgement,
                        new_value=value,
                        agent_id=ws.agents["sue"],
                        at=clock.now(),
                    )
                )


def _jobs(ws: Workspace) -> int:
    with ws.runtime.db.read() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(t.jobs).where(t.jobs.c.kind == TRAIN_JOB)
            ).scalar_one()
        )


def _actions(ws: Workspace) -> list[str]:
    ae = t.audit_events
    with ws.runtime.db.read() as conn:
        return [
            str(a)
            for a in conn.execute(
                select(ae.c.action)
                .where(ae.c.brand_id == ws.a.id, ae.c.action.like("triage.%"))
                .order_by(ae.c.id)
            ).scalars()
        ]


def test_train_from_the_page_then_revert_and_reactivate(ws: Workspace, models: Path) -> None:
    _correct(ws, MIN_CORRECTIONS + 4)
    shipped_intent = analyze(TriageInput(text=PROBE, brand_id=str(ws.a.id))).intent
    assert shipped_intent != "praise"
    client = ws.client("sue")
    page = client.get(f"/ui/admin/triage?brand={ws.a.id}").text
    assert "No training yet." in page and "Train the brand model from the corrections" in page

    response = _post(client, "/ui/admin/triage-train", {"brand_id": str(ws.a.id)})
    assert response.status_code == 303, response.text[:500]
    assert _jobs(ws) == 1
    page = client.get(f"/ui/admin/triage?brand={ws.a.id}").text
    assert "A training is queued." in page
    again = _post(client, "/ui/admin/triage-train", {"brand_id": str(ws.a.id)})
    assert again.status_code == 409 and "already queued or running" in again.text
    assert _jobs(ws) == 1

    Worker(ws.runtime).run_until_idle()
    assert _jobs(ws) == 0
    assert _actions(ws) == ["triage.training_queued", "triage.model_trained"]
    page = client.get(f"/ui/admin/triage?brand={ws.a.id}").text
    assert "A training is" not in page and "No training yet." not in page
    assert "activated: the new model is in use" in page, page
    assert "Score of the new model" in page and "candidate" in page  # the report's reason
    active = active_model_dir(str(ws.a.id))
    assert active is not None and active.name in page
    assert analyze(TriageInput(text=PROBE, brand_id=str(ws.a.id))).intent == "praise"
    assert analyze(TriageInput(text=PROBE, brand_id=str(ws.b.id))).intent == shipped_intent

    # Go back to the shipped model: the analysis of the brand uses it at once.
    assert _post(client, "/ui/admin/triage-revert", {"brand_id": str(ws.a.id)}).status_code == 303
    assert active_model_dir(str(ws.a.id)) is None
    assert analyze(TriageInput(text=PROBE, brand_id=str(ws.a.id))).intent == shipped_intent
    page = client.get(f"/ui/admin/triage?brand={ws.a.id}").text
    assert 'id="triage-active">the shipped model<' in page
    versions = brand_versions(str(ws.a.id))
    assert [v["name"] for v in versions] == [active.name] and versions[0]["activated"] is True
    assert f'aria-label="Re-activate: {active.name}"' in page

    # Re-activate the trained version; an unknown version is a 404.
    response = _post(client, "/ui/admin/triage-activate", {"brand_id": str(ws.a.id), "version": active.name})
    assert response.status_code == 303
    assert active_model_dir(str(ws.a.id)) == active
    assert analyze(TriageInput(text=PROBE, brand_id=str(ws.a.id))).intent == "praise"
    unknown = _post(client, "/ui/admin/triage-activate", {"brand_id": str(ws.a.id), "version": "../brand-2"})
    assert unknown.status_code == 404
    assert _actions(ws)[-2:] == ["triage.model_reverted", "triage.model_activated"]


def test_too_few_corrections_is_refused_with_a_clear_message(ws: Workspace, models: Path) -> None:
    _correct(ws, 3)
    client = ws.client("sue")
    response = _post(client, "/ui/admin/triage-train", {"brand_id": str(ws.a.id)})
    assert response.status_code == 400
    assert (
        f"Not enough corrections: the brand has 3, training needs at least {MIN_CORRECTIONS}."
        in response.text
    )
    assert _jobs(ws) == 0 and _actions(ws) == []
    client.post("/ui/language", data={"language": "fr", "next": "/", "csrf_token": page_csrf(client)})
    response = _post(client, "/ui/admin/triage-train", {"brand_id": str(ws.a.id)})
    assert response.status_code == 400 and "Pas assez de corrections" in response.text


def test_only_the_brands_supervisors_change_its_triage_model(ws: Workspace, models: Path) -> None:
    _correct(ws, MIN_CORRECTIONS)
    for who, status in (("bea", 404), ("alice", 403)):  # another brand's supervisor; an agent of the brand
        client = ws.client(who)
        for url, form in (
            ("/ui/admin/triage-train", {}),
            ("/ui/admin/triage-revert", {}),
            ("/ui/admin/triage-activate", {"version": "v1"}),
        ):
            response = _post(client, url, {"brand_id": str(ws.a.id)} | form)
            assert response.status_code == status, (who, url, response.status_code)
    assert _jobs(ws) == 0 and _actions(ws) == []
    no_csrf = ws.client("sue").post(
        "/ui/admin/triage-train", data={"brand_id": str(ws.a.id)}, follow_redirects=False
    )
    assert no_csrf.status_code == 403 and _jobs(ws) == 0


def test_a_second_training_that_is_not_better_keeps_the_model_in_use(ws: Workspace, models: Path) -> None:
    _correct(ws, MIN_CORRECTIONS)
    client = ws.client("sue")
    for _ in range(2):  # the same corrections twice: the second candidate scores the same, so it is not used
        assert _post(client, "/ui/admin/triage-train", {"brand_id": str(ws.a.id)}).status_code == 303
        Worker(ws.runtime).run_until_idle()
    page = client.get(f"/ui/admin/triage?brand={ws.a.id}").text
    assert "kept the model in use: the new one was not better" in page
    versions = brand_versions(str(ws.a.id))
    assert len(versions) == 2 and [v["active"] for v in versions] == [False, True]
    assert versions[0]["activated"] is False and versions[0]["candidate_score"] <= versions[0]["active_score"]


def test_a_training_that_cannot_run_says_so_on_the_page(ws: Workspace, models: Path) -> None:
    from comptoir.jobs.queue import enqueue
    from comptoir.jobs.triage_training import lock_of

    _correct(ws, 2)
    with ws.runtime.db.transaction() as tx:  # queued by hand: the page itself refuses below the minimum
        enqueue(tx, TRAIN_JOB, {"brand_id": ws.a.id, "actor": "cli"}, lock=lock_of(ws.a.id))
    Worker(ws.runtime).run_until_idle()
    page = ws.client("sue").get(f"/ui/admin/triage?brand={ws.a.id}").text
    assert "The training failed." in page and "training needs at least" in page
    assert active_model_dir(str(ws.a.id)) is None
