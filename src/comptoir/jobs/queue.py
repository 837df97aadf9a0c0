"""The job queue, stored in the ``jobs`` table.

Claiming uses ``FOR UPDATE SKIP LOCKED`` on PostgreSQL. Jobs sharing a ``lock`` run one at a time and in id
order: a job is claimable only when no earlier job of its lock is waiting or running, and a unique partial
index allows at most one running job per lock, so two workers racing for the same lock cannot both win.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import and_, delete, exists, insert, select, update
from sqlalchemy.exc import IntegrityError

from comptoir import clock
from comptoir.domain.enums import JobStatus
from comptoir.events import wake_workers_on_commit
from comptoir.store import tables as t
from comptoir.store.db import Database, Tx

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    payload: dict[str, Any]
    lock: str
    attempts: int


def enqueue(tx: Tx, kind: str, payload: dict[str, Any], *, lock: str, run_at: datetime | None = None) -> None:
    """Add one job in the caller's transaction; workers are woken after commit."""
    enqueue_many(tx, [(kind, payload, lock)], run_at=run_at)


def enqueue_many(
    tx: Tx, items: list[tuple[str, dict[str, Any], str]], *, run_at: datetime | None = None
) -> None:
    if not items:
        return
    now = clock.now()
    if tx.conn.dialect.name == "postgresql" and len(items) > 1:
        # One statement for all the jobs, their varying fields as one JSON document (orjson) read by
        # json_to_recordset: far cheaper than psycopg adapting arrays one Python value at a time. The
        # payload travels as JSON text in a string (a nested value with a \u0000 escape would be refused).
        document = orjson.dumps(
            [
                {"kind": kind, "payload": orjson.dumps(payload).decode(), "lock": lock}
                for kind, payload, lock in items
            ]
        )
        tx.conn.exec_driver_sql(
            "INSERT INTO jobs (kind, payload, lock, status, attempts, run_at, created_at) "
            "SELECT r.kind, r.payload::json, r.lock, %s, 0, %s::timestamptz, %s::timestamptz "
            "FROM json_to_recordset(%s::json) AS r(kind text, payload text, lock text)",
            (JobStatus.TODO.value, run_at or now, now, document.decode()),
        )
    else:
        rows = [
            {
                "kind": kind,
                "payload": payload,
                "lock": lock,
                "status": JobStatus.TODO.value,
                "attempts": 0,
                "run_at": run_at or now,
                "created_at": now,
            }
            for kind, payload, lock in items
        ]
        tx.conn.execute(insert(t.jobs), rows)
    wake_workers_on_commit(tx)


def claim(db: Database, worker_id: str) -> Job | None:
    """Take the next runnable job, or None. Marks it ``doing`` and commits before returning."""
    j = t.jobs
    earlier = t.jobs.alias("earlier")
    blocked = exists().where(
        and_(
            earlier.c.lock == j.c.lock,
            earlier.c.id < j.c.id,
            earlier.c.status.in_([JobStatus.TODO.value, JobStatus.DOING.value]),
        )
    )
    for _ in range(5):
        now = clock.now()
        query = (
            select(j.c.id, j.c.kind, j.c.payload, j.c.lock, j.c.attempts)
            .where(j.c.status == JobStatus.TODO.value, j.c.run_at <= now, ~blocked)
            .order_by(j.c.id)
            .limit(1)
        )
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=j)
        try:
            with db.transaction() as tx:
                row = tx.conn.execute(query).first()
                if row is None:
                    return None
                tx.conn.execute(
                    update(j)
                    .where(j.c.id == row.id)
                    .values(
                        status=JobStatus.DOING.value,
                        started_at=now,
                        worker_id=worker_id,
                        attempts=row.attempts + 1,
                    )
                )
        except IntegrityError:
            continue  # another worker started a job of the same lock first; look again
        return Job(row.id, row.kind, dict(row.payload), row.lock, row.attempts + 1)
    return None


def complete(db: Database, job: Job) -> None:
    with db.transaction() as tx:
        tx.conn.execute(delete(t.jobs).where(t.jobs.c.id == job.id))


def retry_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff: base, 2·base, 4·base … capped."""
    return float(min(cap, base * (2 ** max(0, attempt - 1))))


def fail(
    db: Database,
    job: Job,
    error: str,
    *,
    retryable: bool,
    max_attempts: int,
    backoff_base: float,
    backoff_max: float,
    retry_after: float | None = None,
) -> bool:
    """Record a failure: retry later with backoff, or move to the dead-letter table. Returns True if dead."""
    now = clock.now()
    with db.transaction() as tx:
        if retryable and job.attempts < max_attempts:
            delay = (
                retry_after
                if retry_after is not None
                else retry_delay(job.attempts, backoff_base, backoff_max)
            )
            tx.conn.execute(
                update(t.jobs)
                .where(t.jobs.c.id == job.id)
                .values(
                    status=JobStatus.TODO.value,
                    run_at=now + timedelta(seconds=delay),
                    worker_id=None,
                    last_error=error[:4000],
                )
            )
            wake_workers_on_commit(tx)
            return False
        tx.conn.execute(
            insert(t.dead_letters).values(
                job_id=job.id,
                kind=job.kind,
                payload=job.payload,
                lock=job.lock,
                attempts=job.attempts,
                last_error=error[:4000],
                died_at=now,
            )
        )
        tx.conn.execute(delete(t.jobs).where(t.jobs.c.id == job.id))
        wake_workers_on_commit(tx)  # later jobs of the same lock are unblocked
    log.error(
        "job %s (%s) moved to dead letters after %s attempts: %s", job.id, job.kind, job.attempts, error
    )
    return True


def release_stalled(db: Database, stale_before: datetime, *, only_worker: str | None = None) -> int:
    """Hand back ``doing`` jobs whose worker stopped heartbeating (or a given dead worker's jobs)."""
    w = t.workers
    alive = select(w.c.id).where(w.c.heartbeat_at >= stale_before)
    with db.transaction() as tx:
        condition = t.jobs.c.status == JobStatus.DOING.value
        if only_worker is not None:
            condition = and_(condition, t.jobs.c.worker_id == only_worker)
        else:
            condition = and_(condition, t.jobs.c.worker_id.not_in(alive))
        result = tx.conn.execute(
            update(t.jobs).where(condition).values(status=JobStatus.TODO.value, worker_id=None)
        )
        count = result.rowcount or 0
        tx.conn.execute(delete(w).where(w.c.heartbeat_at < stale_before))
        if count:
            wake_workers_on_commit(tx)
    if count:
        log.warning("released %s stalled job(s)", count)
    return count


def replay_dead_letters(db: Database, ids: list[int] | None = None) -> int:
    """Put dead-lettered jobs back in the queue (all not yet replayed, or the given ids)."""
    d = t.dead_letters
    now = clock.now()
    with db.transaction() as tx:
        query = select(d).where(d.c.replayed_at.is_(None)).order_by(d.c.id)
        if ids:
            query = query.where(d.c.id.in_(ids))
        rows = tx.conn.execute(query).all()
        enqueue_many(tx, [(r.kind, dict(r.payload), r.lock) for r in rows])
        if rows:
            tx.conn.execute(update(d).where(d.c.id.in_([r.id for r in rows])).values(replayed_at=now))
    return len(rows)


def counts(db: Database) -> dict[str, int]:
    with db.read() as conn:
        todo = conn.execute(select(t.jobs.c.status)).scalars().all()
        dead = conn.execute(select(t.dead_letters.c.id).where(t.dead_letters.c.replayed_at.is_(None))).all()
    result = {"todo": 0, "doing": 0, "dead": len(dead)}
    for status in todo:
        result[status] = result.get(status, 0) + 1
    return result
