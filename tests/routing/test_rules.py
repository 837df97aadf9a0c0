"""Routing rules: validation with clear errors, ordering, first match wins (pure matching and stored rules)."""

from __future__ import annotations

from typing import Any

import pytest

from comptoir.actions import admin, routing
from comptoir.actions.routing import RoutingFacts, first_match, matches, validate_conditions
from comptoir.errors import NotFound, ValidationFailed
from comptoir.runtime import Runtime

FACTS = RoutingFacts(
    account_id=7,
    account_kind="regional",
    region="Bretagne",
    channel="x",
    visibility="public",
    intent="complaint",
    language="fr",
    priority=70,
)


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ({}, True),
        ({"account_ids": [7, 8]}, True),
        ({"account_ids": [8]}, False),
        ({"account_kinds": ["regional"]}, True),
        ({"account_kinds": ["care"]}, False),
        ({"regions": ["bretagne"]}, True),
        ({"regions": ["normandie"]}, False),
        ({"channels": ["x", "facebook"]}, True),
        ({"channels": ["email"]}, False),
        ({"visibility": "public"}, True),
        ({"visibility": "private"}, False),
        ({"intents": ["complaint"]}, True),
        ({"intents": ["praise"]}, False),
        ({"languages": ["fr"]}, True),
        ({"languages": ["en"]}, False),
        ({"priority_min": 70, "priority_max": 80}, True),
        ({"priority_min": 71}, False),
        ({"priority_max": 69}, False),
        ({"languages": ["fr"], "intents": ["praise"]}, False),
    ],
)
def test_each_condition(conditions: dict[str, Any], expected: bool) -> None:
    assert matches(validate_conditions(conditions), FACTS) is expected


@pytest.mark.parametrize(
    ("conditions", "field"),
    [
        ([], "conditions"),
        ({"colour": ["red"]}, "colour"),
        ({"account_kinds": ["headquarters"]}, "account_kinds"),
        ({"channels": "x"}, "channels"),
        ({"channels": []}, "channels"),
        ({"intents": ["angry"]}, "intents"),
        ({"account_ids": ["7"]}, "account_ids"),
        ({"visibility": "secret"}, "visibility"),
        ({"priority_min": 101}, "priority_min"),
        ({"priority_min": 80, "priority_max": 20}, "priority_min"),
    ],
)
def test_bad_conditions_name_the_field(conditions: Any, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_conditions(conditions)
    assert caught.value.details["field"] == field


def test_rules_are_ordered_and_the_first_match_wins(runtime: Runtime) -> None:
    db = runtime.db
    brand = admin.create_brand(db, "Acme")
    other = admin.create_brand(db, "Other")
    fr_team = admin.create_team(db, brand, "FR")
    vip_team = admin.create_team(db, brand, "VIP")
    other_team = admin.create_team(db, other, "Theirs")
    fr = routing.create_rule(db, brand, "French", {"languages": ["FR"]}, {"team_id": fr_team})
    assert fr["position"] == 1 and fr["conditions"] == {"languages": ["fr"]}
    assert fr["target"] == {"team_id": fr_team, "assign": "none"}
    vip = routing.create_rule(
        db, brand, "Urgent", {"priority_min": 60}, {"team_id": vip_team, "assign": "load"}, position=1
    )
    assert vip["position"] == 1
    with db.read() as conn:
        rules = routing.list_rules(conn, brand)
        assert [(r.name, r.position) for r in rules] == [("Urgent", 1), ("French", 2)]
        chosen = first_match(rules, FACTS)
        assert chosen is not None and chosen.name == "Urgent"
        calm = RoutingFacts(7, "regional", "Bretagne", "x", "public", "complaint", "fr", 10)
        chosen = routing.route(conn, brand, calm)
        assert chosen is not None and chosen.name == "French"
        assert routing.route(conn, other, calm) is None
    with pytest.raises(NotFound):
        routing.create_rule(db, brand, "Theirs", {}, {"team_id": other_team})
    with pytest.raises(ValidationFailed) as caught:
        routing.create_rule(db, brand, "Bad", {}, {"team_id": fr_team, "assign": "random"})
    assert caught.value.details["allowed"] == ["none", "round_robin", "load", "skill"]
    with pytest.raises(ValidationFailed):
        routing.create_rule(db, brand, "  ", {}, {"team_id": fr_team})
