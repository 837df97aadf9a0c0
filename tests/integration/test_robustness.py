"""Proofs of robustness: concurrent duplicate deliveries, and a server SIGKILLed in the middle of a stream."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import sqlalchemy as sa
from tests.conftest import ThreadedServer, free_port, wait_for_port
from tests.support import make_env, message

from comptoir.runtime import Runtime
from comptoir.store import tables as t
from comptoir.web.app import create_app


def test_fifty_concurrent_duplicate_deliveries_make_one_row(runtime: Runtime) -> None:
    _, account_id, token, _ = make_env(runtime)
    with ThreadedServer(create_app(runtime, run_jobs=False)) as server:
        url = f"{server.url}/api/v1/accounts/{account_id}/messages"
        body = message("dup-1")

        def post(_: int) -> httpx.Response:
            return httpx.post(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)

        with ThreadPoolExecutor(max_workers=50) as pool:
            responses = list(pool.map(post, range(50)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 49 + [202]
    assert len({r.json()["id"] for r in responses}) == 1
    with runtime.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.messages)).scalar_one() == 1
        assert conn.execute(sa.select(sa.func.count()).select_from(t.jobs)).scalar_one() == 1


def start_server(database_url: str, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "COMPTOIR_DATABASE_URL": database_url,
        "COMPTOIR_DATA_DIR": str(data_dir),
        "COMPTOIR_INPROCESS_WORKERS": "1",
        "COMPTOIR_JOB_POLL_SECONDS": "0.1",
        "COMPTOIR_WORKER_STALE_SECONDS": "2",
        "COMPTOIR_WORKER_HEARTBEAT_SECONDS": "0.5",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "comptoir.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, timeout=30)
    return process


def test_sigkill_during_a_stream_loses_nothing_acknowledged(runtime: Runtime, tmp_path: Path) -> None:
    _, account_id, token, _ = make_env(runtime)
    port = free_port()
    process = start_server(runtime.db.url, tmp_path, port)
    url = f"http://127.0.0.1:{port}/api/v1/accounts/{account_id}/messages"
    headers = {"Authorization": f"Bearer {token}"}
    acknowledged: list[str] = []
    attempted: list[str] = []
    stop = threading.Event()

    def stream() -> None:
        with httpx.Client(timeout=5) as client:
            for i in range(100_000):
                if stop.is_set():
                    return
                external_id = f"k{i}"
                attempted.append(external_id)
                try:
                    response = client.post(
                        url, json=message(external_id, author=f"a{i % 17}"), headers=headers
                    )
                except httpx.HTTPError:
                    return
                if response.status_code in (200, 202):
                    acknowledged.append(external_id)

    sender = threading.Thread(target=stream)
    sender.start()
    deadline = time.monotonic() + 40
    while len(acknowledged) < 120 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    stop.set()
    sender.join()
    assert len(acknowledged) >= 10, "the server acknowledged too little before the kill to prove anything"

    process = start_server(runtime.db.url, tmp_path, port)
    try:
        with httpx.Client(timeout=5) as client:  # the sender retries what was never acknowledged
            for external_id in attempted[len(acknowledged) :]:
                n = int(external_id[1:])
                client.post(url, json=message(external_id, author=f"a{n % 17}"), headers=headers)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            with runtime.db.read() as conn:
                pending = conn.execute(
                    sa.select(sa.func.count())
                    .select_from(t.messages)
                    .where(t.messages.c.processing_state != "processed")
                ).scalar_one()
            if pending == 0:
                break
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    with runtime.db.read() as conn:
        stored = set(conn.execute(sa.select(t.messages.c.external_id)).scalars())
        states = set(conn.execute(sa.select(t.messages.c.processing_state)).scalars())
        conversations = conn.execute(sa.select(sa.func.count()).select_from(t.conversations)).scalar_one()
        contacts = conn.execute(sa.select(sa.func.count()).select_from(t.contacts)).scalar_one()
    assert set(acknowledged) <= stored
    assert stored == set(attempted)
    assert states == {"processed"}
    authors = min(17, len(attempted))
    assert conversations == authors  # processed once: no duplicate conversation or contact
    assert contacts == authors
