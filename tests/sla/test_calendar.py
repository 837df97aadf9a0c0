"""Business calendars: worked examples, daylight-saving rules, and properties of the arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comptoir.errors import NoBusinessTime, ValidationFailed
from comptoir.sla.calendar import (
    CALENDAR_TIME,
    BusinessCalendar,
    add_business_seconds,
    business_clock,
    business_seconds_between,
    local_to_utc_us,
    parse_clock_time,
    to_us,
    zone_for,
)

OFFICE = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
PARIS = BusinessCalendar.from_hours("Europe/Paris", OFFICE)
PARIS_EASTER = BusinessCalendar.from_hours("Europe/Paris", OFFICE, holidays=["2026-04-06"])
PARIS_FR = BusinessCalendar.from_hours("Europe/Paris", OFFICE, holiday_country="FR")
SPLIT = BusinessCalendar.from_hours(
    "Europe/Paris",
    {
        "mon": [["08:00", "12:00"], ["13:30", "19:00"]],
        "tue": [["09:00", "12:30"], ["13:30", "18:00"]],
        "wed": [["09:00", "18:00"]],
        "thu": [["00:00", "02:00"], ["09:00", "18:00"], ["22:00", "24:00"]],
        "fri": [["09:00", "17:00"]],
        "sat": [["10:00", "13:00"]],
    },
    holiday_country="FR",
    holidays=["2026-12-24"],
    special_openings={"2026-12-27": [["10:00", "12:00"]]},
)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_friday_evening_one_business_hour_is_due_monday_0955() -> None:
    # Friday 2026-03-20 17:55 in Paris (CET, UTC+1) → Monday 2026-03-23 09:55 CET.
    assert add_business_seconds(PARIS, utc("2026-03-20T16:55:00"), 3600) == utc("2026-03-23T08:55:00")


def test_easter_monday_holiday_moves_the_deadline_to_tuesday() -> None:
    # Friday 2026-04-03 17:55 CEST → Easter Monday 2026-04-06 is closed → Tuesday 09:55 CEST.
    start = utc("2026-04-03T15:55:00")
    assert add_business_seconds(PARIS, start, 3600) == utc("2026-04-06T07:55:00")
    assert add_business_seconds(PARIS_EASTER, start, 3600) == utc("2026-04-07T07:55:00")
    assert add_business_seconds(PARIS_FR, start, 3600) == utc("2026-04-07T07:55:00")


def test_across_the_march_dst_change() -> None:
    # Friday 2026-03-27 17:55 CET (16:55Z); clocks go forward on Sunday 03-29; Monday 09:55 is CEST (07:55Z).
    start = utc("2026-03-27T16:55:00")
    due = add_business_seconds(PARIS, start, 3600)
    assert due == utc("2026-03-30T07:55:00")
    assert business_seconds_between(PARIS, start, due) == 3600
    # Opening hours on each side of the change are 9 real hours in local time.
    assert business_seconds_between(PARIS, utc("2026-03-27T00:00:00"), utc("2026-03-28T00:00:00")) == 9 * 3600
    assert business_seconds_between(PARIS, utc("2026-03-30T00:00:00"), utc("2026-03-31T00:00:00")) == 9 * 3600


def test_calendar_time_adds_real_seconds_across_dst() -> None:
    start = utc("2026-03-28T12:00:00")
    assert CALENDAR_TIME.add(start, 86_400) == utc("2026-03-29T12:00:00")  # 13:00 CET → 14:00 CEST
    assert CALENDAR_TIME.between(start, utc("2026-03-29T12:00:00")) == 86_400


def test_budget_running_out_at_closing_time_is_due_at_closing_time() -> None:
    # Monday 2026-03-23 17:00 CET, one hour left → due at 18:00 CET (17:00Z), not Tuesday 09:00.
    assert add_business_seconds(PARIS, utc("2026-03-23T16:00:00"), 3600) == utc("2026-03-23T17:00:00")
    # A whole day's budget from the opening is due at the closing.
    assert add_business_seconds(PARIS, utc("2026-03-23T08:00:00"), 9 * 3600) == utc("2026-03-23T17:00:00")
    # One more second moves to the next opening.
    assert add_business_seconds(PARIS, utc("2026-03-23T08:00:00"), 9 * 3600 + 1) == utc("2026-03-24T08:00:01")


def test_start_in_closed_time_counts_from_next_opening() -> None:
    assert add_business_seconds(PARIS, utc("2026-03-21T10:00:00"), 60) == utc("2026-03-23T08:01:00")
    assert add_business_seconds(PARIS, utc("2026-03-21T10:00:00"), 0) == utc("2026-03-21T10:00:00")


def test_non_existent_local_time_moves_one_hour_later() -> None:
    paris = zone_for("Europe/Paris")
    # 02:30 does not exist on 2026-03-29 in Paris: it becomes 03:30 CEST = 01:30Z.
    assert local_to_utc_us(date(2026, 3, 29), parse_clock_time("02:30"), paris) == to_us(
        utc("2026-03-29T01:30:00")
    )
    calendar = BusinessCalendar.from_hours("Europe/Paris", {"sun": [["02:00", "05:00"]]})
    clock = business_clock(calendar)
    # The opening moves to 03:00 CEST (01:00Z); closing 05:00 CEST (03:00Z): 2 real hours that Sunday.
    assert clock.between(utc("2026-03-29T00:00:00"), utc("2026-03-29T12:00:00")) == 2 * 3600
    assert not clock.is_open(utc("2026-03-29T00:30:00"))
    assert clock.is_open(utc("2026-03-29T01:00:00"))
    assert clock.next_opening(utc("2026-03-28T23:00:00")) == utc("2026-03-29T01:00:00")


def test_ambiguous_local_time_takes_first_occurrence() -> None:
    paris = zone_for("Europe/Paris")
    # 02:30 happens twice on 2026-10-25; the first occurrence is 02:30 CEST = 00:30Z.
    assert local_to_utc_us(date(2026, 10, 25), parse_clock_time("02:30"), paris) == to_us(
        utc("2026-10-25T00:30:00")
    )
    calendar = BusinessCalendar.from_hours("Europe/Paris", {"sun": [["01:00", "04:00"]]})
    # 01:00 CEST (23:00Z the day before) to 04:00 CET (03:00Z): 4 real hours.
    clock = business_clock(calendar)
    assert clock.between(utc("2026-10-24T12:00:00"), utc("2026-10-25T12:00:00")) == 4 * 3600


def test_multi_interval_calendar_with_holidays_and_exceptions() -> None:
    clock = business_clock(SPLIT)
    # Monday 2026-03-23: 08:00-12:00 and 13:30-19:00 CET → 9.5 h.
    assert clock.between(utc("2026-03-23T00:00:00"), utc("2026-03-24T00:00:00")) == 9.5 * 3600
    # 11:30 CET + 1 h of business time = 30 min before lunch + 30 min after → 14:00 CET.
    assert clock.add(utc("2026-03-23T10:30:00"), 3600) == utc("2026-03-23T13:00:00")
    # Thursday 22:00-24:00 then Friday? No: Friday has no 00:00 interval; Thursday 00:00-02:00 exists.
    assert clock.is_open(utc("2026-03-26T22:30:00"))  # Thursday 23:30 CET
    # Christmas Eve (custom closed) and Christmas (FR holiday) are closed; Sunday 27 opens exceptionally.
    assert clock.between(utc("2026-12-24T00:00:00"), utc("2026-12-26T00:00:00")) == 0
    assert clock.between(utc("2026-12-27T00:00:00"), utc("2026-12-28T00:00:00")) == 2 * 3600
    # 1 May (holiday, a Friday) closed.
    assert clock.between(utc("2026-04-30T22:00:00"), utc("2026-05-01T22:00:00")) == 0


def test_calendar_with_no_opening_raises() -> None:
    closed = BusinessCalendar.from_hours("UTC", {})
    with pytest.raises(NoBusinessTime):
        add_business_seconds(closed, utc("2026-01-01T00:00:00"), 60)
    assert business_seconds_between(closed, utc("2026-01-01T00:00:00"), utc("2027-01-01T00:00:00")) == 0


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({"mon": [["18:00", "09:00"]]}, "start must precede end"),
        ({"mon": [["9h", "18:00"]]}, "invalid time of day"),
        ({"mon": [["09:00", "24:30"]]}, "invalid time of day"),
        ({"moon": [["09:00", "18:00"]]}, "unknown weekday"),
        ({"mon": [["09:00"]]}, r"expected \[start, end\]"),
    ],
)
def test_invalid_hours_are_rejected(hours: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        BusinessCalendar.from_hours("Europe/Paris", hours)


def test_unknown_zone_and_country_are_rejected() -> None:
    with pytest.raises(ValidationFailed, match="unknown time zone"):
        BusinessCalendar.from_hours("Europe/Atlantis", OFFICE)
    with pytest.raises(ValidationFailed, match="holiday country"):
        BusinessCalendar.from_hours("Europe/Paris", OFFICE, holiday_country="XX")


def test_full_day_names_and_overlaps_are_normalised() -> None:
    calendar = BusinessCalendar.from_hours("UTC", {"Monday": [["09:00", "12:00"], ["11:00", "13:00"]]})
    assert calendar.weekly[0] == ((9 * 3600, 13 * 3600),)


# ---- properties --------------------------------------------------------------------------------------

CALENDARS = st.sampled_from([PARIS, PARIS_FR, SPLIT, BusinessCalendar.from_hours("America/New_York", OFFICE)])
INSTANTS = st.datetimes(
    min_value=datetime(2025, 1, 1),  # noqa: DTZ001 - hypothesis needs naive bounds; timezones= makes them aware
    max_value=datetime(2028, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
BUDGETS = st.integers(min_value=0, max_value=40 * 86_400)


@settings(max_examples=300, deadline=None)
@given(calendar=CALENDARS, start=INSTANTS, budget=BUDGETS)
def test_add_then_measure_gives_back_the_budget(
    calendar: BusinessCalendar, start: datetime, budget: int
) -> None:
    clock = business_clock(calendar)
    due = clock.add(start, budget)
    assert due >= start
    assert clock.between(start, due) == pytest.approx(budget, abs=1e-6)
    if budget > 0:
        # Earliest instant: one microsecond earlier the budget is not reached yet.
        assert clock.between(start, due - timedelta(microseconds=1)) < budget


@settings(max_examples=200, deadline=None)
@given(calendar=CALENDARS, start=INSTANTS, first=BUDGETS, second=BUDGETS)
def test_add_is_monotonic_and_additive(
    calendar: BusinessCalendar, start: datetime, first: int, second: int
) -> None:
    clock = business_clock(calendar)
    low, high = sorted((first, second))
    assert clock.add(start, low) <= clock.add(start, high)
    if low > 0:
        assert clock.add(clock.add(start, low), high) == clock.add(start, low + high)


@settings(max_examples=200, deadline=None)
@given(calendar=CALENDARS, a=INSTANTS, b=INSTANTS, c=INSTANTS)
def test_between_is_additive_antisymmetric_and_bounded(
    calendar: BusinessCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    clock = business_clock(calendar)
    assert clock.between(a, b) == pytest.approx(-clock.between(b, a))
    assert clock.between(a, c) == pytest.approx(clock.between(a, b) + clock.between(b, c), abs=1e-6)
    low, high = sorted((a, b))
    assert 0 <= clock.between(low, high) <= (high - low).total_seconds()


@settings(max_examples=200, deadline=None)
@given(start=INSTANTS, budget=BUDGETS)
def test_local_wall_clock_is_never_used_for_durations(start: datetime, budget: int) -> None:
    # Calendar time is real time: the UTC difference equals the budget even across DST changes.
    due = CALENDAR_TIME.add(start, budget)
    assert (due - start).total_seconds() == budget


@settings(max_examples=200, deadline=None)
@given(start=INSTANTS)
def test_is_open_agrees_with_between(start: datetime) -> None:
    clock = business_clock(SPLIT)
    tick = clock.between(start, start + timedelta(microseconds=1))
    assert clock.is_open(start) == (tick > 0)
    opening = clock.next_opening(start)
    assert opening >= start and clock.is_open(opening)
    assert clock.between(start, opening) == 0


NIGHT = BusinessCalendar.from_hours("Europe/Paris", {"sun": [["01:00", "04:00"]]})


def test_holiday_country_code_is_case_insensitive() -> None:
    lower = BusinessCalendar.from_hours("Europe/Paris", OFFICE, holiday_country="fr")
    assert lower.holiday_country == "FR"
    assert business_seconds_between(lower, utc("2026-05-01T00:00:00"), utc("2026-05-02T00:00:00")) == 0


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(min_value=date(2020, 1, 1), max_value=date(2032, 12, 31)).map(
        lambda d: d + timedelta(days=6 - d.weekday())
    )
)
def test_opening_across_a_dst_change_lasts_the_real_time(day: date) -> None:
    # Sunday 01:00-04:00 in Paris lasts 3 real hours, 2 on the spring-forward Sunday (last of March) and 4 on
    # the fall-back Sunday (last of October): durations are real seconds, not wall-clock differences.
    clock = business_clock(NIGHT)
    midnight_before = datetime.combine(day - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    seconds = clock.between(midnight_before, midnight_before + timedelta(days=3))
    last_sunday = (day + timedelta(days=7)).month != day.month
    expected = 3 * 3600
    if last_sunday and day.month == 3:
        expected = 2 * 3600
    elif last_sunday and day.month == 10:
        expected = 4 * 3600
    assert seconds == expected
