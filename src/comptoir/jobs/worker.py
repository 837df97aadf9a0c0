"""The job runner: `comptoir worker` processes, or threads inside `comptoir serve`."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta

from sqlalchemy import insert, update
from sqlalchemy.exc import DBAPIError

from comptoir import clock
from comptoir.errors import DeliveryFailed
from comptoir.events import bus
from comptoir.jobs import queue
from comptoir.jobs.registry import ON_DEAD, load_handlers
from comptoir.runtime import Runtime
from comptoir.store import tables as t

log = logging.getLogger(__name__)
RETRY_SECONDS = 1.0  # pause after a database error before the worker tries again


class Worker:
    """Claims jobs one at a time and runs their handlers; retries with backoff; dead-letters at the end."""

    def __init__(self, runtime: Runtime, worker_id: str | None = None) -> None:
        self.runtime = runtime
        self.id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.handlers = load_handlers()
        self.stop_event = threading.Event()
        self._last_heartbeat = 0.0

    # -- lifecycle -------------------------------------------------------------------------------
    def register(self) -> None:
        now = clock.now()
        with self.runtime.db.transaction() as tx:
            tx.conn.execute(
                insert(t.workers).values(
                    id=self.id,
                    hostname=socket.gethostname(),
                    pid=os.getpid(),
                    started_at=now,
                    heartbeat_at=now,
                )
            )

    def heartbeat(self) -> None:
        now = clock.now()
        if now.timestamp() - self._last_heartbeat < self.runtime.settings.worker_heartbeat_seconds:
            return
        self._last_heartbeat = now.timestamp()
        with self.runtime.db.transaction() as tx:
            tx.conn.execute(update(t.workers).where(t.workers.c.id == self.id).values(heartbeat_at=now))
        stale = now - timedelta(seconds=self.runtime.settings.worker_stale_seconds)
        queue.release_stalled(self.runtime.db, stale)

    def run_forever(self) -> None:
        self.register()
        log.info("worker %s started", self.id)
        try:
            while not self.stop_event.is_set():
                try:
                    self.heartbeat()
                    if not self.run_one():
                        bus.jobs_available.wait(self.runtime.settings.job_poll_seconds)
                        bus.jobs_available.clear()
                except DBAPIError as exc:
                    # The database went away (restart, failover, connection killed): keep the worker alive and
                    # try again; a job it held is handed back when this worker is seen as stale.
                    if self.stop_event.is_set():
                        break
                    log.warning(
                        "worker %s: database error, retrying in %.0f s: %s", self.id, RETRY_SECONDS, exc
                    )
                    self.stop_event.wait(RETRY_SECONDS)
        finally:
            try:
                queue.release_stalled(self.runtime.db, clock.now(), only_worker=self.id)
            except DBAPIError as exc:
                log.warning(
                    "worker %s could not hand back its jobs at stop (%s); they are released once it is stale",
                    self.id,
                    exc,
                )

    def stop(self) -> None:
        self.stop_event.set()
        bus.jobs_available.set()

    # -- work ------------------------------------------------------------------------------------
    def run_one(self) -> bool:
        """Run one job if one is ready. Returns False when the queue had nothing runnable."""
        job = queue.claim(self.runtime.db, self.id)
        if job is None:
            return False
        settings = self.runtime.settings
        handler = self.handlers.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            handler(self.runtime, job.payload)
        except DeliveryFailed as exc:
            retry_after = exc.details.get("retry_after_seconds")
            dead = queue.fail(
                self.runtime.db,
                job,
                f"{exc.code}: {exc.message}",
                retryable=exc.retryable,
                max_attempts=settings.job_max_attempts,
                backoff_base=settings.job_backoff_base_seconds,
                backoff_max=settings.job_backoff_max_seconds,
                retry_after=float(retry_after) if retry_after is not None else None,
            )
            if dead:
                self._on_dead(job, exc.message)
        except Exception as exc:
            log.exception("job %s (%s) failed", job.id, job.kind)
            dead = queue.fail(
                self.runtime.db,
                job,
                f"{type(exc).__name__}: {exc}",
                retryable=handler is not None,
                max_attempts=settings.job_max_attempts,
                backoff_base=settings.job_backoff_base_seconds,
                backoff_max=settings.job_backoff_max_seconds,
            )
            if dead:
                self._on_dead(job, f"{type(exc).__name__}: {exc}")
        else:
            queue.complete(self.runtime.db, job)
        return True

    def _on_dead(self, job: queue.Job, error: str) -> None:
        callback = ON_DEAD.get(job.kind)
        if callback is None:
            return
        try:
            callback(self.runtime, {**job.payload, "error": error})
        except Exception:
            log.exception("dead-letter hook for job %s failed", job.id)

    def run_until_idle(self, max_jobs: int = 1_000_000) -> int:
        """Run jobs until none is ready (tests, one-shot processing). Returns how many ran."""
        done = 0
        while done < max_jobs and self.run_one():
            done += 1
        return done


def start_in_threads(runtime: Runtime, count: int) -> list[Worker]:
    """Start ``count`` worker threads in this process (SQLite: always exactly one writer thread is enough)."""
    workers = []
    for index in range(count):
        worker = Worker(runtime)
        thread = threading.Thread(target=worker.run_forever, name=f"comptoir-worker-{index}", daemon=True)
        thread.start()
        workers.append(worker)
    return workers
