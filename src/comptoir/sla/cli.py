"""`comptoir sla ...` commands."""

from __future__ import annotations

import sys

import typer

from comptoir.sla.contract import evaluate_lines

app = typer.Typer(help="sla commands.", no_args_is_help=True)


@app.command("evaluate")
def evaluate() -> None:
    """Evaluate SLA clocks: JSON Lines cases on stdin, one JSON result line per case on stdout (same order).

    Each case: {"calendar": {...}, "policy": {...}, "events": [...], "now": "...Z"}. An invalid case gets an
    {"error": {...}} line and the run goes on. Contract: docs/subsystems/sla.md.
    """
    out = sys.stdout.buffer
    for result in evaluate_lines(sys.stdin.buffer):
        out.write(result + b"\n")
        out.flush()
