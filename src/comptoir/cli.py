"""The `comptoir` command: scripted administration is part of the contract; keep command names stable."""

from __future__ import annotations

import typer

from comptoir.replay.cli import replay_command
from comptoir.sla.cli import app as sla_app
from comptoir.triage.cli import app as triage_app

app = typer.Typer(help="Comptoir, the social customer care desk.", no_args_is_help=True)
app.add_typer(triage_app, name="triage")
app.add_typer(sla_app, name="sla")
app.command("replay")(replay_command)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
