"""Garbage-collector settings for a serving process (``comptoir serve``, each of its worker processes).

A request that ingests a batch allocates thousands of container objects (validated items, domain messages,
rows) that are still alive when the next young-generation collection runs, so CPython promotes them and soon
starts a full collection, which walks every object the process holds: the ~170,000 created at import (FastAPI,
SQLAlchemy, the triage model…). Measured on the batch benchmark, full collections took ~40% of the server's
CPU (~95 ms each, a few per second). Two standard settings fix that:

* :func:`gc.freeze` once the app is built: what exists then (modules, app, caches) moves to a permanent
  generation that collections no longer walk (garbage of start-up is collected just before);
* a young-generation threshold of 10,000 allocations instead of 700, so a request's objects usually die
  before a collection sees them.

Only serving processes call this (tests build many apps in one process and must not freeze their garbage).
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000


def tune_gc_for_serving() -> None:
    """Collect, freeze what exists (start-up objects), and raise the young-generation threshold."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
