"""Ingestion benchmark: HTTP throughput (single posts and batches), acknowledgement latency at a fixed
offered rate, and the latency of "the 50 open conversations waiting longest" at 100k and 1M messages.

Usage:
    .venv/bin/python bench/ingest.py --db sqlite
    COMPTOIR_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:55432/postgres \\
        .venv/bin/python bench/ingest.py --db postgresql
Prints one JSON document on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import Results, closed_loop, open_loop

from comptoir.actions import admin
from comptoir.actions.conversations import ConversationFilter, inbox_query
from comptoir.domain.enums import Platform
from comptoir.store import tables as t
from comptoir.store.db import Database
from comptoir.store.migrate import upgrade


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                time.sleep(0.5)  # let every worker process finish starting
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"server did not listen on {port}")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def summary(r: Results) -> dict[str, Any]:
    return {
        "messages": r.messages,
        "seconds": round(r.elapsed, 2),
        "msg_per_s": round(r.messages / r.elapsed, 1) if r.elapsed else 0,
        "statuses": r.statuses,
        "latency_ms_p50": round(pct(r.latencies, 0.50) * 1000, 2),
        "latency_ms_p99": round(pct(r.latencies, 0.99) * 1000, 2),
    }


def make_database(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}"
    admin_url = os.environ["COMPTOIR_TEST_PG_URL"]
    name = f"bench_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    engine.dispose()
    return sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def body_single(run: str) -> Any:
    def make(i: int) -> tuple[bytes, int]:
        return orjson.dumps(
            {
                "external_id": f"{run}-{i}",
                "author": {"external_id": f"u{i % 5000}", "handle": f"@u{i % 5000}", "followers": i % 9000},
                "text": "Bonjour, ma box ne fonctionne plus depuis ce matin, pouvez-vous m'aider ?",
                "sent_at": "2026-11-20T10:00:00Z",
                "visibility": "private" if i % 3 else "public",
            }
        ), 1

    return make


def body_batch(run: str, size: int) -> Any:
    single = body_single(run)

    def make(i: int) -> tuple[bytes, int]:
        items = [orjson.loads(single(i * size + k)[0]) for k in range(size)]
        return orjson.dumps(items), size

    return make


def seed_messages(db: Database, brand_id: int, account_id: int, target: int) -> None:
    """Bulk-insert conversations and messages directly (the query benchmark needs volume, not HTTP)."""
    now = datetime(2026, 11, 20, tzinfo=UTC)
    with db.read() as conn:
        have = conn.execute(sa.select(sa.func.count()).select_from(t.messages)).scalar_one()
        conv_base = conn.execute(
            sa.select(sa.func.coalesce(sa.func.max(t.conversations.c.id), 0))
        ).scalar_one()
    per_conv = 5
    chunk = 20_000
    n = have
    while n < target:
        convs = min(chunk // per_conv, (target - n) // per_conv + 1)
        with db.transaction() as tx:
            rows = []
            for k in range(convs):
                cid = conv_base + k + 1
                status = ("open", "pending", "resolved", "resolved", "open")[cid % 5]
                rows.append(
                    {
                        "id": cid,
                        "brand_id": brand_id,
                        "account_id": account_id,
                        "visibility": "private",
                        "status": status,
                        "priority": cid % 100,
                        "tags": [],
                        "waiting_since": now - timedelta(seconds=cid % 500_000) if status == "open" else None,
                        "last_activity_at": now - timedelta(seconds=cid % 700_000),
                        "created_at": now,
                    }
                )
            tx.conn.execute(sa.insert(t.conversations), rows)
            messages = [
                {
                    "account_id": account_id,
                    "conversation_id": row["id"],
                    "direction": "inbound",
                    "visibility": "private",
                    "external_id": f"seed-{row['id']}-{j}",
                    "text": "seeded message",
                    "attachments": [],
                    "sent_at": now,
                    "received_at": now,
                    "processing_state": "processed",
                    "delivery_attempts": 0,
                }
                for row in rows
                for j in range(per_conv)
            ]
            tx.conn.execute(sa.insert(t.messages), messages)
        conv_base += convs
        n += convs * per_conv
    if db.dialect == "postgresql":
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    else:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")


def time_inbox_query(db: Database, brand_id: int, repeats: int = 200) -> dict[str, Any]:
    query = inbox_query(brand_id, ConversationFilter(sort="waiting", limit=50))
    samples = []
    with db.read() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(t.messages)).scalar_one()
        for _ in range(repeats):
            t0 = time.perf_counter()
            rows = conn.execute(query).all()
            samples.append(time.perf_counter() - t0)
    assert len(rows) == 50
    return {
        "messages_stored": int(total),
        "query_ms_p50": round(pct(samples, 0.5) * 1000, 3),
        "query_ms_p95": round(pct(samples, 0.95) * 1000, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--rate", type=float, default=200.0, help="offered rate for the latency test")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument(
        "--processing",
        choices=["in-process", "worker"],
        default="in-process",
        help="run the pipeline inside the server, or in a separate `comptoir worker` process (PostgreSQL)",
    )
    parser.add_argument("--http-workers", type=int, default=1, help="uvicorn worker processes (PostgreSQL)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="comptoir-bench-"))
    url = make_database(args.db, workdir)
    db = Database(url)
    upgrade(db)
    brand_id = admin.create_brand(db, "Bench")
    account_id = int(admin.create_account(db, brand_id=brand_id, platform=Platform.API, handle="bench")["id"])
    token = admin.create_token(db, brand_id)
    port = 18000 + os.getpid() % 1000
    separate = args.processing == "worker" and args.db == "postgresql"
    env = {
        **os.environ,
        "COMPTOIR_DATABASE_URL": url,
        "COMPTOIR_DATA_DIR": str(workdir),
        "COMPTOIR_INPROCESS_WORKERS": "0" if separate else "1",
        "COMPTOIR_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "comptoir.cli", "serve", "--port", str(port)]
    if args.db == "postgresql":
        command += ["--workers", str(args.http_workers)]
    server = subprocess.Popen(command, env=env)
    worker = subprocess.Popen([sys.executable, "-m", "comptoir.cli", "worker"], env=env) if separate else None
    try:
        wait_for_port(port)
        path = f"/api/v1/accounts/{account_id}/messages"
        run = uuid.uuid4().hex[:6]
        out: dict[str, Any] = {
            "benchmark": "ingest",
            "database": args.db,
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}",
            "server": f"{args.http_workers} uvicorn process(es), pipeline "
            + ("in a separate `comptoir worker` process" if separate else "in the server process")
            + ", load generator on the same machine",
        }
        single = asyncio.run(
            closed_loop(
                "127.0.0.1", port, path, token, body_single(run + "s"), args.connections, args.duration
            )
        )
        out["single_posts"] = summary(single)
        batches = asyncio.run(
            closed_loop(
                "127.0.0.1", port, path, token, body_batch(run + "b", args.batch_size), 4, args.duration
            )
        )
        out["batches"] = {"batch_size": args.batch_size, **summary(batches)}
        time.sleep(2)
        fixed = asyncio.run(
            open_loop("127.0.0.1", port, path, token, body_single(run + "r"), args.rate, args.duration)
        )
        out["fixed_rate"] = {"offered_per_s": args.rate, **summary(fixed)}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
    out["inbox_query"] = []
    for size in [int(s) for s in args.sizes.split(",") if s]:
        seed_messages(db, brand_id, account_id, size)
        out["inbox_query"].append(time_inbox_query(db, brand_id))
    out["median_of"] = "single run; latencies are per-request percentiles"
    db.dispose()
    drop_database(args.db, url)
    print(json.dumps(out, indent=2))
    _ = statistics


def drop_database(kind: str, url: str) -> None:
    """Drop the benchmark's PostgreSQL database, ending its sessions first: a job runner's claim query over
    the backlog the benchmark left can run on in the server for minutes after its client is gone, and
    would eat the CPU of whatever runs next on this machine."""
    if kind != "postgresql":
        return
    engine = sa.create_engine(os.environ["COMPTOIR_TEST_PG_URL"], isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {sa.make_url(url).database} WITH (FORCE)")
    engine.dispose()


if __name__ == "__main__":
    main()
