"""SLA benchmark: deadline computations per second on a multi-interval business calendar with holidays.

Usage:
    .venv/bin/python bench/sla.py [--count 200000] [--repeat 3]
Prints one JSON document on stdout. Figures recorded in docs/benchmarks.md ("## SLA").

Measured here (pure, no storage):
* ``deadline_per_s``: ``BusinessClock.add`` (start instant + business budget → due instant), the operation run
  for each clock each time a conversation changes; random starts over two years, budgets from 1 minute to 3
  days, on a split-shift calendar (7 days, up to 3 intervals a day, FR holidays, custom closed dates and an
  exceptional opening) in Europe/Paris, so DST changes are crossed;
* ``between_per_s``: ``BusinessClock.between`` on the same inputs;
* ``clock_evaluations_per_s``: ``evaluate_clocks`` on a 10-event conversation (three clocks, at-risk instants);
* ``contract_cases_per_s``: the ``comptoir sla evaluate`` JSON case path (parse, evaluate, format).

Timer lateness (p50/p99 between a deadline and its fired event with 100,000 pending deadlines on PostgreSQL)
needs PostgreSQL (COMPTOIR_TEST_PG_URL): see :func:`measure_timer_lateness_postgresql`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from comptoir.clock import isoformat_z
from comptoir.clock import now as now_utc
from comptoir.domain.enums import ConversationStatus
from comptoir.sla.calendar import BusinessCalendar, business_clock
from comptoir.sla.clocks import ConversationEvent, EventType, SlaTargets, evaluate_clocks
from comptoir.sla.contract import evaluate_case

CALENDAR = BusinessCalendar.from_hours(
    "Europe/Paris",
    {
        "mon": [["08:00", "12:00"], ["13:30", "19:00"]],
        "tue": [["08:00", "12:00"], ["13:30", "19:00"]],
        "wed": [["08:00", "12:00"], ["13:30", "19:00"]],
        "thu": [["00:00", "02:00"], ["08:00", "12:00"], ["13:30", "19:00"]],
        "fri": [["08:00", "12:00"], ["13:30", "18:00"], ["22:00", "24:00"]],
        "sat": [["10:00", "13:00"]],
        "sun": [],
    },
    holiday_country="FR",
    holidays=["2026-12-24", "2026-12-31", "2027-12-24"],
    special_openings={"2026-12-27": [["10:00", "12:00"]]},
)


def rate(function: Callable[[], int], repeat: int) -> dict[str, float]:
    """Operations per second over ``repeat`` runs (median and best)."""
    rates = []
    for _ in range(repeat):
        started = time.perf_counter()
        operations = function()
        rates.append(operations / (time.perf_counter() - started))
    return {"median": round(statistics.median(rates)), "best": round(max(rates))}


def measure_timer_lateness_postgresql(
    pending: int = 100_000, firing: int = 300, services: int = 2
) -> dict[str, Any]:
    """Timer lateness with ``pending`` deadlines stored on PostgreSQL (COMPTOIR_TEST_PG_URL).

    ``pending`` timers lie hours ahead; ``firing`` more are spread over the next 15 seconds. ``services``
    timer services (as in that many worker processes) run concurrently; for each fired timer we read
    ``fired_at - fire_at`` back from the database. A restart is simulated half-way: the services stop for
    two seconds, and the timers that came due meanwhile fire when they start again (their lateness is
    reported separately, as it is the downtime, not the service).
    """
    import os
    import threading
    import time
    import uuid

    import sqlalchemy as sa

    from comptoir import clock as comptoir_clock
    from comptoir.actions import admin
    from comptoir.domain.enums import Platform
    from comptoir.jobs.timers import TimerService
    from comptoir.runtime import Runtime
    from comptoir.settings import Settings
    from comptoir.store import tables as t
    from comptoir.store.db import Database
    from comptoir.store.migrate import upgrade

    admin_url = os.environ.get("COMPTOIR_TEST_PG_URL")
    if not admin_url:
        return {"status": "skipped", "reason": "COMPTOIR_TEST_PG_URL is not set"}
    name = f"bench_timers_{uuid.uuid4().hex[:6]}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    upgrade(db)
    brand = admin.create_brand(db, "Bench")
    account = int(admin.create_account(db, brand_id=brand, platform=Platform.API, handle="b")["id"])
    now = comptoir_clock.now()
    total = pending + firing
    with db.transaction() as tx:
        for offset in range(0, total, 20_000):
            count = min(20_000, total - offset)
            tx.conn.execute(
                sa.insert(t.conversations),
                [
                    {
                        "brand_id": brand,
                        "account_id": account,
                        "visibility": "private",
                        "status": "open",
                        "priority": 0,
                        "tags": [],
                        "last_activity_at": now,
                        "created_at": now,
                    }
                    for _ in range(count)
                ],
            )
        ids = tx.conn.execute(sa.select(t.conversations.c.id).order_by(t.conversations.c.id)).scalars().all()
        rows = [
            {
                "conversation_id": conversation_id,
                "clock": "first_response",
                "event": "breach",
                "cycle_started_at": now,
                "fire_at": now + timedelta(hours=2, seconds=index),
            }
            for index, conversation_id in enumerate(ids[:pending])
        ]
        for offset in range(0, len(rows), 20_000):
            tx.conn.execute(sa.insert(t.sla_timers), rows[offset : offset + 20_000])
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE sla_timers")
    now = comptoir_clock.now()  # the firing timers are placed relative to when the services start
    with db.transaction() as tx:
        tx.conn.execute(
            sa.insert(t.sla_timers),
            [
                {
                    "conversation_id": conversation_id,
                    "clock": "first_response",
                    "event": "breach",
                    "cycle_started_at": now,
                    "fire_at": now + timedelta(seconds=2 + 15 * index / firing),
                }
                for index, conversation_id in enumerate(ids[pending:])
            ],
        )
    runtime = Runtime(settings=Settings(database_url=url), db=db)

    def run_services(seconds: float) -> None:
        running = [TimerService(runtime) for _ in range(services)]
        threads = [threading.Thread(target=service.run_forever, daemon=True) for service in running]
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        for service in running:
            service.stop()
        for thread in threads:
            thread.join(timeout=5)

    started = time.monotonic()
    run_services(9.0)  # about half of the firing timers
    down_from = comptoir_clock.now()
    time.sleep(2.0)  # "restart": nothing runs
    down_to = comptoir_clock.now()
    run_services(max(0.0, 20.0 - (time.monotonic() - started)))
    timers = t.sla_timers
    with db.read() as conn:
        fired = conn.execute(
            sa.select(timers.c.fire_at, timers.c.fired_at).where(timers.c.fired_at.is_not(None))
        ).all()
        still_pending = conn.execute(
            sa.select(sa.func.count()).select_from(timers).where(timers.c.fired_at.is_(None))
        ).scalar_one()
    # Timers that came due while no service ran (plus the restart itself) are the downtime's, not the service's.
    restart_end = down_to + timedelta(seconds=1)
    live = sorted(
        (r.fired_at - r.fire_at).total_seconds() * 1000
        for r in fired
        if not down_from <= r.fire_at <= restart_end
    )
    during_restart = sorted(
        (r.fired_at - r.fire_at).total_seconds() * 1000
        for r in fired
        if down_from <= r.fire_at <= restart_end
    )
    db.dispose()
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
    engine.dispose()

    def pct(values: list[float], q: float) -> float | None:
        return round(values[min(len(values) - 1, int(q * len(values)))], 1) if values else None

    return {
        "pending_deadlines": pending,
        "fired": len(fired),
        "expected_to_fire": firing,
        "still_pending": int(still_pending),
        "services": services,
        "lateness_ms_p50": pct(live, 0.5),
        "lateness_ms_p99": pct(live, 0.99),
        "lateness_ms_max": pct(live, 1.0),
        "fired_after_restart": len(during_restart),
        "after_restart_lateness_ms_max": pct(during_restart, 1.0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=200_000, help="deadline computations per run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20260329)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    clock = business_clock(CALENDAR)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    starts = [base + timedelta(seconds=rng.randrange(2 * 365 * 86_400)) for _ in range(args.count)]
    budgets = [rng.randrange(60, 3 * 86_400) for _ in range(args.count)]
    ends = [start + timedelta(seconds=rng.randrange(14 * 86_400)) for start in starts]

    compiled = time.perf_counter()
    clock.add(base, 1)
    clock.add(base + timedelta(days=900), 1)  # builds the interval tables for 2025..2029
    compile_s = time.perf_counter() - compiled

    def deadlines() -> int:
        add = clock.add
        for start, budget in zip(starts, budgets, strict=True):
            add(start, budget)
        return len(starts)

    def betweens() -> int:
        between = clock.between
        for start, end in zip(starts, ends, strict=True):
            between(start, end)
        return len(starts)

    t0 = datetime(2026, 3, 27, 15, 0, tzinfo=UTC)
    events = [
        ConversationEvent(EventType.CUSTOMER_MESSAGE, t0),
        ConversationEvent(EventType.AUTO_REPLY, t0 + timedelta(seconds=2)),
        ConversationEvent(EventType.CUSTOMER_MESSAGE, t0 + timedelta(minutes=3)),
        ConversationEvent(EventType.NOTE, t0 + timedelta(minutes=20)),
        ConversationEvent(EventType.AGENT_REPLY, t0 + timedelta(minutes=40)),
        ConversationEvent(EventType.STATUS, t0 + timedelta(minutes=41), ConversationStatus.PENDING),
        ConversationEvent(EventType.CUSTOMER_MESSAGE, t0 + timedelta(days=2)),
        ConversationEvent(EventType.AGENT_REPLY, t0 + timedelta(days=2, hours=1)),
        ConversationEvent(EventType.STATUS, t0 + timedelta(days=2, hours=2), ConversationStatus.RESOLVED),
        ConversationEvent(EventType.CUSTOMER_MESSAGE, t0 + timedelta(days=3)),
    ]
    targets = SlaTargets(3600, 7200, 86_400, business_hours=True)
    now = t0 + timedelta(days=3, hours=1)
    evaluation_count = max(args.count // 20, 1000)

    def evaluations() -> int:
        for _ in range(evaluation_count):
            evaluate_clocks(events, targets, clock, now)
        return evaluation_count

    case = {
        "calendar": {
            "timezone": "Europe/Paris",
            "hours": {
                "mon": [["09:00", "12:30"], ["13:30", "18:00"]],
                "tue": [["09:00", "18:00"]],
                "wed": [["09:00", "18:00"]],
                "thu": [["09:00", "18:00"]],
                "fri": [["09:00", "17:00"]],
            },
            "holidays": ["2026-04-06"],
            "holiday_country": "FR",
        },
        "policy": {"first_response_minutes": 60, "next_response_minutes": 120, "resolution_minutes": 1440},
        "events": [
            {"at": "2026-03-20T16:55:00Z", "type": "customer_message"},
            {"at": "2026-03-23T08:45:00Z", "type": "agent_reply"},
            {"at": "2026-03-23T09:00:00Z", "type": "customer_message"},
        ],
        "now": "2026-03-25T00:00:00Z",
    }

    def cases() -> int:
        for _ in range(evaluation_count):
            evaluate_case(case)
        return evaluation_count

    result = {
        "benchmark": "sla",
        "date": isoformat_z(now_utc().replace(microsecond=0)),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "calendar": "Europe/Paris, 7 days, up to 3 intervals a day, FR holidays, 3 closed dates, 1 exception",
        "count": args.count,
        "table_build_s": round(compile_s, 4),
        "deadline_per_s": rate(deadlines, args.repeat),
        "between_per_s": rate(betweens, args.repeat),
        "clock_evaluations_per_s": rate(evaluations, args.repeat),
        "contract_cases_per_s": rate(cases, args.repeat),
        "target_deadline_per_s": 50_000,
        "timer_lateness": measure_timer_lateness_postgresql(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
