"""Shared fixtures: ../shared/data location, the frozen clock."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_data_dir() -> Path:
    """Return ../shared/data, or skip loudly where it is absent (fail in CI, where it must exist)."""
    if SHARED_DATA.is_dir():
        return SHARED_DATA
    message = f"../shared/data not found at {SHARED_DATA}: skipping a test that needs the shared data sets"
    if os.environ.get("COMPTOIR_REQUIRE_SHARED_DATA") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def shared_data() -> Path:
    return shared_data_dir()


# --- storage: every storage test runs on SQLite and on PostgreSQL ----------------------------------------

import socket  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import sqlalchemy as sa  # noqa: E402

from comptoir.runtime import Runtime  # noqa: E402
from comptoir.settings import Settings  # noqa: E402
from comptoir.store.db import Database  # noqa: E402
from comptoir.store.migrate import upgrade  # noqa: E402

PG_URL = os.environ.get("COMPTOIR_TEST_PG_URL")
_template_ready: dict[str, bool] = {}


def _pg_unavailable(reason: str) -> None:
    message = f"PostgreSQL not reachable ({reason}): SKIPPING the PostgreSQL half of the storage tests"
    if os.environ.get("COMPTOIR_REQUIRE_PG") == "1":
        pytest.fail(message)
    pytest.skip(message)


def _admin_engine() -> sa.Engine:
    assert PG_URL
    return sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def _ensure_template() -> None:
    if _template_ready.get("ok"):
        return
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("DROP DATABASE IF EXISTS comptoir_tpl WITH (FORCE)")
            conn.exec_driver_sql("CREATE DATABASE comptoir_tpl")
    finally:
        engine.dispose()
    db = Database(sa.make_url(PG_URL).set(database="comptoir_tpl").render_as_string(hide_password=False))
    upgrade(db)
    db.dispose()
    _template_ready["ok"] = True


def new_pg_database() -> str:
    """A fresh, migrated PostgreSQL database cloned from a template; returns its URL."""
    if not PG_URL:
        _pg_unavailable("COMPTOIR_TEST_PG_URL is not set")
    try:
        _ensure_template()
    except sa.exc.OperationalError as exc:
        _pg_unavailable(str(exc).splitlines()[0])
    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE comptoir_tpl")
    finally:
        engine.dispose()
    assert PG_URL
    return sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    name = sa.make_url(url).database
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'comptoir.db'}"
        return
    url = new_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


def make_settings(tmp_path: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path,
        "database_url": database_url,
        "job_backoff_base_seconds": 0.05,
        "job_backoff_max_seconds": 0.2,
        "job_poll_seconds": 0.05,
        "delivery_timeout_seconds": 2.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    settings = make_settings(tmp_path, database_url)
    db = Database(database_url)
    upgrade(db)
    try:
        yield Runtime(settings=settings, db=db)
    finally:
        db.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on port {port}")


class ThreadedServer:
    """A real uvicorn server on loopback in a thread (for tests that need real HTTP)."""

    def __init__(self, app: object) -> None:
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")  # type: ignore[arg-type]
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThreadedServer:
        self.thread.start()
        wait_for_port(self.port)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
