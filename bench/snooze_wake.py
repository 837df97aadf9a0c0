"""Snooze wake-up benchmark: the cost of the timer service's once-a-second look for snoozed conversations.

Usage:
    COMPTOIR_TEST_PG_URL=postgresql+psycopg://… .venv/bin/python bench/snooze_wake.py [--conversations 300000]
Prints one JSON document. Creates a scratch PostgreSQL database (dropped at the end) with ``--conversations``
conversations over 3 brands, 0.1% of them snoozed, and times (p50/p95 over ``--repeat`` calls):
* ``wake_nothing_due_ms``: ``jobs.timers.wake_snoozed`` when no snooze has ended (what runs every second);
* ``next_fire_at_ms``: ``jobs.timers.next_fire_at`` (SLA timers and snoozed instants);
and reports the plan PostgreSQL chose for the wake-up query.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import sqlalchemy as sa

from comptoir.jobs.timers import next_fire_at, wake_snoozed
from comptoir.runtime import Runtime
from comptoir.settings import Settings
from comptoir.store.db import Database
from comptoir.store.migrate import upgrade


def _timed(function: Callable[[], Any], repeat: int) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"p50": round(statistics.median(samples), 3), "p95": round(samples[int(len(samples) * 0.95) - 1], 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    base = os.environ.get("COMPTOIR_TEST_PG_URL")
    if not base:
        sys.exit("set COMPTOIR_TEST_PG_URL (a PostgreSQL server the benchmark may create a database on)")
    name = f"bench_snooze_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    url = sa.make_url(base).set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    try:
        upgrade(db)
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO brands (name, created_at) "
                "SELECT 'b' || i, now() FROM generate_series(1, 3) i"
            )
            conn.exec_driver_sql(
                "INSERT INTO accounts (brand_id, platform, external_id, handle, kind, settings, created_at) "
                "SELECT id, 'api', 'api:' || id, 'h' || id, 'care', '{}', now() FROM brands"
            )
            conn.exec_driver_sql(
                "INSERT INTO conversations (brand_id, account_id, visibility, status, priority, tags, noise, "
                "snoozed_until, last_activity_at, created_at) "
                "SELECT a.brand_id, a.id, 'private', "
                "CASE WHEN i %% 1000 = 0 THEN 'snoozed' WHEN i %% 3 = 0 THEN 'open' ELSE 'resolved' END, 50, '[]', "
                "false, CASE WHEN i %% 1000 = 0 THEN now() + interval '1 day' END, now(), now() "
                f"FROM generate_series(1, {args.conversations}) i JOIN accounts a ON a.id = 1 + i %% 3"
            )
            conn.exec_driver_sql("ANALYZE")
        runtime = Runtime(settings=Settings(database_url=url), db=db)
        wake = _timed(lambda: wake_snoozed(runtime), args.repeat)
        upcoming = _timed(lambda: next_fire_at(runtime), args.repeat)
        with db.engine.connect() as conn:
            plan = [
                r[0]
                for r in conn.exec_driver_sql(
                    "EXPLAIN SELECT id FROM conversations WHERE status = 'snoozed' "
                    "AND snoozed_until IS NOT NULL AND snoozed_until <= now() ORDER BY snoozed_until LIMIT 200"
                )
            ]
        print(json.dumps({
            "conversations": args.conversations,
            "snoozed": args.conversations // 1000,
            "wake_nothing_due_ms": wake,
            "next_fire_at_ms": upcoming,
            "wake_plan": plan,
        }, indent=2))
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


if __name__ == "__main__":
    main()
