"""`comptoir email configure` and `comptoir email poll`: connect a mailbox and fetch its mail."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer

from comptoir.commands.output import emit, guarded
from comptoir.runtime import build_runtime

email_app = typer.Typer(help="Email accounts: IMAP in, SMTP out.", no_args_is_help=True)


@email_app.command("configure")
def email_configure(
    account: int = typer.Option(
        ..., "--account", help="Email account id (comptoir account create --platform email)."
    ),
    imap_host: str | None = typer.Option(None, "--imap-host"),
    imap_port: int | None = typer.Option(None, "--imap-port"),
    imap_security: str | None = typer.Option(None, "--imap-security", help="ssl, starttls or none."),
    imap_user: str | None = typer.Option(None, "--imap-user", help="Default: the account address."),
    imap_password: str | None = typer.Option(None, "--imap-password", help="Encrypted at rest."),
    imap_mailbox: str | None = typer.Option(None, "--imap-mailbox", help="Default: INBOX."),
    smtp_host: str | None = typer.Option(None, "--smtp-host"),
    smtp_port: int | None = typer.Option(None, "--smtp-port"),
    smtp_security: str | None = typer.Option(None, "--smtp-security", help="ssl, starttls or none."),
    smtp_user: str | None = typer.Option(None, "--smtp-user"),
    smtp_password: str | None = typer.Option(None, "--smtp-password", help="Encrypted at rest."),
    from_name: str | None = typer.Option(None, "--from-name", help="Display name of replies."),
    domain: str | None = typer.Option(None, "--domain", help="Message-ID domain (default: the address's)."),
    poll_interval: float | None = typer.Option(None, "--poll-interval", help="Seconds, without IMAP IDLE."),
) -> None:
    """Store the mailbox's IMAP/SMTP settings; prints them without the passwords."""
    from comptoir.channels.email.service import configure_email_account

    runtime = build_runtime()
    values = {
        "imap_host": imap_host,
        "imap_port": imap_port,
        "imap_security": imap_security,
        "imap_username": imap_user,
        "imap_password": imap_password,
        "imap_mailbox": imap_mailbox,
        "smtp_host": smtp_host,
        "smtp_port": smtp_port,
        "smtp_security": smtp_security,
        "smtp_username": smtp_user,
        "smtp_password": smtp_password,
        "from_name": from_name,
        "domain": domain,
        "poll_interval": poll_interval,
    }
    emit(
        guarded(
            lambda: configure_email_account(
                runtime, account, {k: v for k, v in values.items() if v is not None}
            )
        )
    )


@email_app.command("poll")
def email_poll(
    account: list[int] = typer.Option(
        None, "--account", help="Account id (repeatable; default: every email account)."
    ),
    once: bool = typer.Option(False, "--once", help="Fetch once and exit (cron) instead of running."),
    from_now: bool = typer.Option(False, "--from-now", help="Skip the mail already in the mailbox."),
) -> None:
    """Fetch mail into Comptoir: IMAP IDLE (or polling) until interrupted, or once with --once."""
    from comptoir.channels.email.service import email_account_ids, poll_account_once, run_pollers
    from comptoir.commands.server import configure_logging

    configure_logging()
    runtime = build_runtime()
    ids = list(account or []) or email_account_ids(runtime)
    if once or from_now:
        emit({str(i): guarded(lambda i=i: poll_account_once(runtime, i, from_now=from_now)) for i in ids})  # type: ignore[misc]
        return
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    threads = guarded(lambda: run_pollers(runtime, stop, ids))
    emit({"polling": ids})
    for thread in threads:
        while thread.is_alive():
            thread.join(timeout=1.0)
