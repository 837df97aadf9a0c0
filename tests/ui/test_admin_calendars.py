"""An account's own business hours, from the calendar page: they replace the brand's for that account's clocks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from comptoir import clock
from comptoir.actions import sla
from comptoir.jobs.worker import Worker
from comptoir.store import tables as t
from tests.ui.conftest import Workspace, page_csrf

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
PARIS = {"timezone": "Europe/Paris", "hours": {d: [["09:00", "18:00"]] for d in WEEKDAYS}}
NEW_YORK = {"timezone": "America/New_York", "hours": {d: [["09:00", "18:00"]] for d in WEEKDAYS}}
FRIDAY = datetime(
    2026, 3, 20, 16, 55, tzinfo=UTC
)  # 17:55 in Paris (5 minutes before closing), 12:55 in New York


def _post(client: TestClient, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data=data | {"csrf_token": page_csrf(client)}, follow_redirects=False)


def _due(ws: Workspace, conversation_id: int) -> str:
    with ws.runtime.db.read() as conn:
        value = conn.execute(
            select(t.conversations.c.first_response_due_at).where(t.conversations.c.id == conversation_id)
        ).scalar_one()
    return clock.isoformat_z(value)


def _account_calendars(ws: Workspace) -> dict[int, Any]:
    c = t.calendars
    with ws.runtime.db.read() as conn:
        return {
            int(r.account_id): r.spec
            for r in conn.execute(select(c.c.account_id, c.c.spec).where(c.c.account_id.is_not(None)))
        }


def test_an_accounts_own_hours_drive_its_clocks(ws: Workspace) -> None:
    a = ws.a.id
    sue = ws.client("sue")
    sla.set_calendar(ws.runtime.db, a, PARIS)
    sla.create_policy(ws.runtime.db, a, name="care", targets={"first_response_minutes": 60})
    Worker(ws.runtime).run_until_idle()  # the re-evaluation these queued, before the clock is frozen in March
    with clock.frozen(FRIDAY):
        conversation = ws.ingest(ws.a, "ny-1", sent_at="2026-03-20T16:55:00Z")
        assert _due(ws, conversation) == "2026-03-23T08:55:00Z"  # the brand's hours: Monday 09:55 in Paris

        form = {"brand_id": a, "account_id": ws.a.account_id, "spec": json.dumps(NEW_YORK)}
        assert _post(sue, "/ui/admin/account-calendar", form).status_code == 303
        assert _account_calendars(ws) == {ws.a.account_id: NEW_YORK}
        Worker(ws.runtime).run_until_idle()  # the queued re-evaluation of the brand's live clocks
        assert _due(ws, conversation) == "2026-03-20T17:55:00Z"  # the account's hours: 13:55 in New York
        # A new conversation of the account is computed with its hours from the start.
        assert _due(ws, ws.ingest(ws.a, "ny-2", sent_at="2026-03-20T16:55:00Z")) == "2026-03-20T17:55:00Z"

        page = sue.get(f"/ui/admin/calendar?brand={a}").text
        assert "America/New_York" in page and "its own" in page
        assert (
            _post(
                sue, "/ui/admin/account-calendar-delete", {"brand_id": a, "account_id": ws.a.account_id}
            ).status_code
            == 303
        )
        assert _account_calendars(ws) == {}
        Worker(ws.runtime).run_until_idle()
        assert _due(ws, conversation) == "2026-03-23T08:55:00Z"  # back to the brand's hours
    a_events = t.audit_events
    with ws.runtime.db.read() as conn:
        audited = [
            (r.action, r.data)
            for r in conn.execute(
                select(a_events.c.action, a_events.c.data)
                .where(
                    a_events.c.actor == f"agent:{ws.agents['sue']}", a_events.c.action.like("sla.calendar.%")
                )
                .order_by(a_events.c.id)
            )
        ]
    assert audited == [
        ("sla.calendar.set", {"account_id": ws.a.account_id}),
        ("sla.calendar.cleared", {"account_id": ws.a.account_id}),
    ]


def test_invalid_account_calendars_say_why_and_write_nothing(ws: Workspace) -> None:
    sue = ws.client("sue")
    form = {"brand_id": ws.a.id, "account_id": ws.a.account_id}
    for spec, message in (
        ("", "A required field is empty."),
        ("{timezone", "This is not valid JSON."),
        (json.dumps({"timezone": "Mars/Olympus", "hours": {}}), "That was not accepted: check the values."),
    ):
        response = _post(sue, "/ui/admin/account-calendar", form | {"spec": spec})
        assert response.status_code == 400 and message in response.text, spec
        assert "<details open>" in response.text  # that account's form, open again with what was typed
    assert _account_calendars(ws) == {}


def test_account_calendars_stay_in_their_brand(ws: Workspace) -> None:
    bea, alice = ws.client("bea"), ws.client("alice")
    spec = json.dumps(NEW_YORK)
    # Beta's supervisor: Alpha's account does not exist for her, whichever brand she names.
    for brand in (ws.a.id, ws.b.id):
        form = {"brand_id": brand, "account_id": ws.a.account_id}
        assert _post(bea, "/ui/admin/account-calendar", form | {"spec": spec}).status_code == 404
    tokyo = PARIS | {"timezone": "Asia/Tokyo"}
    sla.set_calendar(ws.runtime.db, ws.a.id, tokyo, account_id=ws.a.account_id)
    for brand in (ws.a.id, ws.b.id):
        form = {"brand_id": brand, "account_id": ws.a.account_id}
        assert _post(bea, "/ui/admin/account-calendar-delete", form).status_code == 404
    assert "Asia/Tokyo" not in bea.get(f"/ui/admin/calendar?brand={ws.b.id}").text
    form = {"brand_id": ws.a.id, "account_id": ws.a.account_id}
    assert _post(alice, "/ui/admin/account-calendar-delete", form).status_code == 403
    response = ws.client("sue").post("/ui/admin/account-calendar-delete", data=form, follow_redirects=False)
    assert response.status_code == 403  # no CSRF token
    assert _account_calendars(ws) == {ws.a.account_id: tokyo}
    with ws.runtime.db.read() as conn:
        assert (
            conn.execute(
                select(func.count())
                .select_from(t.audit_events)
                .where(t.audit_events.c.action.like("sla.calendar.%"), t.audit_events.c.actor.like("agent:%"))
            ).scalar_one()
            == 0
        )


def test_the_calendar_page_stays_accessible_in_both_languages(ws: Workspace) -> None:
    from tests.ui.test_accessibility import check

    sue = ws.client("sue")
    sla.set_calendar(ws.runtime.db, ws.a.id, PARIS, account_id=ws.a.account_id)
    for language in ("en", "fr"):
        _post(sue, "/ui/language", {"language": language, "next": "/"})
        check(sue.get(f"/ui/admin/calendar?brand={ws.a.id}").text)
