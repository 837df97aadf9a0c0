"""The job queue: no job done twice with concurrent workers, order within a lock, stalled work handed back."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from comptoir import clock
from comptoir.jobs import queue
from comptoir.jobs.registry import HANDLERS
from comptoir.jobs.worker import Worker
from comptoir.runtime import Runtime
from comptoir.store import tables as t

done: list[tuple[str, int]] = []
done_lock = threading.Lock()


def _record(_runtime: Runtime, payload: dict[str, Any]) -> None:
    with done_lock:
        done.append((payload["lock"], payload["n"]))


@pytest.fixture(autouse=True)
def test_handler() -> Any:
    done.clear()
    HANDLERS["test_record"] = _record
    yield
    HANDLERS.pop("test_record", None)


def enqueue_backlog(runtime: Runtime, locks: int, per_lock: int) -> None:
    with runtime.db.transaction() as tx:
        items = [
            ("test_record", {"lock": f"L{lock}", "n": n}, f"L{lock}")
            for n in range(per_lock)
            for lock in range(locks)
        ]
        queue.enqueue_many(tx, items)


def test_two_workers_never_do_a_job_twice_and_keep_order_per_lock(runtime: Runtime) -> None:
    enqueue_backlog(runtime, locks=20, per_lock=15)
    workers = [Worker(runtime, f"w{i}") for i in range(2 if runtime.db.is_sqlite else 4)]
    threads = [threading.Thread(target=w.run_until_idle) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    Worker(runtime).run_until_idle()  # anything a racing worker left for later
    assert len(done) == 300
    assert max(Counter(done).values()) == 1
    for lock in range(20):
        order = [n for (name, n) in done if name == f"L{lock}"]
        assert order == sorted(order)


def test_a_running_job_blocks_later_jobs_of_its_lock(runtime: Runtime) -> None:
    enqueue_backlog(runtime, locks=1, per_lock=2)
    first = queue.claim(runtime.db, "w1")
    assert first is not None and first.payload["n"] == 0
    assert queue.claim(runtime.db, "w2") is None
    queue.complete(runtime.db, first)
    second = queue.claim(runtime.db, "w2")
    assert second is not None and second.payload["n"] == 1


def test_jobs_of_a_dead_worker_are_handed_back(runtime: Runtime) -> None:
    enqueue_backlog(runtime, locks=1, per_lock=1)
    ghost = Worker(runtime, "ghost")
    ghost.register()
    assert queue.claim(runtime.db, "ghost") is not None
    assert queue.claim(runtime.db, "other") is None
    later = clock.now() + timedelta(seconds=60)
    with clock.frozen(later):
        assert queue.release_stalled(runtime.db, later - timedelta(seconds=30)) == 1
    job = queue.claim(runtime.db, "other")
    assert job is not None and job.attempts == 2
    with runtime.db.read() as conn:
        assert conn.execute(sa.select(t.workers.c.id)).all() == []


def _wait_for(condition: Any, timeout: float = 20.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_a_worker_survives_its_database_going_away(runtime: Runtime) -> None:
    """A database restart or failover: the worker's connections die and new ones are refused for a while. The
    worker retries and goes on; stopped while the database is away, it ends cleanly (its jobs are handed back
    once it is stale). Nothing is lost."""
    if runtime.db.is_sqlite:
        pytest.skip("taking the database away needs PostgreSQL")
    url = runtime.db.engine.url
    admin = sa.create_engine(
        url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
    )

    def database_away(away: bool) -> None:
        with admin.connect() as conn:
            conn.execute(
                sa.text(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS {str(not away).lower()}')
            )
            if away:
                conn.execute(
                    sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db"),
                    {"db": url.database},
                )

    errors: list[BaseException] = []
    worker = Worker(runtime, "survivor")
    thread = threading.Thread(target=lambda: _guarded(worker.run_forever, errors), daemon=True)
    thread.start()
    try:
        enqueue_backlog(runtime, locks=1, per_lock=1)
        _wait_for(lambda: len(done) == 1)
        database_away(True)
        import time

        time.sleep(2.5)  # the worker meets refused connections and keeps retrying
        assert thread.is_alive() and errors == []
        database_away(False)
        with runtime.db.transaction() as tx:
            queue.enqueue_many(tx, [("test_record", {"lock": "L0", "n": 1}, "L0")])
        _wait_for(lambda: len(done) == 2)
        database_away(True)
        worker.stop()
        thread.join(timeout=10)
    finally:
        database_away(False)
        worker.stop()
        admin.dispose()
    assert not thread.is_alive() and errors == []
    assert done == [("L0", 0), ("L0", 1)]


def _guarded(target: Any, errors: list[BaseException]) -> None:
    try:
        target()
    except BaseException as exc:  # the test checks that the worker thread never dies of an exception
        errors.append(exc)
