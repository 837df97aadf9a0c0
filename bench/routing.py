"""Routing and assignment cost per conversation (p50/p95): rule matching plus one assignment. Prints JSON.

A brand with ``--rules`` rules (the last one a catch-all with the ``--strategy`` strategy), ``--agents``
online agents in the team and ``--open`` open conversations already assigned to them; each measured
iteration routes a message and assigns a new unassigned conversation in one transaction.

Usage: .venv/bin/python bench/routing.py [--url sqlite:///...|postgresql+psycopg://...] [--rules 50]
       [--agents 50] [--open 5000] [--strategy load|round_robin|skill] [--iterations 300]
The PostgreSQL URL should name a dedicated, empty database: the script migrates it and fills it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, update

from comptoir import clock
from comptoir.actions import admin, routing
from comptoir.actions.assignment import assign_conversation
from comptoir.actions.routing import RoutingFacts
from comptoir.domain.enums import AccountKind, Platform
from comptoir.store import tables as t
from comptoir.store.db import Database
from comptoir.store.migrate import upgrade


def conversation_row(brand_id: int, account_id: int, assignee: int | None, team_id: int) -> dict[str, object]:
    now = clock.now()
    return {
        "brand_id": brand_id,
        "account_id": account_id,
        "visibility": "private",
        "status": "open",
        "priority": 50,
        "assignee_id": assignee,
        "team_id": team_id,
        "tags": [],
        "language": "fr",
        "waiting_since": now,
        "last_activity_at": now,
        "created_at": now,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--rules", type=int, default=50)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--open", type=int, default=5000)
    parser.add_argument("--strategy", default="load", choices=["load", "round_robin", "skill"])
    parser.add_argument("--iterations", type=int, default=300)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    db = Database(url)
    upgrade(db)
    brand = admin.create_brand(db, f"Bench {time.time_ns()}")
    account = int(
        admin.create_account(db, brand_id=brand, platform=Platform.X, handle="@bench", kind=AccountKind.CARE)[
            "id"
        ]
    )
    team = admin.create_team(db, brand, "Care")
    for i in range(args.rules - 1):
        routing.create_rule(db, brand, f"Region {i}", {"regions": [f"region-{i}"]}, {"team_id": team})
    routing.create_rule(db, brand, "Catch-all", {}, {"team_id": team, "assign": args.strategy})
    agents = [
        admin.create_agent(
            db, brand_ids=[brand], email=f"a{i}.{time.time_ns()}@bench.test", name=f"A{i}", team_ids=[team]
        )
        for i in range(args.agents)
    ]
    capacity = args.open // max(1, args.agents) + args.iterations + 10
    with db.transaction() as tx:
        tx.conn.execute(
            update(t.agents)
            .where(t.agents.c.id.in_(agents))
            .values(availability="online", capacity=capacity, skills={"languages": ["fr", "en"]})
        )
        rows = [conversation_row(brand, account, agents[i % len(agents)], team) for i in range(args.open)]
        for start in range(0, len(rows), 2000):
            tx.conn.execute(insert(t.conversations), rows[start : start + 2000])
    facts = RoutingFacts(account, "care", None, "x", "private", "complaint", "fr", 50)
    timings = []
    for _ in range(args.iterations):
        with db.transaction() as tx:
            conv = int(
                tx.conn.execute(
                    insert(t.conversations).values(**conversation_row(brand, account, None, team))
                ).inserted_primary_key[0]  # type: ignore[index]
            )
        started = time.perf_counter()
        with db.transaction() as tx:
            rule = routing.route(tx.conn, brand, facts)
            assert rule is not None and rule.name == "Catch-all"
            choice = assign_conversation(tx, conv, team, rule.assign)
            assert choice is not None
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(
        json.dumps(
            {
                "benchmark": "route + assign one conversation (one transaction)",
                "database": db.dialect,
                "rules": args.rules,
                "agents": args.agents,
                "open_assigned": args.open,
                "strategy": args.strategy,
                "iterations": args.iterations,
                "p50_ms": round(statistics.median(timings), 2),
                "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
            }
        )
    )
    db.dispose()


if __name__ == "__main__":
    main()
