"""`comptoir routing rule create` and `comptoir agent availability`: routing rules and agents' availability."""

from __future__ import annotations

import json
from typing import Any

import typer

from comptoir.actions import assignment, routing
from comptoir.commands.output import emit, guarded
from comptoir.errors import ValidationFailed
from comptoir.runtime import build_runtime

routing_app = typer.Typer(help="Routing: which team a conversation goes to.", no_args_is_help=True)
rule_app = typer.Typer(help="Routing rules (per brand, ordered, first match wins).", no_args_is_help=True)
routing_app.add_typer(rule_app, name="rule")
agent_app = typer.Typer(help="Agents: availability for assignment.", no_args_is_help=True)


def _json(text: str, field: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"--{field} is not valid JSON: {exc.msg}", details={"field": field}) from exc


@rule_app.command("create")
def rule_create(
    brand: int = typer.Option(..., "--brand", help="Brand id."),
    name: str = typer.Option(..., "--name", help="A name agents will read in the pipeline trail."),
    conditions: str = typer.Option(
        "{}",
        "--conditions",
        help="JSON: account_ids, account_kinds, regions, channels, visibility, intents, languages, "
        'priority_min, priority_max. Example: {"languages": ["fr"], "intents": ["complaint"]}',
    ),
    target: str = typer.Option(
        ..., "--target", help='JSON: {"team_id": N, "assign": "none"|"round_robin"|"load"|"skill"}'
    ),
    position: int | None = typer.Option(None, "--position", help="1 = first; default: last."),
) -> None:
    """Create a routing rule; prints the rule as JSON."""
    db = build_runtime().db
    emit(
        guarded(
            lambda: routing.create_rule(
                db, brand, name, _json(conditions, "conditions"), _json(target, "target"), position
            )
        )
    )


@rule_app.command("list")
def rule_list(brand: int = typer.Option(..., "--brand", help="Brand id.")) -> None:
    """List a brand's routing rules in order; prints JSON."""
    db = build_runtime().db
    with db.read() as conn:
        emit({"rules": [rule.to_dict() for rule in routing.list_rules(conn, brand)]})


@agent_app.command("availability")
def agent_availability(
    user: int = typer.Option(..., "--user", help="Agent (user) id."),
    set_: str = typer.Option(..., "--set", help="online, away or offline."),
) -> None:
    """Set an agent's availability; coming online assigns waiting conversations of its teams."""
    db = build_runtime().db
    emit(guarded(lambda: assignment.set_availability(db, user, set_)))
