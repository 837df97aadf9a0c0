"""Policy matching: ordered policies, first match wins."""

from __future__ import annotations

from datetime import UTC, datetime

from comptoir.domain.enums import Platform, Visibility
from comptoir.sla.calendar import CALENDAR_TIME, BusinessCalendar, BusinessClock, pick_calendar
from comptoir.sla.policies import (
    PolicyConditions,
    PolicyContext,
    lowercase,
    match_policy,
    policy_from_minutes,
)

PARIS = BusinessCalendar.from_hours("Europe/Paris", {"mon": [["09:00", "18:00"]]})
VIP = policy_from_minutes(
    "vip", first_response_minutes=15, conditions=PolicyConditions(priority_min=80), calendar=PARIS
)
FB_PRIVATE = policy_from_minutes(
    "facebook private",
    first_response_minutes=15,
    conditions=PolicyConditions(
        channels=frozenset({Platform.FACEBOOK}), visibilities=frozenset({Visibility.PRIVATE})
    ),
)
REGIONAL_FR = policy_from_minutes(
    "regional french complaints",
    first_response_minutes=120,
    conditions=PolicyConditions(
        account_ids=frozenset({7}),
        account_families=frozenset({"regional"}),
        intents=frozenset({"complaint"}),
        languages=lowercase(["FR"]),
        priority_max=79,
    ),
)
DEFAULT = policy_from_minutes("default", first_response_minutes=60, business_hours=False)
POLICIES = [VIP, FB_PRIVATE, REGIONAL_FR, DEFAULT]


def test_first_match_wins_in_order() -> None:
    vip_facebook = PolicyContext(channel=Platform.FACEBOOK, visibility=Visibility.PRIVATE, priority=90)
    assert match_policy(POLICIES, vip_facebook) is VIP
    assert (
        match_policy(POLICIES, PolicyContext(channel=Platform.FACEBOOK, visibility=Visibility.PRIVATE))
        is FB_PRIVATE
    )
    assert (
        match_policy(POLICIES, PolicyContext(channel=Platform.FACEBOOK, visibility=Visibility.PUBLIC))
        is DEFAULT
    )
    assert match_policy(POLICIES[:-1], PolicyContext(channel=Platform.X)) is None


def test_account_or_family_with_intent_language_and_priority_range() -> None:
    base = PolicyContext(account_id=7, channel=Platform.X, priority=50, intent="complaint", language="fr")
    assert match_policy(POLICIES, base) is REGIONAL_FR
    by_family = PolicyContext(
        account_id=8, account_family="regional", priority=10, intent="complaint", language="FR"
    )
    assert match_policy(POLICIES, by_family) is REGIONAL_FR
    assert (
        match_policy(POLICIES, PolicyContext(account_id=8, priority=50, intent="complaint", language="fr"))
        is DEFAULT
    )
    assert (
        match_policy(POLICIES, PolicyContext(account_id=7, priority=50, intent="praise", language="fr"))
        is DEFAULT
    )
    assert (
        match_policy(POLICIES, PolicyContext(account_id=7, priority=50, intent="complaint", language="en"))
        is DEFAULT
    )
    # Unknown priority does not satisfy a priority condition.
    assert match_policy(POLICIES, PolicyContext(account_id=7, intent="complaint", language="fr")) is DEFAULT


def test_policy_measure_and_calendar_precedence() -> None:
    assert isinstance(VIP.measure(), BusinessClock)
    assert DEFAULT.measure() is CALENDAR_TIME
    assert FB_PRIVATE.measure() is CALENDAR_TIME  # business hours asked but no calendar: calendar time
    assert VIP.targets.first_response_seconds == 900
    brand = BusinessCalendar.from_hours("Europe/Paris", {})
    assert pick_calendar(None, PARIS, brand) is PARIS
    assert pick_calendar(None, None, None) is None
    due = VIP.measure().add(datetime(2026, 3, 23, 8, 0, tzinfo=UTC), 900)
    assert due == datetime(2026, 3, 23, 8, 15, tzinfo=UTC)
