"""Ordered rules of a brand, automatic acknowledgements and routing, handled by one set of routes each.

A :class:`RuleScreen` says how one kind of rule is read from its form and which action module stores it;
the routes are the same for both kinds:

- ``POST <create>`` (``/ui/admin/ack-rules``, ``/ui/admin/routing``): a new rule, added last;
- ``POST /ui/admin/<slug>-update`` (``rule_id`` and the creation fields): edit a rule in place, same validation;
- ``POST /ui/admin/<slug>-change`` (``rule_id``, ``op=enable|disable|up|down|delete``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from comptoir.actions import acknowledgements, routing
from comptoir.domain.enums import Platform
from comptoir.store.db import Database
from comptoir.web.ui.admin.forms import FormError, fields, id_of, json_object, minutes, required
from comptoir.web.ui.admin.screen import change, supervisor_in
from comptoir.web.ui.base import acting_agent, runtime_of
from comptoir.web.ui.people import CurrentAgent

router = APIRouter(include_in_schema=False)

RULE_OPS = ("enable", "disable", "up", "down", "delete")
ACK_FIELDS = (
    "name",
    "when",
    "kind",
    "channels",
    "public",
    "template_fr",
    "template_en",
    "redirect",
    "min_interval_hours",
)
ROUTING_FIELDS = ("name", "conditions", "target")


def ack_rule(form: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The name and ``spec`` of an acknowledgement rule form (checked again by ``acknowledgements.check_spec``)."""
    name = required(form["name"], "a rule needs a name")
    spec: dict[str, Any] = {"when": form["when"], "kind": form["kind"], "public": form["public"] == "on"}
    chosen = [c.strip().lower() for c in form["channels"].split(",") if c.strip()]
    unknown = [c for c in chosen if c not in {p.value for p in Platform}]
    if unknown:
        raise FormError("choice", f"unknown channel {unknown[0]!r}: {', '.join(p.value for p in Platform)}")
    if chosen:
        spec["channels"] = chosen
    templates = {
        lang: form[f"template_{lang}"].strip() for lang in ("fr", "en") if form[f"template_{lang}"].strip()
    }
    if templates:
        spec["templates"] = templates
    if form["redirect"].strip():
        spec["redirect"] = form["redirect"].strip()
    interval = minutes(form["min_interval_hours"], "minimum interval")
    if interval is not None:
        spec["min_interval_hours"] = interval
    return name, spec


def routing_rule(form: dict[str, str]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The name, conditions and target of a routing rule form (validated by ``actions.routing``)."""
    name = required(form["name"], "a rule needs a name")
    required(form["target"], "a rule needs a target")
    return name, json_object(form["conditions"], "conditions"), json_object(form["target"], "target")


def _create_ack(db: Database, brand: int, form: dict[str, str], actor: str) -> None:
    name, spec = ack_rule(form)
    acknowledgements.create_rule(db, brand, name, spec, actor=actor)


def _create_routing(db: Database, brand: int, form: dict[str, str], actor: str) -> None:
    name, conditions, target = routing_rule(form)
    routing.create_rule(db, brand, name, conditions, target, actor=actor)


def _update_ack(db: Database, brand: int, rule: int, form: dict[str, str], actor: str) -> None:
    name, spec = ack_rule(form)
    acknowledgements.update_rule(db, brand, rule, name, spec, actor=actor)


def _update_routing(db: Database, brand: int, rule: int, form: dict[str, str], actor: str) -> None:
    name, conditions, target = routing_rule(form)
    routing.update_rule(db, brand, rule, name, conditions, target, actor=actor)


@dataclass(frozen=True, slots=True)
class RuleScreen:
    section: str  # the page: /ui/admin/<section>
    slug: str  # /ui/admin/<slug>-change
    create_path: str
    actions: ModuleType  # set_rule_enabled, move_rule, delete_rule, create_rule
    fields: tuple[str, ...]
    create: Callable[[Database, int, dict[str, str], str], None]
    update: Callable[[Database, int, int, dict[str, str], str], None]
    defaults: tuple[tuple[str, str], ...] = ()


SCREENS = (
    RuleScreen(
        "ack-rules",
        "ack-rule",
        "/ui/admin/ack-rules",
        acknowledgements,
        ACK_FIELDS,
        _create_ack,
        _update_ack,
        (("kind", "receipt"),),
    ),
    RuleScreen(
        "routing",
        "routing-rule",
        "/ui/admin/routing",
        routing,
        ROUTING_FIELDS,
        _create_routing,
        _update_routing,
    ),
)


def rule_change(module: Any, db: Database, brand: int, rule: int, op: str, actor: str) -> None:
    """``op``: enable, disable, up, down or delete, through ``module``'s rule actions."""
    if op in ("enable", "disable"):
        module.set_rule_enabled(db, brand, rule, op == "enable", actor=actor)
    elif op in ("up", "down"):
        module.move_rule(db, brand, rule, op, actor=actor)
    elif op == "delete":
        module.delete_rule(db, brand, rule, actor=actor)
    else:
        raise FormError("choice", f"op: one of {', '.join(RULE_OPS)}")


def _form_of(screen: RuleScreen, posted: Any) -> dict[str, str]:
    form = fields(posted, *screen.fields)
    for key, default in screen.defaults:  # like ``Form(default)``: absent or empty gives the default
        if not form[key]:
            form[key] = default
    return form


def _create_route(screen: RuleScreen) -> Any:
    async def create(request: Request, agent: CurrentAgent = Depends(acting_agent)) -> Response:
        posted = await request.form()
        brand = supervisor_in(agent, fields(posted, "brand_id")["brand_id"])
        db = runtime_of(request).db
        form = _form_of(screen, posted)

        def work() -> None:
            screen.create(db, brand, form, agent.actor)

        return await change(request, agent, screen.section, brand, work, form)

    create.__name__ = f"{screen.slug.replace('-', '_')}_create"
    create.__doc__ = f"A new {screen.slug.replace('-', ' ')}, added last (the first matching rule decides)."
    return create


def _update_route(screen: RuleScreen) -> Any:
    async def update(request: Request, agent: CurrentAgent = Depends(acting_agent)) -> Response:
        posted = await request.form()
        ids = fields(posted, "brand_id", "rule_id")
        brand = supervisor_in(agent, ids["brand_id"])
        rule = id_of(ids["rule_id"], "rule")
        db = runtime_of(request).db
        form = _form_of(screen, posted) | {"rule_id": str(rule)}  # the page reopens this rule's form

        def work() -> None:
            screen.update(db, brand, rule, form, agent.actor)

        return await change(request, agent, screen.section, brand, work, form)

    update.__name__ = f"{screen.slug.replace('-', '_')}_update"
    update.__doc__ = f"Edit a {screen.slug.replace('-', ' ')} in place, validated like a new one."
    return update


def _change_route(screen: RuleScreen) -> Any:
    async def change_rule(request: Request, agent: CurrentAgent = Depends(acting_agent)) -> Response:
        posted = fields(await request.form(), "brand_id", "rule_id", "op")
        brand = supervisor_in(agent, posted["brand_id"])
        rule = id_of(posted["rule_id"], "rule")
        db = runtime_of(request).db

        def work() -> None:
            rule_change(screen.actions, db, brand, rule, posted["op"], agent.actor)

        return await change(request, agent, screen.section, brand, work, {})

    change_rule.__name__ = f"{screen.slug.replace('-', '_')}_change"
    change_rule.__doc__ = f"Enable, disable, move up/down or delete a {screen.slug.replace('-', ' ')}."
    return change_rule


for _screen in SCREENS:
    router.add_api_route(_screen.create_path, _create_route(_screen), methods=["POST"])
    router.add_api_route(f"/ui/admin/{_screen.slug}-update", _update_route(_screen), methods=["POST"])
    router.add_api_route(f"/ui/admin/{_screen.slug}-change", _change_route(_screen), methods=["POST"])
