"""`comptoir sla ...` commands."""

from __future__ import annotations

import sys

import typer

from comptoir.sla.contract import evaluate_lines

app = typer.Typer(help="Response-time targets: calendars, policies, acknowledgement rules, evaluate.", no_args_is_help=True)


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


calendar_app = typer.Typer(help="Business calendars.", no_args_is_help=True)
policy_app = typer.Typer(help="SLA policies (ordered; the first match applies).", no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")
app.add_typer(policy_app, name="policy")


def _json_option(value: str, what: str) -> dict[str, object]:
    import json
    from pathlib import Path

    text = Path(value[1:]).read_text(encoding="utf-8") if value.startswith("@") else value
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{what} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise typer.BadParameter(f"{what} must be a JSON object")
    return data


@calendar_app.command("set")
def calendar_set(
    brand: int = typer.Option(..., "--brand", help="Brand id."),
    spec: str = typer.Option(
        ...,
        "--spec",
        help='Calendar JSON (or @file): {"timezone": "Europe/Paris", "hours": {"mon": [["09:00","18:00"]]}, '
        '"holidays": ["2026-12-24"], "holiday_country": "FR", "exceptional_openings": {"2026-12-27": [["10:00","16:00"]]}}',
    ),
    account: int | None = typer.Option(None, "--account", help="Override for one account."),
) -> None:
    """Set the business calendar of a brand (or of one of its accounts)."""
    from comptoir.actions.sla import set_calendar
    from comptoir.commands.output import emit, guarded
    from comptoir.runtime import build_runtime

    db = build_runtime().db
    guarded(lambda: set_calendar(db, brand, _json_option(spec, "--spec"), account))
    emit({"status": "ok"})


@policy_app.command("create")
def policy_create(
    brand: int = typer.Option(..., "--brand", help="Brand id."),
    name: str = typer.Option(..., "--name", help="Policy name."),
    first_response_minutes: float | None = typer.Option(None, help="First-response target."),
    next_response_minutes: float | None = typer.Option(None, help="Next-response target."),
    resolution_minutes: float | None = typer.Option(None, help="Resolution target."),
    business_hours: bool = typer.Option(
        True, "--business-hours/--calendar-time", help="How time is counted."
    ),
    at_risk_share: float = typer.Option(0.75, help="Share of the budget at which the clock is at risk."),
    conditions: str = typer.Option(
        "{}",
        help='Conditions JSON: {"account_ids": [1], "account_families": ["care"], "channels": ["x"], '
        '"visibilities": ["public"], "priority_min": 50, "intents": ["complaint"], "languages": ["fr"]}',
    ),
    actions: str = typer.Option(
        "{}",
        help='Actions JSON: {"at_risk": [{"type": "raise_priority", "by": 10}], "breach": [{"type": "notify", '
        '"urls": ["slack://..."]}, {"type": "reassign", "team_id": 2}]}',
    ),
    position: int | None = typer.Option(None, help="Order among the brand's policies (default: last)."),
) -> None:
    """Add an SLA policy; prints {"id": ...}."""
    from comptoir.actions.sla import create_policy
    from comptoir.commands.output import emit, guarded
    from comptoir.runtime import build_runtime

    db = build_runtime().db
    targets = {
        "first_response_minutes": first_response_minutes,
        "next_response_minutes": next_response_minutes,
        "resolution_minutes": resolution_minutes,
        "business_hours": business_hours,
        "at_risk_share": at_risk_share,
    }
    policy_id = guarded(
        lambda: create_policy(
            db,
            brand,
            name=name,
            targets=targets,
            conditions=_json_option(conditions, "--conditions"),
            actions=_json_option(actions, "--actions"),
            position=position,
        )
    )
    emit({"id": policy_id})


ack_app = typer.Typer(
    help="Automatic acknowledgement rules (honest, marked as automatic).", no_args_is_help=True
)
app.add_typer(ack_app, name="ack-rule")


@ack_app.command("create")
def ack_rule_create(
    brand: int = typer.Option(..., "--brand", help="Brand id."),
    name: str = typer.Option(..., "--name", help="Rule name."),
    spec: str = typer.Option(
        ...,
        "--spec",
        help='Rule JSON (or @file): {"when": "out_of_hours|first_contact|wait_exceeds_target", '
        '"kind": "receipt|delay|redirect", "templates": {"fr": "...", "en": "..."}, "public": false, '
        '"channels": ["facebook"], "redirect": "https://...", "min_interval_hours": 12}',
    ),
    position: int | None = typer.Option(None, help="Order among the brand's rules (default: last)."),
) -> None:
    """Add an automatic acknowledgement rule; prints {"id": ...}."""
    from comptoir.actions.acknowledgements import create_rule
    from comptoir.commands.output import emit, guarded
    from comptoir.runtime import build_runtime

    db = build_runtime().db
    emit({"id": guarded(lambda: create_rule(db, brand, name, _json_option(spec, "--spec"), position))})
