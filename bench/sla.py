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
needs the storage layer and the timer service: see :func:`measure_timer_lateness_postgresql` (TODO).
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


def measure_timer_lateness_postgresql(pending: int = 100_000) -> dict[str, Any]:
    """TODO(lead): timer lateness with ``pending`` deadlines stored on PostgreSQL.

    Plan: insert ``pending`` conversations whose next SLA instant (``SlaEvaluation.next_fire_at()``) is spread
    over the next minutes, start the timer service (one or several workers), record for each fired event
    ``fired_at - fire_at``, and report p50/p99 lateness in ms (target p99 < 1 s), also after a worker restart.
    Needs comptoir.store and comptoir.jobs; returns a marker until the lead fills it in.
    """
    return {"status": "todo", "pending": pending, "reason": "needs the storage layer and the timer service"}


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
