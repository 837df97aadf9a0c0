"""SLA in storage: deadlines from the first message, timers firing once, policy actions, responsiveness."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from tests.integration.callback_receiver import Receiver
from tests.support import Env, message

from comptoir import clock
from comptoir.actions import admin, sla
from comptoir.jobs.timers import fire_due
from comptoir.runtime import Runtime
from comptoir.store import tables as t

PARIS_OFFICE = {
    "timezone": "Europe/Paris",
    "hours": {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "holiday_country": "FR",
}


def conversation(env: Env, external_id: str) -> dict[str, object]:
    with env.runtime.db.read() as conn:
        conv_id = conn.execute(
            sa.select(t.messages.c.conversation_id).where(t.messages.c.external_id == external_id)
        ).scalar_one()
    return dict(env.client.get(f"/api/v1/conversations/{conv_id}", headers=env.headers).json())


def test_business_hours_deadline_from_the_first_message(env: Env) -> None:
    sla.set_calendar(env.runtime.db, env.brand_id, PARIS_OFFICE)
    sla.create_policy(env.runtime.db, env.brand_id, name="care", targets={"first_response_minutes": 60})
    friday = datetime(2026, 3, 20, 16, 55, tzinfo=UTC)  # 17:55 in Paris
    with clock.frozen(friday):
        env.post(message("f1", sent_at="2026-03-20T16:55:00Z"))
        env.process()
        conv = conversation(env, "f1")
    assert conv["first_response_due_at"] == "2026-03-23T08:55:00Z"  # Monday 09:55 in Paris
    assert conv["next_sla_deadline_at"] == "2026-03-23T08:55:00Z"
    assert conv["sla"]["policy"] == "care"  # type: ignore[index]
    trail = conv["messages"][0]["pipeline"]  # type: ignore[index]
    step = next(entry for entry in trail if entry["step"] == "sla")
    assert "first response due 2026-03-23T08:55:00Z" in step["reason"]


def test_policies_match_in_order_and_reply_meets_the_clock(env: Env) -> None:
    sla.create_policy(
        env.runtime.db,
        env.brand_id,
        name="public",
        targets={"first_response_minutes": 30, "business_hours": False},
        conditions={"visibilities": ["public"]},
    )
    sla.create_policy(
        env.runtime.db,
        env.brand_id,
        name="default",
        targets={"first_response_minutes": 240, "business_hours": False},
    )
    start = datetime(2026, 11, 20, 10, tzinfo=UTC)
    with Receiver() as receiver, clock.frozen(start) as move:
        with env.runtime.db.transaction() as tx:
            tx.conn.execute(sa.update(t.accounts).values(callback_url=receiver.url))
        env.post(message("p1", visibility="public", sent_at="2026-11-20T10:00:00Z"))
        env.post(message("d1", author="bob", sent_at="2026-11-20T10:00:00Z"))
        env.process()
        public, private = conversation(env, "p1"), conversation(env, "d1")
        assert (
            public["sla"]["policy"] == "public" and public["first_response_due_at"] == "2026-11-20T10:30:00Z"
        )  # type: ignore[index]
        assert (
            private["sla"]["policy"] == "default"
            and private["first_response_due_at"] == "2026-11-20T14:00:00Z"
        )  # type: ignore[index]
        move(start + timedelta(minutes=10))
        env.client.post(
            f"/api/v1/conversations/{public['id']}/replies", json={"text": "On it"}, headers=env.headers
        )
        public = conversation(env, "p1")
        clocks = public["sla"]["clocks"]  # type: ignore[index]
        assert clocks["first_response"]["met_at"] == "2026-11-20T10:10:00Z"
        assert clocks["first_response"]["breached"] is False
        assert public["next_sla_deadline_at"] is None
        with env.runtime.db.read() as conn:
            pending = conn.execute(
                sa.select(t.sla_timers.c.clock).where(
                    t.sla_timers.c.conversation_id == public["id"], t.sla_timers.c.fired_at.is_(None)
                )
            ).all()
        assert pending == []


def test_timers_fire_once_with_actions(env: Env) -> None:
    with Receiver() as hook:
        team = admin.create_team(env.runtime.db, env.brand_id, "Escalations")
        sla.create_policy(
            env.runtime.db,
            env.brand_id,
            name="fast",
            targets={"first_response_minutes": 10, "business_hours": False},
            actions={
                "at_risk": [{"type": "raise_priority", "by": 5}],
                "breach": [
                    {"type": "raise_priority", "to": 95},
                    {"type": "reassign", "team_id": team},
                    {"type": "notify", "urls": [hook.url.replace("http://", "json://")]},
                ],
            },
        )
        start = datetime(2026, 11, 20, 10, tzinfo=UTC)
        with clock.frozen(start) as move:
            env.post(message("t1", sent_at="2026-11-20T10:00:00Z"))
            env.process()
            before = conversation(env, "t1")
            assert fire_due(env.runtime) == 0
            move(start + timedelta(minutes=7, seconds=30))  # 75% of 10 minutes
            assert fire_due(env.runtime) == 1
            assert fire_due(env.runtime) == 0  # never twice
            env.process()
            at_risk = conversation(env, "t1")
            assert at_risk["priority"] == int(before["priority"]) + 5  # type: ignore[call-overload]
            move(start + timedelta(minutes=12))
            assert fire_due(env.runtime) == 1
            env.process()
            breached = conversation(env, "t1")
        assert breached["priority"] == 95 and breached["team_id"] == team
        actions = [e["action"] for e in breached["audit"]]  # type: ignore[union-attr]
        assert actions.count("sla.at_risk") == 1 and actions.count("sla.breach") == 1
        assert "sla.breach.actions" in actions
        (notification,) = hook.received
        assert "breached" in notification["json"]["title"]


def test_a_restarted_service_fires_missed_timers_and_concurrent_services_fire_each_once(
    runtime: Runtime,
) -> None:
    from tests.support import make_env

    brand_id, account_id, _token, _ = make_env(runtime)
    sla.create_policy(
        runtime.db, brand_id, name="p", targets={"first_response_minutes": 1, "business_hours": False}
    )
    from comptoir.actions.ingest import ingest
    from comptoir.domain.enums import Visibility
    from comptoir.domain.models import Author, InboundMessage
    from comptoir.jobs.worker import Worker

    start = datetime(2026, 11, 20, 10, tzinfo=UTC)
    with clock.frozen(start) as move:
        ingest(
            runtime.db,
            [
                InboundMessage(account_id, f"m{i}", Author(f"a{i}"), "help", start, Visibility.PRIVATE)
                for i in range(40)
            ],
        )
        Worker(runtime).run_until_idle()
        move(start + timedelta(hours=1))  # nothing ran for an hour: every timer is overdue
        fired: list[int] = []
        threads = [threading.Thread(target=lambda: fired.append(fire_due(runtime))) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sum(fired) == 80  # 40 at-risk + 40 breach, each once
    with runtime.db.read() as conn:
        events = (
            conn.execute(
                sa.select(t.audit_events.c.action).where(
                    t.audit_events.c.action.in_(["sla.at_risk", "sla.breach"])
                )
            )
            .scalars()
            .all()
        )
    assert len(events) == 80
