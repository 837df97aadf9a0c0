"""The SLA timer service: fires at-risk and breach events at their instant, not by periodic scans.

It sleeps exactly until the earliest unfired timer (or at most one second, to notice timers written by other
processes even if a notification was missed) and wakes early when timers change (``bus.timers_changed``,
relayed across processes through PostgreSQL NOTIFY). Several services may run (one per worker process):
``FOR UPDATE SKIP LOCKED`` and the ``fired_at`` mark make each timer fire once. After a restart, timers whose
instant passed while nothing ran fire at once.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from sqlalchemy import func, select, update

from comptoir import clock
from comptoir.actions import audit
from comptoir.events import Event, bus, publish_on_commit
from comptoir.jobs.queue import enqueue
from comptoir.runtime import Runtime
from comptoir.store import tables as t

log = logging.getLogger(__name__)

SLA_EVENT = "sla_event"
MAX_SLEEP_SECONDS = 1.0
BATCH = 200


def fire_due(runtime: Runtime) -> int:
    """Fire every timer whose instant has come, and wake snoozed conversations; returns how many fired."""
    return _fire_sla_timers(runtime) + wake_snoozed(runtime)


def wake_snoozed(runtime: Runtime) -> int:
    """Reopen the snoozed conversations whose ``snoozed_until`` has passed (audited, event published)."""
    c = t.conversations
    now = clock.now()
    query = (
        select(c.c.id, c.c.brand_id, c.c.snoozed_until)
        .where(c.c.status == "snoozed", c.c.snoozed_until.is_not(None), c.c.snoozed_until <= now)
        .order_by(c.c.snoozed_until)
        .limit(BATCH)
    )
    if runtime.db.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    with runtime.db.transaction() as tx:
        rows = tx.conn.execute(query).all()
        if not rows:
            return 0
        tx.conn.execute(
            update(c).where(c.c.id.in_([r.id for r in rows])).values(status="open", snoozed_until=None)
        )
        for row in rows:
            audit.record(
                tx,
                brand_id=row.brand_id,
                actor="system",
                action="conversation.woken",
                conversation_id=row.id,
                data={"snoozed_until": clock.isoformat_z(row.snoozed_until), "late_ms": _late_ms(row.snoozed_until, now)},
            )
            publish_on_commit(tx, Event("conversation.changed", row.brand_id, {"conversation_id": row.id}))
    return len(rows)


def _fire_sla_timers(runtime: Runtime) -> int:
    timers, c = t.sla_timers, t.conversations
    now = clock.now()
    query = (
        select(
            timers.c.id,
            timers.c.conversation_id,
            timers.c.clock,
            timers.c.event,
            timers.c.fire_at,
            c.c.brand_id,
        )
        .join(c, c.c.id == timers.c.conversation_id)
        .where(timers.c.fired_at.is_(None), timers.c.fire_at <= now)
        .order_by(timers.c.fire_at)
        .limit(BATCH)
    )
    if runtime.db.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True, of=timers)
    with runtime.db.transaction() as tx:
        rows = tx.conn.execute(query).all()
        if not rows:
            return 0
        tx.conn.execute(update(timers).where(timers.c.id.in_([r.id for r in rows])).values(fired_at=now))
        for row in rows:
            payload = {
                "conversation_id": row.conversation_id,
                "clock": row.clock,
                "event": row.event,
                "fire_at": clock.isoformat_z(row.fire_at),
                "fired_at": clock.isoformat_z(now),
            }
            enqueue(tx, SLA_EVENT, payload, lock=f"conversation:{row.conversation_id}")
            audit.record(
                tx,
                brand_id=row.brand_id,
                actor="sla",
                action=f"sla.{row.event}",
                conversation_id=row.conversation_id,
                data={
                    "clock": row.clock,
                    "due": clock.isoformat_z(row.fire_at),
                    "late_ms": _late_ms(row.fire_at, now),
                },
            )
            publish_on_commit(tx, Event(f"sla.{row.event}", row.brand_id, payload))
    return len(rows)


def _late_ms(fire_at: datetime, fired_at: datetime) -> int:
    return int((fired_at - fire_at).total_seconds() * 1000)


def next_fire_at(runtime: Runtime) -> datetime | None:
    timers = t.sla_timers
    with runtime.db.read() as conn:
        value = conn.execute(
            select(func.min(timers.c.fire_at)).where(timers.c.fired_at.is_(None))
        ).scalar_one()
        snoozed = conn.execute(
            select(func.min(t.conversations.c.snoozed_until)).where(t.conversations.c.status == "snoozed")
        ).scalar_one()
    candidates = [v for v in (clock.from_storage(value), clock.from_storage(snoozed)) if v is not None]
    return min(candidates) if candidates else None


class TimerService:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.stop_event = threading.Event()

    def run_forever(self) -> None:
        while not self.stop_event.is_set():
            try:
                while fire_due(self.runtime) >= BATCH:
                    pass
                upcoming = next_fire_at(self.runtime)
            except Exception:
                log.exception("timer service: could not fire timers; retrying in a second")
                upcoming = None
            wait = MAX_SLEEP_SECONDS
            if upcoming is not None:
                wait = max(0.0, min(wait, (upcoming - clock.now()).total_seconds()))
            if wait > 0:
                bus.timers_changed.wait(wait)
            bus.timers_changed.clear()

    def stop(self) -> None:
        self.stop_event.set()
        bus.timers_changed.set()


def start_timer_thread(runtime: Runtime) -> TimerService:
    service = TimerService(runtime)
    threading.Thread(target=service.run_forever, name="comptoir-sla-timers", daemon=True).start()
    return service
