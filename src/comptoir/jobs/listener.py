"""PostgreSQL LISTEN: wakes this process's workers and relays other processes' events to the local bus."""

from __future__ import annotations

import json
import logging
import threading

import psycopg
from sqlalchemy.engine import make_url

from comptoir.events import EVENTS_CHANNEL, JOBS_CHANNEL, PROCESS_ID, Event, bus

log = logging.getLogger(__name__)


def libpq_url(sqlalchemy_url: str) -> str:
    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def start_listener(sqlalchemy_url: str, stop: threading.Event) -> threading.Thread:
    """LISTEN on the jobs and events channels in a daemon thread until ``stop`` is set."""

    def run() -> None:
        while not stop.is_set():
            try:
                with psycopg.connect(libpq_url(sqlalchemy_url), autocommit=True) as conn:
                    conn.execute(f"LISTEN {JOBS_CHANNEL}")
                    conn.execute(f"LISTEN {EVENTS_CHANNEL}")
                    while not stop.is_set():
                        for notify in conn.notifies(timeout=1.0):
                            if notify.channel == JOBS_CHANNEL:
                                bus.jobs_available.set()
                            else:
                                _relay(notify.payload)
            except psycopg.Error:
                log.exception("LISTEN connection lost; reconnecting")
                stop.wait(1.0)

    thread = threading.Thread(target=run, name="comptoir-pg-listener", daemon=True)
    thread.start()
    return thread


def _relay(payload: str) -> None:
    try:
        data = json.loads(payload)
        if data.get("origin") == PROCESS_ID:
            return
        event = Event(kind=data["kind"], brand_id=data.get("brand_id"), data=data.get("data") or {})
    except (ValueError, KeyError):
        log.warning("ignoring malformed event notification")
        return
    bus.publish(event)
