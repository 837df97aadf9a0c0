"""Training a brand's triage model from its agents' corrections, queued from the triage settings page.

The same work as ``comptoir triage train --brand B --from-db``: the brand's corrections from the database, the
shared data sets when ``COMPTOIR_SHARED_DATA`` (default ``../shared/data``) names a folder, and
:func:`comptoir.triage.learning.train_brand_model`, which activates the candidate only when it scores better
on the brand's held-out corrections. One lock per brand: two trainings of one brand never run at once. The
report lands in the audit log (``triage.model_trained``) and beside the model (``report.json``).
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import select

from comptoir.actions import audit
from comptoir.actions.corrections import corrections_for_brand
from comptoir.domain.enums import JobStatus
from comptoir.errors import Conflict, ValidationFailed
from comptoir.jobs.queue import enqueue
from comptoir.jobs.registry import handler, on_dead
from comptoir.runtime import Runtime
from comptoir.store import tables as t
from comptoir.store.db import Database

TRAIN_JOB = "triage.train_brand"
#: Fewer corrections than this give a held-out part too small to compare two models on.
MIN_CORRECTIONS = 20
TRAINED = "triage.model_trained"
QUEUED = "triage.training_queued"
FAILED = "triage.training_failed"


def lock_of(brand_id: int) -> str:
    return f"triage-train:{brand_id}"


def shared_data_dir() -> Path | None:
    """The shared data folder the CLI reads (``COMPTOIR_SHARED_DATA``, default ``../shared/data``), if present."""
    folder = Path(os.environ.get("COMPTOIR_SHARED_DATA", "../shared/data"))
    return folder if folder.is_dir() else None


def pending_training(db: Database, brand_id: int) -> str | None:
    """ "todo" or "doing" while a training of the brand is queued or running, else None."""
    with db.read() as conn:
        rows = conn.execute(
            select(t.jobs.c.status).where(t.jobs.c.kind == TRAIN_JOB, t.jobs.c.lock == lock_of(brand_id))
        ).scalars()
        statuses = set(rows)
    if JobStatus.DOING.value in statuses:
        return JobStatus.DOING.value
    return JobStatus.TODO.value if statuses else None


def queue_training(db: Database, brand_id: int, *, actor: str) -> int:
    """Queue the brand's training; refused below :data:`MIN_CORRECTIONS` or while one is already queued."""
    count = len(corrections_for_brand(db, brand_id))
    if count < MIN_CORRECTIONS:
        raise ValidationFailed(
            f"brand {brand_id} has {count} triage corrections; training needs at least {MIN_CORRECTIONS}",
            details={"kind": "too_few_corrections", "corrections": count, "minimum": MIN_CORRECTIONS},
        )
    if pending_training(db, brand_id) is not None:
        raise Conflict(
            f"a training of brand {brand_id} is already queued or running",
            details={"kind": "training_pending"},
        )
    with db.transaction() as tx:
        enqueue(tx, TRAIN_JOB, {"brand_id": brand_id, "actor": actor}, lock=lock_of(brand_id))
        audit.record(tx, brand_id=brand_id, actor=actor, action=QUEUED, data={"corrections": count})
    return count


@handler(TRAIN_JOB)
def train_brand_job(runtime: Runtime, payload: dict[str, Any]) -> None:
    from comptoir.triage.learning import train_brand_model

    brand_id = int(payload["brand_id"])
    actor = str(payload.get("actor") or "system")
    items = corrections_for_brand(runtime.db, brand_id)
    if len(items) < MIN_CORRECTIONS:  # corrections can only grow, but say so rather than train on too few
        with runtime.db.transaction() as tx:
            audit.record(
                tx,
                brand_id=brand_id,
                actor=actor,
                action=FAILED,
                data={"error": f"{len(items)} corrections; training needs at least {MIN_CORRECTIONS}"},
            )
        return
    try:
        report = train_brand_model(str(brand_id), items, base_data_dir=shared_data_dir())
    except ValueError as exc:  # the data itself is refused: retrying would fail the same way
        with runtime.db.transaction() as tx:
            audit.record(tx, brand_id=brand_id, actor=actor, action=FAILED, data={"error": str(exc)[:1000]})
        return
    with runtime.db.transaction() as tx:
        audit.record(tx, brand_id=brand_id, actor=actor, action=TRAINED, data=asdict(report))


@on_dead(TRAIN_JOB)
def training_gave_up(runtime: Runtime, payload: dict[str, Any]) -> None:
    with runtime.db.transaction() as tx:
        audit.record(
            tx,
            brand_id=int(payload["brand_id"]),
            actor=str(payload.get("actor") or "system"),
            action=FAILED,
            data={"error": str(payload.get("error", ""))[:1000]},
        )
