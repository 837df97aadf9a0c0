"""The database handle: engine creation (SQLite WAL or PostgreSQL), transactions with on-commit hooks."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)


@dataclass
class Tx:
    """One open transaction: a connection plus callbacks to run only once it has committed."""

    conn: Connection
    _after_commit: list[Callable[[], None]] = field(default_factory=list)

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` after a successful commit (events are published only then)."""
        self._after_commit.append(callback)


class Database:
    """Owns the SQLAlchemy engine. ``transaction()`` is the only way to write."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.engine: Engine = _create_engine(url, echo=echo, pool_size=pool_size)
        # SQLite has one writer at a time and its busy handler waits by sleeping (up to 100 ms a try): writers
        # of this process queue on a mutex instead, which hands the write lock over at once.
        self._write_lock = threading.RLock() if self.is_sqlite else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """A read-write transaction (``BEGIN IMMEDIATE`` on SQLite so writers queue instead of deadlocking).

        Callbacks registered with ``Tx.on_commit`` run after a successful commit, never after a rollback.
        """
        if self._write_lock is not None:
            self._write_lock.acquire()
        try:
            with self.engine.connect() as conn:
                conn.info["read_only"] = False
                tx = Tx(conn)
                with conn.begin():
                    yield tx
        finally:
            if self._write_lock is not None:
                self._write_lock.release()
        for callback in tx._after_commit:
            try:
                callback()
            except Exception:  # an after-commit hook must never undo a committed write
                log.exception("after-commit callback failed")

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only unit of work (a deferred transaction on SQLite, never taking the write lock)."""
        with self.engine.connect() as conn:
            conn.info["read_only"] = True
            with conn.begin():
                yield conn

    def dispose(self) -> None:
        self.engine.dispose()


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _create_engine(url: str, *, echo: bool, pool_size: int) -> Engine:
    json_options: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            **json_options,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=20,
        )
        _configure_sqlite(engine)
        return engine
    kwargs: dict[str, Any] = {"echo": echo, "pool_pre_ping": True, **json_options}
    if url.endswith("?nullpool=1"):
        url = url.removesuffix("?nullpool=1")
        kwargs["poolclass"] = NullPool
    else:
        kwargs.update(pool_size=pool_size, max_overflow=20)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, issue BEGIN, so that we can choose IMMEDIATE vs DEFERRED.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN" if conn.info.get("read_only") else "BEGIN IMMEDIATE")
