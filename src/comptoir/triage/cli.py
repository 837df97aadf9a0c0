"""`comptoir triage ...` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="triage commands.", no_args_is_help=True)
