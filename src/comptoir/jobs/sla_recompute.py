"""Re-evaluating a brand's SLA clocks after its policies changed.

Queued by :func:`comptoir.actions.sla.queue_recompute` in the same transaction as the policy change (edit,
move, delete); runs :func:`comptoir.actions.sla.recompute_brand`, which recomputes the brand's open, pending
and snoozed conversations in batches of 200 per transaction.
"""

from __future__ import annotations

from typing import Any

from comptoir.actions.sla import RECOMPUTE_JOB, recompute_brand
from comptoir.jobs.registry import handler
from comptoir.runtime import Runtime


@handler(RECOMPUTE_JOB)
def recompute_brand_job(runtime: Runtime, payload: dict[str, Any]) -> None:
    recompute_brand(runtime.db, int(payload["brand_id"]))
