"""Editing, reordering and deleting SLA policies from the administration screens; the brand's live clocks
are then re-evaluated by a queued job."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from comptoir.actions import sla
from comptoir.actions.sla import RECOMPUTE_JOB
from comptoir.jobs.worker import Worker
from comptoir.store import tables as t
from tests.ui.conftest import Workspace, page_csrf


def _post(client: TestClient, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=data | {"csrf_token": page_csrf(client)}, follow_redirects=False)


def _count(ws: Workspace, table: Any, **where: Any) -> int:
    with ws.runtime.db.read() as conn:
        query = select(func.count()).select_from(table)
        for key, value in where.items():
            query = query.where(table.c[key] == value)
        return int(conn.execute(query).scalar_one())


def _policy(ws: Workspace, name: str, minutes: int) -> int:
    return sla.create_policy(
        ws.runtime.db, ws.a.id, name=name, targets={"first_response_minutes": minutes, "business_hours": False}
    )


def _order(ws: Workspace) -> list[str]:
    p = t.sla_policies
    with ws.runtime.db.read() as conn:
        return [
            str(r.name)
            for r in conn.execute(select(p.c.name).where(p.c.brand_id == ws.a.id).order_by(p.c.position, p.c.id))
        ]


def _due(ws: Workspace, conversation_id: int) -> Any:
    with ws.runtime.db.read() as conn:
        return conn.execute(
            select(t.conversations.c.first_response_due_at).where(t.conversations.c.id == conversation_id)
        ).scalar_one()


def test_changing_a_target_moves_the_stored_deadline(ws: Workspace) -> None:
    policy = _policy(ws, "Standard", 60)
    c = ws.ingest(ws.a, "pol-edit-1")
    before = _due(ws, c)
    assert before is not None
    client = ws.client("sue")
    response = _post(
        client,
        "/ui/admin/policy-update",
        {"brand_id": ws.a.id, "policy_id": policy, "name": "Standard", "first_response_minutes": "30",
         "conditions": "{}", "actions": '{"breach": [{"type": "notify"}]}'},
    )
    assert response.status_code == 303, response.text
    assert _count(ws, t.jobs, kind=RECOMPUTE_JOB) == 1  # queued with the change, not yet run
    assert _due(ws, c) == before
    Worker(ws.runtime).run_until_idle()
    assert _due(ws, c) == before - timedelta(minutes=30)
    assert _count(ws, t.audit_events, actor=f"agent:{ws.agents['sue']}", action="sla.policy.changed") == 1
    with ws.runtime.db.read() as conn:
        row = conn.execute(select(t.sla_policies).where(t.sla_policies.c.id == policy)).one()
    assert row.targets["first_response_minutes"] == 30 and row.actions == {"breach": [{"type": "notify"}]}
    page = client.get(f"/ui/admin/policies?brand={ws.a.id}").text
    assert "policy-update" in page and "Standard" in page


def test_deleting_the_only_policy_clears_the_deadline(ws: Workspace) -> None:
    policy = _policy(ws, "Only", 45)
    c = ws.ingest(ws.a, "pol-del-1")
    assert _due(ws, c) is not None
    response = _post(ws.client("sue"), "/ui/admin/policy-delete", {"brand_id": ws.a.id, "policy_id": policy})
    assert response.status_code == 303
    Worker(ws.runtime).run_until_idle()
    assert _count(ws, t.sla_policies, brand_id=ws.a.id) == 0
    assert _due(ws, c) is None
    assert _count(ws, t.audit_events, action="sla.policy.deleted", brand_id=ws.a.id) == 1


def test_moving_a_policy_changes_which_one_applies(ws: Workspace) -> None:
    _policy(ws, "Slow", 120)
    fast = _policy(ws, "Fast", 10)
    c = ws.ingest(ws.a, "pol-move-1")
    slow_due = _due(ws, c)
    client = ws.client("sue")
    assert _post(client, "/ui/admin/policy-move", {"brand_id": ws.a.id, "policy_id": fast, "direction": "up"}).status_code == 303
    assert _order(ws) == ["Fast", "Slow"]
    Worker(ws.runtime).run_until_idle()
    assert _due(ws, c) == slow_due - timedelta(minutes=110)
    # Already first: moving up again changes nothing; down puts it back.
    assert _post(client, "/ui/admin/policy-move", {"brand_id": ws.a.id, "policy_id": fast, "direction": "up"}).status_code == 303
    assert _order(ws) == ["Fast", "Slow"]
    assert _post(client, "/ui/admin/policy-move", {"brand_id": ws.a.id, "policy_id": fast, "direction": "down"}).status_code == 303
    assert _order(ws) == ["Slow", "Fast"]
    response = _post(client, "/ui/admin/policy-move", {"brand_id": ws.a.id, "policy_id": fast, "direction": "sideways"})
    assert response.status_code == 400


def test_invalid_edits_write_nothing_and_other_brands_get_404(ws: Workspace) -> None:
    policy = _policy(ws, "Standard", 60)
    client = ws.client("sue")
    base = {"brand_id": ws.a.id, "policy_id": policy, "name": "Standard"}
    for extra, message in (
        ({"first_response_minutes": "soon"}, "A number was expected."),
        ({}, "A policy needs at least one target."),
        ({"first_response_minutes": "5", "conditions": '{"channels": ["fax"]}'}, "check the values"),
        ({"first_response_minutes": "5", "actions": '{"breach": [{"type": "explode"}]}'}, "check the values"),
    ):
        response = _post(client, "/ui/admin/policy-update", base | extra)
        assert response.status_code == 400, (extra, response.status_code)
        assert message in response.text, extra
    assert _count(ws, t.jobs, kind=RECOMPUTE_JOB) == 0
    with ws.runtime.db.read() as conn:
        assert conn.execute(select(t.sla_policies.c.targets).where(t.sla_policies.c.id == policy)).scalar_one()[
            "first_response_minutes"
        ] == 60
    # A supervisor of the other brand: neither their brand nor Alpha's policy id reaches the policy.
    bea = ws.client("bea")
    for url, data in (
        ("/ui/admin/policy-update", base | {"first_response_minutes": "5"}),
        ("/ui/admin/policy-update", base | {"brand_id": ws.b.id, "first_response_minutes": "5"}),
        ("/ui/admin/policy-move", {"brand_id": ws.b.id, "policy_id": policy, "direction": "up"}),
        ("/ui/admin/policy-delete", {"brand_id": ws.b.id, "policy_id": policy}),
    ):
        assert _post(bea, url, data).status_code == 404, (url, data)
    assert _post(ws.client("alice"), "/ui/admin/policy-delete", {"brand_id": ws.a.id, "policy_id": policy}).status_code == 403
    assert _count(ws, t.sla_policies, brand_id=ws.a.id) == 1


def test_recompute_brand_works_in_batches(ws: Workspace) -> None:
    _policy(ws, "Standard", 60)
    ids = [
        ws.ingest(ws.a, f"pol-batch-{i}", author={"external_id": f"batch-{i}", "handle": f"@batch{i}", "name": "B"})
        for i in range(3)
    ]
    assert len(set(ids)) == 3
    with ws.runtime.db.transaction() as tx:
        tx.conn.execute(
            t.conversations.update().where(t.conversations.c.id.in_(ids)).values(first_response_due_at=None)
        )
    assert sla.recompute_brand(ws.runtime.db, ws.a.id, batch=2) == 3
    assert all(_due(ws, c) is not None for c in ids)
