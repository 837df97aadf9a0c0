"""The ``comptoir sla evaluate`` contract: one JSON case in, one JSON result out (see docs/subsystems/sla.md).

Kept apart from the Typer command so it can be called (and tested) as plain functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import orjson

from comptoir import clock
from comptoir.domain.enums import ConversationStatus
from comptoir.errors import ComptoirError, ErrorCode, ValidationFailed
from comptoir.sla.calendar import BusinessCalendar, measure_for
from comptoir.sla.clocks import ClockResult, ConversationEvent, EventType, SlaTargets, evaluate_clocks


def parse_instant(value: object, where: str) -> datetime:
    """An ISO 8601 instant with an explicit offset (``Z`` or ``±HH:MM``), as aware UTC."""
    if not isinstance(value, str):
        raise ValidationFailed(f"{where}: expected an ISO 8601 timestamp string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(f"{where}: invalid timestamp {value!r}") from exc
    if parsed.tzinfo is None:
        raise ValidationFailed(f"{where}: timestamp {value!r} has no time zone (use a trailing Z)")
    return clock.ensure_utc(parsed)


def format_instant(value: datetime | None) -> str | None:
    """UTC with a trailing ``Z``, to the second (fractions truncated)."""
    if value is None:
        return None
    return clock.ensure_utc(value).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationFailed(f"{where}: expected a JSON object")
    return value


def parse_calendar(value: object) -> BusinessCalendar:
    data = _object(value, "calendar")
    timezone = data.get("timezone")
    if not isinstance(timezone, str):
        raise ValidationFailed("calendar.timezone: expected an IANA zone name")
    hours = _object(data.get("hours", {}), "calendar.hours")
    holidays = data.get("holidays") or []
    if not isinstance(holidays, list):
        raise ValidationFailed("calendar.holidays: expected a list of YYYY-MM-DD dates")
    country = data.get("holiday_country")
    subdivision = data.get("holiday_subdivision")
    for name, item in (("holiday_country", country), ("holiday_subdivision", subdivision)):
        if item is not None and not isinstance(item, str):
            raise ValidationFailed(f"calendar.{name}: expected a string")
    specials = _object(data.get("exceptional_openings") or {}, "calendar.exceptional_openings")
    return BusinessCalendar.from_hours(
        timezone,
        hours,
        holidays=holidays,
        holiday_country=country,
        holiday_subdivision=subdivision,
        special_openings=specials,
    )


def parse_policy(value: object) -> SlaTargets:
    data = _object(value, "policy")

    def minutes(name: str) -> float | None:
        item = data.get(name)
        if item is None:
            return None
        if isinstance(item, bool) or not isinstance(item, int | float) or item < 0:
            raise ValidationFailed(f"policy.{name}: expected a non-negative number of minutes or null")
        return float(item) * 60

    business = data.get("business_hours", True)
    if not isinstance(business, bool):
        raise ValidationFailed("policy.business_hours: expected true or false")
    share = data.get("at_risk_share", 0.75)
    if isinstance(share, bool) or not isinstance(share, int | float):
        raise ValidationFailed("policy.at_risk_share: expected a number")
    return SlaTargets(
        first_response_seconds=minutes("first_response_minutes"),
        next_response_seconds=minutes("next_response_minutes"),
        resolution_seconds=minutes("resolution_minutes"),
        business_hours=business,
        at_risk_share=float(share),
    )


def parse_events(value: object) -> list[ConversationEvent]:
    if not isinstance(value, list):
        raise ValidationFailed("events: expected a list")
    events: list[ConversationEvent] = []
    for index, raw in enumerate(value):
        where = f"events[{index}]"
        item = _object(raw, where)
        try:
            kind = EventType(str(item.get("type")))
        except ValueError as exc:
            allowed = ", ".join(member.value for member in EventType)
            raise ValidationFailed(f"{where}.type: expected one of {allowed}") from exc
        at = item.get("at")
        instant = None if at is None else parse_instant(at, f"{where}.at")
        status = None
        if kind is EventType.STATUS:
            try:
                status = ConversationStatus(str(item.get("status")))
            except ValueError as exc:
                raise ValidationFailed(
                    f"{where}.status: expected pending, open, snoozed or resolved"
                ) from exc
        elif "status" in item:
            raise ValidationFailed(f"{where}.status: only status events carry a status")
        try:
            events.append(ConversationEvent(type=kind, at=instant, status=status))
        except ValidationFailed as exc:
            raise ValidationFailed(f"{where}: {exc.message}") from exc
    return events


def _clock_json(result: ClockResult) -> dict[str, Any]:
    return {
        "due_at": format_instant(result.due_at),
        "met_at": format_instant(result.met_at),
        "breached": result.breached,
    }


def evaluate_case(case: object) -> dict[str, Any]:
    """Evaluate one contract case (already decoded JSON) and return the result object."""
    data = _object(case, "case")
    if "calendar" not in data or "policy" not in data or "events" not in data:
        raise ValidationFailed("case: 'calendar', 'policy' and 'events' are required")
    calendar = parse_calendar(data["calendar"])
    targets = parse_policy(data["policy"])
    events = parse_events(data["events"])
    now = parse_instant(data["now"], "now") if data.get("now") is not None else clock.now()
    measure = measure_for(calendar, targets.business_hours)
    evaluation = evaluate_clocks(events, targets, measure, now)
    first = _clock_json(evaluation.first_response)
    counted = evaluation.first_response.counted_seconds
    first["business_seconds"] = None if counted is None else round(max(counted, 0.0))
    return {
        "first_response": first,
        "next_response": _clock_json(evaluation.next_response),
        "resolution": _clock_json(evaluation.resolution),
    }


def _error_line(code: str, message: str, line_number: int) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "line": line_number}}


def evaluate_line(line: str | bytes, line_number: int) -> bytes:
    """One output line (without newline) for one input line; never raises on bad input."""
    try:
        case = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        result = _error_line(str(ErrorCode.INVALID_JSON), f"invalid JSON: {exc}", line_number)
    else:
        try:
            result = evaluate_case(case)
        except ComptoirError as exc:
            result = _error_line(str(exc.code), exc.message, line_number)
        except (ValueError, TypeError, OverflowError) as exc:
            result = _error_line(str(ErrorCode.VALIDATION), str(exc), line_number)
    return orjson.dumps(result)


def evaluate_lines(lines: Iterable[str | bytes]) -> Iterator[bytes]:
    """One output line per non-blank input line, in the same order."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        yield evaluate_line(line, number)
