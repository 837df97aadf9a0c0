"""`comptoir x poll`: X mentions by polling (degraded mode when webhooks are unavailable)."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer

from comptoir.commands.output import emit, guarded
from comptoir.runtime import build_runtime

x_app = typer.Typer(help="X accounts: degraded-mode polling.", no_args_is_help=True)


@x_app.command("poll")
def x_poll(
    account: int = typer.Option(..., "--account", help="X account id."),
    once: bool = typer.Option(False, "--once", help="Poll once and exit."),
    interval: float = typer.Option(60.0, "--interval", help="Seconds between polls (mind X's rate limits)."),
) -> None:
    """Fetch the account's mentions since the last one stored (GET /2/users/:id/mentions, since_id)."""
    from comptoir.channels.x_polling import poll_mentions_once, run_mentions_poller
    from comptoir.commands.server import configure_logging

    configure_logging()
    runtime = build_runtime()
    if once:
        emit(guarded(lambda: poll_mentions_once(runtime, account)).as_dict())
        return
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    run_mentions_poller(runtime, account, stop, interval)
