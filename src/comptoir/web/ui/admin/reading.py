"""What each administration page shows, read in one connection, scoped to one brand."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, exists, func, or_, select

from comptoir.actions.corrections import corrections_for_brand
from comptoir.channels.apps import list_platform_apps
from comptoir.runtime import Runtime
from comptoir.store import tables as t
from comptoir.store.db import Database
from comptoir.web.ui.admin.forms import compact_json

CALENDAR_EXAMPLE = {
    "timezone": "Europe/Paris",
    "hours": {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": ["2026-12-25"],
    "holiday_country": "FR",
}


def _accounts(conn: Connection, brand_id: int) -> dict[str, Any]:
    a, pa = t.accounts, t.platform_apps
    return {
        "accounts": conn.execute(
            select(
                a.c.id,
                a.c.platform,
                a.c.external_id,
                a.c.handle,
                a.c.kind,
                a.c.region,
                a.c.redirect_to,
                a.c.app_id,
                a.c.access_token_enc.is_not(None).label("has_token"),
                a.c.archived_at,
                or_(  # an account with history is archived, never deleted (both lookups use an index)
                    exists().where(t.conversations.c.account_id == a.c.id),
                    exists().where(t.messages.c.account_id == a.c.id),
                ).label("has_history"),
            )
            .where(a.c.brand_id == brand_id)
            .order_by(a.c.archived_at.is_not(None), a.c.kind, a.c.platform, a.c.handle)
        ).all(),
        "apps": conn.execute(  # the brand's apps and the shared ones, never another brand's
            select(pa.c.id, pa.c.platform, pa.c.name)
            .where(or_(pa.c.brand_id == brand_id, pa.c.brand_id.is_(None)))
            .order_by(pa.c.id)
        ).all(),
    }


def _teams(conn: Connection, brand_id: int) -> Sequence[Any]:
    return conn.execute(
        select(t.teams.c.id, t.teams.c.name).where(t.teams.c.brand_id == brand_id).order_by(t.teams.c.name)
    ).all()


def _people(conn: Connection, brand_id: int) -> dict[str, Any]:
    ag, ab, tm, teams = t.agents, t.agent_brands, t.team_members, t.teams
    members: dict[int, list[int]] = {}
    for row in conn.execute(
        select(tm.c.team_id, tm.c.agent_id)
        .join(teams, teams.c.id == tm.c.team_id)
        .where(teams.c.brand_id == brand_id)
    ):
        members.setdefault(int(row.team_id), []).append(int(row.agent_id))
    return {
        "agents": conn.execute(
            select(
                ag.c.id, ag.c.name, ag.c.email, ag.c.role, ag.c.capacity, ag.c.availability, ag.c.disabled_at
            )
            .join(ab, ab.c.agent_id == ag.c.id)
            .where(ab.c.brand_id == brand_id)
            .order_by(ag.c.name)
        ).all(),
        "teams": _teams(conn, brand_id),
        "members": members,
    }


def _calendar(conn: Connection, brand_id: int) -> dict[str, Any]:
    c, a = t.calendars, t.accounts
    specs = {
        row.account_id: row.spec
        for row in conn.execute(select(c.c.account_id, c.c.spec).where(c.c.brand_id == brand_id))
    }
    brand_spec = specs.get(None)
    accounts = conn.execute(
        select(a.c.id, a.c.platform, a.c.handle)
        .where(a.c.brand_id == brand_id, a.c.archived_at.is_(None))
        .order_by(a.c.platform, a.c.handle)
    ).all()
    return {
        "calendar": compact_json(brand_spec) if isinstance(brand_spec, dict) else "",
        "example": compact_json(CALENDAR_EXAMPLE),
        "account_calendars": [
            {
                "id": int(row.id),
                "platform": row.platform,
                "handle": row.handle,
                "calendar": compact_json(specs[row.id]) if isinstance(specs.get(row.id), dict) else "",
            }
            for row in accounts
        ],
    }


def _ordered(table: Any, key: str) -> Callable[[Connection, int], dict[str, Any]]:
    def read(conn: Connection, brand_id: int) -> dict[str, Any]:
        rows = conn.execute(
            select(table).where(table.c.brand_id == brand_id).order_by(table.c.position, table.c.id)
        ).all()
        return {key: rows}

    return read


def _routing(conn: Connection, brand_id: int) -> dict[str, Any]:
    return _ordered(t.routing_rules, "routing_rules")(conn, brand_id) | {"teams": _teams(conn, brand_id)}


def _brands(conn: Connection, brand_id: int) -> dict[str, Any]:
    return {
        "brand_rows": conn.execute(
            select(t.brands.c.id, t.brands.c.name, func.count(t.accounts.c.id).label("accounts"))
            .outerjoin(t.accounts, t.accounts.c.brand_id == t.brands.c.id)
            .group_by(t.brands.c.id, t.brands.c.name)
            .order_by(t.brands.c.name)
        ).all()
    }


READERS: dict[str, Callable[[Connection, int], dict[str, Any]]] = {
    "brands": _brands,
    "accounts": _accounts,
    "teams": _people,
    "agents": _people,
    "routing": _routing,
    "calendar": _calendar,
    "policies": _ordered(t.sla_policies, "policies"),
    "ack-rules": _ordered(t.ack_rules, "rules"),
}


def section_data(runtime: Runtime, section: str, brand_id: int) -> dict[str, Any]:
    """What the page of ``section`` shows for ``brand_id``."""
    db = runtime.db
    data: dict[str, Any] = {}
    reader = READERS.get(section)
    if reader is not None:
        with db.read() as conn:
            data = reader(conn, brand_id)
    if section == "triage":
        data["triage"] = triage_settings(db, brand_id)
    elif section == "apps":
        data["apps"] = list_platform_apps(db, runtime.settings, brand_id)
    return data


def triage_settings(db: Database, brand_id: int) -> dict[str, Any]:
    """The shipped and active models, the corrections, the last training and the brand's trained versions."""
    from comptoir.jobs.triage_training import FAILED, MIN_CORRECTIONS, TRAINED, pending_training
    from comptoir.triage.learning import active_model_dir, brand_versions
    from comptoir.triage.model import SHIPPED_DIR

    shipped = "?"
    meta = SHIPPED_DIR / "meta.json"
    if meta.is_file():
        shipped = str(json.loads(meta.read_text(encoding="utf-8")).get("version", "?"))
    active = active_model_dir(str(brand_id))
    ae = t.audit_events
    with db.read() as conn:
        last = conn.execute(
            select(ae.c.at, ae.c.action, ae.c.actor, ae.c.data)
            .where(ae.c.brand_id == brand_id, ae.c.action.in_([TRAINED, FAILED]))
            .order_by(ae.c.at.desc(), ae.c.id.desc())
            .limit(1)
        ).first()
    return {
        "shipped_version": shipped,
        "brand_model": active.name if active is not None else None,
        "corrections": len(corrections_for_brand(db, brand_id)),
        "minimum": MIN_CORRECTIONS,
        "pending": pending_training(db, brand_id),
        "last": None
        if last is None
        else {"at": last.at, "failed": last.action == FAILED, "actor": last.actor, **dict(last.data or {})},
        "versions": brand_versions(str(brand_id)),
    }
