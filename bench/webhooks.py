"""Webhook benchmark: signed Meta webhooks accepted *and stored* on PostgreSQL, against a bare ASGI endpoint.

Measures, in the same run and on the same machine (load generator included):
* ``comptoir``: ``POST /webhooks/meta/<app>`` of a real ``comptoir serve`` (signature verified over the raw
  body, parsed, routed to the Page, message + processing job committed before the 200);
* ``bare``: a bare ASGI app under the same uvicorn that only answers 200 (the ceiling of this machine).
For each: closed-loop throughput (``--connections`` clients as fast as answers come) and the
acknowledgement latency p50/p99 at a fixed offered rate (``--rate``, default 500/s).

Usage:
    COMPTOIR_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:55432/postgres \\
        .venv/bin/python bench/webhooks.py [--duration 10] [--rate 500] [--connections 32]
Prints one JSON document on stdout. Processing jobs are queued but not run during the measure
(``COMPTOIR_INPROCESS_WORKERS=0``): this measures the edge, as bench/ingest.py does for the API.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import Connection as Conn
from loadgen import Results

from comptoir.actions import admin
from comptoir.channels.apps import create_platform_app
from comptoir.domain.enums import Platform
from comptoir.settings import Settings
from comptoir.store import tables as t
from comptoir.store.db import Database
from comptoir.store.migrate import upgrade

APP_SECRET = "bench-app-secret"
PAGE_ID = "1122334455"
SECRET_KEY = "bench-secret-key"


Maker = Callable[[int], tuple[bytes, dict[str, str]]]


def signed_dm(run: str) -> Maker:
    def make(i: int) -> tuple[bytes, dict[str, str]]:
        now_ms = int(time.time() * 1000)
        payload = {
            "object": "page",
            "entry": [
                {
                    "id": PAGE_ID,
                    "time": now_ms,
                    "messaging": [
                        {
                            "sender": {"id": f"{7000 + i % 500}"},
                            "recipient": {"id": PAGE_ID},
                            "timestamp": now_ms,
                            "message": {"mid": f"m_{run}_{i}", "text": f"hello, my order {i} is late"},
                        }
                    ],
                }
            ],
        }
        body = json.dumps(payload, separators=(",", ":")).encode()
        signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        return body, {"X-Hub-Signature-256": signature}

    return make


async def closed_loop(port: int, path: str, make: Maker, connections: int, duration: float) -> Results:
    results = Results()
    counter = iter(range(10**12))
    conns = [Conn("127.0.0.1", port) for _ in range(connections)]
    await asyncio.gather(*(c.open() for c in conns))
    start = time.perf_counter()
    end = start + duration

    async def client(conn: Conn) -> None:
        while time.perf_counter() < end:
            body, headers = make(next(counter))
            t0 = time.perf_counter()
            status = await conn.post(path, body, headers=headers)
            results.latencies.append(time.perf_counter() - t0)
            results.statuses[status] = results.statuses.get(status, 0) + 1
            results.messages += status == 200

    await asyncio.gather(*(client(c) for c in conns))
    results.elapsed = time.perf_counter() - start
    for c in conns:
        c.close()
    return results


async def open_loop(
    port: int, path: str, make: Maker, rate: float, duration: float, connections: int = 64
) -> Results:
    results = Results()
    pool: asyncio.Queue[Conn] = asyncio.Queue()
    for _ in range(connections):
        conn = Conn("127.0.0.1", port)
        await conn.open()
        pool.put_nowait(conn)
    start = time.perf_counter()
    tasks = []

    async def one(i: int, scheduled: float) -> None:
        conn = await pool.get()
        body, headers = make(i)
        status = await conn.post(path, body, headers=headers)
        results.latencies.append(time.perf_counter() - scheduled)
        results.statuses[status] = results.statuses.get(status, 0) + 1
        results.messages += status == 200
        pool.put_nowait(conn)

    for i in range(int(rate * duration)):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, scheduled)))
    await asyncio.gather(*tasks)
    results.elapsed = time.perf_counter() - start
    while not pool.empty():
        pool.get_nowait().close()
    return results


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def summary(r: Results) -> dict[str, Any]:
    return {
        "accepted": r.messages,
        "seconds": round(r.elapsed, 2),
        "per_s": round(r.messages / r.elapsed, 1) if r.elapsed else 0,
        "statuses": r.statuses,
        "latency_ms_p50": round(pct(r.latencies, 0.50) * 1000, 2),
        "latency_ms_p99": round(pct(r.latencies, 0.99) * 1000, 2),
    }


async def bare_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The ceiling: read the body, answer 200 with a small JSON body."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"15")],
        }
    )
    await send({"type": "http.response.body", "body": b'{"status":"ok"}'})


def wait_port(port: int, timeout: float = 30.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing on port {port}")


def measure(port: int, path: str, make: Callable[[str], Maker], args: argparse.Namespace) -> dict[str, Any]:
    """Warm-up, closed-loop throughput, then latency at the offered rate (each phase with its own ids)."""
    asyncio.run(closed_loop(port, path, make("w"), 8, 1.0))
    throughput = asyncio.run(closed_loop(port, path, make("t"), args.connections, args.duration))
    time.sleep(1)
    fixed = asyncio.run(open_loop(port, path, make("r"), args.rate, args.duration))
    return {"throughput": summary(throughput), "fixed_rate": {"offered_per_s": args.rate, **summary(fixed)}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--http-workers", type=int, default=1, help="comptoir serve --workers (PostgreSQL)")
    parser.add_argument("--serve-bare", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        import uvicorn

        uvicorn.run(bare_app, host="127.0.0.1", port=args.serve_bare, log_level="warning", access_log=False)
        return

    admin_url = os.environ["COMPTOIR_TEST_PG_URL"]
    name = f"bench_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    engine.dispose()
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    upgrade(db)
    settings = Settings(database_url=url, secret_key=SECRET_KEY)  # type: ignore[call-arg]
    brand = admin.create_brand(db, "Bench")
    app_id = create_platform_app(
        db, settings, platform="meta", name="bench", secrets={"app_secret": APP_SECRET, "verify_token": "v"}
    )["id"]
    admin.create_account(
        db, brand_id=brand, platform=Platform.FACEBOOK, handle="Bench", external_id=PAGE_ID, app_id=app_id
    )
    workdir = Path(tempfile.mkdtemp(prefix="comptoir-bench-"))
    port = 19000 + os.getpid() % 500
    bare_port = port + 500
    env = {
        **os.environ,
        "COMPTOIR_DATABASE_URL": url,
        "COMPTOIR_DATA_DIR": str(workdir),
        "COMPTOIR_SECRET_KEY": SECRET_KEY,
        "COMPTOIR_INPROCESS_WORKERS": "0",
        "COMPTOIR_LOG_LEVEL": "WARNING",
    }
    out: dict[str, Any] = {
        "benchmark": "webhooks",
        "database": "postgresql",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "setup": f"comptoir: {args.http_workers} uvicorn process(es), bare: 1; load generator on the same "
        "machine; one Messenger message per webhook",
    }
    run = uuid.uuid4().hex[:6]
    command = [
        sys.executable,
        "-m",
        "comptoir.cli",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(args.http_workers),
    ]
    server = subprocess.Popen(command, env=env)
    try:
        wait_port(port)
        out["comptoir"] = measure(
            port, f"/webhooks/meta/{app_id}", lambda phase: signed_dm(run + phase), args
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    with db.read() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(t.messages)).scalar_one()
        jobs = conn.execute(sa.select(sa.func.count()).select_from(t.jobs)).scalar_one()
        # One group commit stamps one received_at on all its messages.
        transactions = conn.execute(
            sa.select(sa.func.count(sa.distinct(t.messages.c.received_at)))
        ).scalar_one()
    accepted = out["comptoir"]["throughput"]["accepted"] + out["comptoir"]["fixed_rate"]["accepted"]
    out["comptoir"]["stored_messages"] = stored
    out["comptoir"]["queued_jobs"] = jobs
    out["comptoir"]["stored_minus_acknowledged"] = stored - accepted  # the warm-up's deliveries
    out["comptoir"]["messages_per_transaction"] = round(stored / max(transactions, 1), 1)
    bare = subprocess.Popen([sys.executable, __file__, "--serve-bare", str(bare_port)])
    try:
        wait_port(bare_port)
        out["bare_asgi"] = measure(bare_port, "/", lambda phase: signed_dm(run + "b" + phase), args)
    finally:
        bare.send_signal(signal.SIGTERM)
        bare.wait(timeout=30)
    out["ratio_to_bare"] = round(
        out["comptoir"]["throughput"]["per_s"] / max(out["bare_asgi"]["throughput"]["per_s"], 1e-9), 3
    )
    db.dispose()
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    engine.dispose()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
