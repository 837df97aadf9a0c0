"""`comptoir replay FILE --account ID --url URL --token T [--speed N|max] [--batch N]`."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

from comptoir.errors import ComptoirError, ValidationFailed
from comptoir.replay.sender import ReplayOptions, ReplaySummary, run_replay
from comptoir.replay.sources import ReplayFormat, ReplaySource
from comptoir.replay.timing import parse_speed


def parse_account_map(pairs: list[str]) -> dict[str, str]:
    """``["care=2", "corporate=1"]`` → ``{"care": "2", "corporate": "1"}``."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        label, sep, account_id = pair.partition("=")
        if not sep or not label.strip() or not account_id.strip():
            raise ValidationFailed(f"--account-map expects LABEL=ID, got {pair!r}")
        mapping[label.strip()] = account_id.strip()
    return mapping


def replay_command(
    file: Path = typer.Argument(
        ..., help="A TWCS CSV (Customer Support on Twitter) or JSON Lines file (.gz ok)."
    ),
    account: str = typer.Option(..., "--account", help="Account id that receives every message."),
    url: str = typer.Option("http://127.0.0.1:8000", "--url", help="Base URL of the Comptoir server."),
    token: str = typer.Option(
        ..., "--token", envvar="COMPTOIR_TOKEN", help="API token of the account's brand."
    ),
    speed: str = typer.Option(
        "max",
        "--speed",
        help="'max' = as fast as the server takes them; N = N times faster than the timestamps.",
    ),
    batch: int = typer.Option(1, "--batch", help="Messages per request; above 1, JSON arrays (max 1000)."),
    concurrency: int = typer.Option(
        8, "--concurrency", help="Requests in flight at once (1 = strict order)."
    ),
    retries: int = typer.Option(10, "--retries", help="Retries on connection errors, timeouts, 429 and 5xx."),
    max_gap: float | None = typer.Option(
        None, "--max-gap", help="Cap any single wait between two messages at this many seconds (paced mode)."
    ),
    limit: int | None = typer.Option(None, "--limit", help="Send only the first N messages."),
    account_map: list[str] = typer.Option(
        [],
        "--account-map",
        help='LABEL=ID: send JSON Lines records whose "account" field is LABEL to account ID (repeatable; '
        "the demo corpus uses corporate, care, region-north, region-south). Others go to --account.",
    ),
    restamp: bool = typer.Option(
        False,
        "--restamp",
        help="Set each message's sent_at to the moment it is sent (an old stream looks live).",
    ),
    fmt: ReplayFormat | None = typer.Option(
        None, "--format", help="Force the format instead of detecting it."
    ),
    progress: bool | None = typer.Option(
        None, "--progress/--no-progress", help="Progress bar on stderr (default: when stderr is a terminal)."
    ),
) -> None:
    """Replay a real message stream through the public HTTP ingestion API; prints a JSON summary on stdout."""
    console = Console(stderr=True)
    try:
        options = ReplayOptions(
            speed=parse_speed(speed),
            batch=batch,
            concurrency=concurrency,
            max_retries=retries,
            max_gap_s=max_gap,
            limit=limit,
            restamp=restamp,
        )
        mapping = parse_account_map(account_map)
        source = ReplaySource(file, fmt)
    except ComptoirError as error:
        console.print(f"[red]error:[/red] {error.message}")
        raise typer.Exit(2) from error

    show = sys.stderr.isatty() if progress is None else progress
    with (
        source,
        Progress(
            TextColumn("[bold]replay[/bold] {task.description}"),
            BarColumn(bar_width=24),
            DownloadColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not show,
        ) as bar,
    ):
        task = bar.add_task("", total=source.size or None)

        def on_progress(summary: ReplaySummary) -> None:
            bar.update(
                task,
                completed=source.bytes_read,
                description=(
                    f"{summary.sent} sent · {summary.accepted} new · {summary.duplicates} dup"
                    f" · {summary.errors} err"
                ),
            )

        try:
            summary = run_replay(
                source,
                url=url,
                token=token,
                account=mapping or account,
                default_account=account,
                options=options,
                on_progress=on_progress,
            )
        except ComptoirError as error:
            console.print(f"[red]error:[/red] {error.message}")
            raise typer.Exit(2) from error
        on_progress(summary)
        bar.update(task, completed=source.size)

    for sample in summary.error_samples:
        console.print(f"[red]error:[/red] {sample}", markup=False, highlight=False)
    if summary.errors > len(summary.error_samples):
        console.print(f"... and {summary.errors - len(summary.error_samples)} more errors")
    sys.stdout.write(orjson.dumps(summary.to_dict()).decode() + "\n")
    sys.stdout.flush()
    if summary.errors:
        raise typer.Exit(1)
