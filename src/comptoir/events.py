"""Events published after commit: an in-process bus (SSE, wake-ups) plus PostgreSQL NOTIFY across processes."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from comptoir.store.db import Tx

log = logging.getLogger(__name__)

JOBS_CHANNEL = "comptoir_jobs"
EVENTS_CHANNEL = "comptoir_events"
#: Identifies this process in NOTIFY payloads so that it does not relay its own events twice.
PROCESS_ID = uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    brand_id: int | None
    data: dict[str, Any] = field(default_factory=dict)


Subscriber = Callable[[Event], None]


class EventBus:
    """In-process publish/subscribe. Subscribers must be quick and must not raise."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()
        self.jobs_available = threading.Event()
        #: Set when SLA timers were added or moved (here or, through NOTIFY, in another process).
        self.timers_changed = threading.Event()

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, event: Event) -> None:
        if event.kind == "sla.timers_changed":
            self.timers_changed.set()
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber(event)
            except Exception:
                log.exception("event subscriber failed")


bus = EventBus()


def publish_on_commit(tx: Tx, event: Event) -> None:
    """Publish ``event`` once ``tx`` commits: locally, and to other processes through NOTIFY on PostgreSQL."""
    if tx.conn.dialect.name == "postgresql":
        payload = json.dumps(
            {"origin": PROCESS_ID, "kind": event.kind, "brand_id": event.brand_id, "data": event.data}
        )
        if len(payload) < 7000:
            tx.conn.exec_driver_sql("SELECT pg_notify(%s, %s)", (EVENTS_CHANNEL, payload))
    tx.on_commit(lambda: bus.publish(event))


def wake_workers_on_commit(tx: Tx) -> None:
    """Tell job runners (this process and, on PostgreSQL, all others) that new jobs are ready."""
    if tx.conn.dialect.name == "postgresql":
        tx.conn.exec_driver_sql("SELECT pg_notify(%s, '')", (JOBS_CHANNEL,))
    tx.on_commit(bus.jobs_available.set)
