"""`comptoir serve`, `comptoir worker`, `comptoir db upgrade`, `comptoir jobs …`."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import typer

from comptoir.commands.output import emit
from comptoir.runtime import build_runtime
from comptoir.settings import get_settings

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
jobs_app = typer.Typer(help="Background jobs and dead letters.", no_args_is_help=True)


def configure_logging() -> None:
    logging.basicConfig(
        level=get_settings().log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # httpx logs every request URL at INFO, and platform APIs carry access tokens in query strings:
    # tokens must never reach the logs.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def serve(
    host: str = typer.Option("127.0.0.1", envvar="COMPTOIR_HOST", help="Interface to listen on."),
    port: int = typer.Option(8000, envvar="COMPTOIR_PORT", help="TCP port."),
    workers: int = typer.Option(
        1, envvar="COMPTOIR_HTTP_WORKERS", help="HTTP worker processes (PostgreSQL only)."
    ),
) -> None:
    """Start the HTTP server (API, webhooks, pages); on SQLite it also runs the background jobs."""
    import uvicorn

    configure_logging()
    runtime = build_runtime()
    if runtime.db.is_sqlite or workers <= 1:
        from comptoir.web.app import create_app
        from comptoir.web.gc_tuning import tune_gc_for_serving

        app = create_app(runtime)
        tune_gc_for_serving()
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=3,  # open event streams must not hold a stop for long
        )
    else:
        uvicorn.run(
            "comptoir.web.asgi:app",
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=3,
        )


def worker() -> None:
    """Run a job worker until interrupted (any number, on any machine, with PostgreSQL)."""
    from comptoir.jobs.listener import start_listener
    from comptoir.jobs.worker import Worker

    configure_logging()
    runtime = build_runtime()
    w = Worker(runtime)
    stop = threading.Event()
    if not runtime.db.is_sqlite:
        start_listener(runtime.db.url, stop)

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()
        w.stop()

    from comptoir.jobs.timers import start_timer_thread

    timers = start_timer_thread(runtime)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    w.run_forever()
    timers.stop()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations up to the latest revision."""
    build_runtime(migrate=True)
    emit({"status": "ok"})


@jobs_app.command("status")
def jobs_status() -> None:
    """Counts of waiting, running and dead jobs."""
    from comptoir.jobs.queue import counts

    emit(counts(build_runtime().db))


@jobs_app.command("replay")
def jobs_replay(ids: list[int] = typer.Argument(None, help="Dead-letter ids (default: all).")) -> None:
    """Put dead-lettered jobs back in the queue."""
    from comptoir.jobs.queue import replay_dead_letters

    emit({"replayed": replay_dead_letters(build_runtime().db, ids or None)})


@jobs_app.command("dead")
def jobs_dead() -> None:
    """List dead letters not yet replayed."""
    from sqlalchemy import select

    from comptoir.clock import isoformat_z
    from comptoir.store import tables as t

    runtime = build_runtime()
    d = t.dead_letters
    with runtime.db.read() as conn:
        rows = conn.execute(select(d).where(d.c.replayed_at.is_(None)).order_by(d.c.id)).all()
    for r in rows:
        emit(
            {
                "id": r.id,
                "kind": r.kind,
                "payload": r.payload,
                "attempts": r.attempts,
                "error": r.last_error,
                "died_at": isoformat_z(r.died_at),
            }
        )
