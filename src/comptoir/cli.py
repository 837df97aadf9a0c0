"""The `comptoir` command: scripted administration is part of the contract; keep command names stable."""

from __future__ import annotations

import typer

from comptoir.commands import admin, demo, email, platform_apps, routing, server, users, x
from comptoir.replay.cli import replay_command
from comptoir.simulators.cli import app as simulate_app
from comptoir.sla.cli import app as sla_app
from comptoir.triage.cli import app as triage_app

app = typer.Typer(help="Comptoir, the social customer care desk.", no_args_is_help=True)
app.add_typer(triage_app, name="triage")
app.add_typer(sla_app, name="sla")
app.add_typer(simulate_app, name="simulate")
app.add_typer(admin.brand_app, name="brand")
app.add_typer(admin.account_app, name="account")
app.add_typer(admin.token_app, name="token")
app.add_typer(admin.team_app, name="team")
app.add_typer(users.user_app, name="user")
app.add_typer(routing.routing_app, name="routing")
app.add_typer(routing.agent_app, name="agent")
app.add_typer(platform_apps.platform_app_app, name="platform-app")
app.add_typer(email.email_app, name="email")
app.add_typer(x.x_app, name="x")
app.add_typer(server.db_app, name="db")
app.add_typer(server.jobs_app, name="jobs")
app.command("serve")(server.serve)
app.command("worker")(server.worker)
app.command("replay")(replay_command)
app.command("demo")(demo.demo)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
