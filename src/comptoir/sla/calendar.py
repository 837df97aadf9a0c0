"""Business calendars and time arithmetic in real seconds on UTC instants.

A :class:`BusinessCalendar` is plain configuration (hashable, frozen): an IANA zone, opening intervals per
weekday, public holidays of a country (the ``holidays`` package), custom closed dates and exceptional
openings. :func:`business_clock` compiles it into a :class:`BusinessClock` that answers, in microseconds
internally and real seconds externally:

* ``add(start, seconds)``: the earliest instant at which ``seconds`` of opening time have elapsed after
  ``start`` (a budget that runs out exactly at a closing time is due at that closing time);
* ``between(a, b)``: the opening time between two instants (negative when ``b < a``).

Local opening intervals become UTC instants day by day: a local time that does not exist (spring-forward
gap) moves one hour later; an ambiguous one (fall-back) takes its first occurrence (``fold=0``). Whether a
moment is open is decided on those UTC instants only. The compiled clock keeps the intervals of whole
local years in sorted lists with running totals, so each computation is two binary searches.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

from comptoir.clock import ensure_utc
from comptoir.errors import NoBusinessTime, ValidationFailed

DAY_SECONDS = 86_400
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_HOUR = timedelta(hours=1)
# How far past the last requested instant the clock looks for opening time before giving up.
SEARCH_YEARS = 10
_FULL_DAY = re.compile(r"^(monday|tuesday|wednesday|thursday|friday|saturday|sunday)$", re.IGNORECASE)
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")

Interval = tuple[int, int]
"""An opening interval of one local day, in seconds after local midnight: ``0 <= start < end <= 86400``."""


def to_us(instant: datetime) -> int:
    """Microseconds since the Unix epoch of an aware instant."""
    return (instant - _EPOCH) // _US


def from_us(value: int) -> datetime:
    """The aware UTC instant ``value`` microseconds after the Unix epoch."""
    return _EPOCH + timedelta(microseconds=value)


def parse_clock_time(text: str) -> int:
    """``"09:00"`` / ``"09:00:30"`` / ``"24:00"`` → seconds after midnight."""
    match = _HHMM.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValidationFailed(f"invalid time of day {text!r}: expected HH:MM")
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    if minutes > 59 or seconds > 59 or hours > 24 or (hours == 24 and (minutes or seconds)):
        raise ValidationFailed(f"invalid time of day {text!r}")
    return hours * 3600 + minutes * 60 + seconds


def normalise_intervals(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Sort and merge overlapping or touching intervals; reject empty or inverted ones."""
    cleaned: list[Interval] = []
    for start, end in sorted(intervals):
        if not 0 <= start < end <= DAY_SECONDS:
            raise ValidationFailed(f"invalid opening interval {start}-{end}: start must precede end")
        if cleaned and start <= cleaned[-1][1]:
            cleaned[-1] = (cleaned[-1][0], max(cleaned[-1][1], end))
        else:
            cleaned.append((start, end))
    return tuple(cleaned)


def parse_intervals(value: object) -> tuple[Interval, ...]:
    """``[["09:00", "12:30"], ["13:30", "18:00"]]`` → normalised intervals in seconds."""
    if not isinstance(value, list | tuple):
        raise ValidationFailed("opening hours must be a list of [start, end] pairs")
    pairs: list[Interval] = []
    for pair in value:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ValidationFailed(f"invalid opening interval {pair!r}: expected [start, end]")
        pairs.append((parse_clock_time(pair[0]), parse_clock_time(pair[1])))
    return normalise_intervals(pairs)


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Opening hours of a brand, an account family or an account (configuration only).

    ``weekly[0]`` is Monday. Precedence for a local date: an exceptional opening replaces everything; else a
    custom closed date or a public holiday closes the day; else the weekday's intervals apply.
    """

    timezone: str
    weekly: tuple[tuple[Interval, ...], ...]
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    closed_dates: frozenset[date] = field(default_factory=frozenset)
    special_openings: tuple[tuple[date, tuple[Interval, ...]], ...] = ()

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValidationFailed("weekly hours need exactly 7 days, Monday first")
        zone_for(self.timezone)
        if self.holiday_country is not None:
            _holiday_dates(self.holiday_country, self.holiday_subdivision, 2026)

    @classmethod
    def from_hours(
        cls,
        timezone: str,
        hours: Mapping[str, object],
        *,
        holidays: Iterable[date | str] = (),
        holiday_country: str | None = None,
        holiday_subdivision: str | None = None,
        special_openings: Mapping[date, object] | Mapping[str, object] | None = None,
    ) -> BusinessCalendar:
        """Build from the contract's shape: ``{"mon": [["09:00","18:00"]], ...}``; missing days are closed."""
        by_day: dict[str, object] = {}
        for key, value in hours.items():
            day = key.strip().lower()[:3] if isinstance(key, str) else ""
            if day not in WEEKDAYS or (len(key.strip()) > 3 and not _FULL_DAY.match(key.strip())):
                raise ValidationFailed(f"unknown weekday {key!r}: use {', '.join(WEEKDAYS)}")
            if day in by_day:
                raise ValidationFailed(f"weekday {key!r} given twice")
            by_day[day] = [] if value is None else value
        weekly = tuple(parse_intervals(by_day.get(day, [])) for day in WEEKDAYS)
        closed = frozenset(_parse_date(value) for value in holidays)
        extra = special_openings or {}
        specials = tuple(sorted((_parse_date(day), parse_intervals(value)) for day, value in extra.items()))
        return cls(
            timezone=timezone,
            weekly=weekly,
            holiday_country=holiday_country.strip().upper() if holiday_country else None,
            holiday_subdivision=holiday_subdivision,
            closed_dates=closed,
            special_openings=specials,
        )

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        """The local opening intervals of ``day`` after holidays and exceptions."""
        for special_day, intervals in self.special_openings:
            if special_day == day:
                return intervals
        if day in self.closed_dates:
            return ()
        if self.holiday_country is not None and day in _holiday_dates(
            self.holiday_country, self.holiday_subdivision, day.year
        ):
            return ()
        return self.weekly[day.weekday()]


def _parse_date(value: date | str) -> date:
    if isinstance(value, datetime):
        raise ValidationFailed(f"expected a date, got a datetime {value!r}")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(f"invalid date {value!r}: expected YYYY-MM-DD") from exc


@lru_cache(maxsize=256)
def zone_for(name: str) -> ZoneInfo:
    """The IANA zone called ``name``; :class:`ValidationFailed` when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValidationFailed(f"unknown time zone {name!r}") from exc


@lru_cache(maxsize=1024)
def _holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    try:
        table = holidays_lib.country_holidays(country, subdiv=subdivision, years=year)
    except NotImplementedError as exc:
        raise ValidationFailed(f"unknown holiday country/subdivision {country!r}/{subdivision!r}") from exc
    return frozenset(table.keys())


def local_to_utc_us(day: date, seconds: int, zone: ZoneInfo) -> int:
    """The UTC instant (µs) of local ``day`` + ``seconds`` (86400 = next midnight) in ``zone``.

    A non-existent local time (spring-forward gap) moves one hour later (repeatedly, for larger gaps);
    an ambiguous one (fall-back) takes its first occurrence.
    """
    naive = datetime.combine(day, time.min) + timedelta(seconds=seconds)
    for _ in range(4):
        instant = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == naive:
            return to_us(instant)
        naive += _HOUR
    raise ValidationFailed(f"local time {naive} does not exist in {zone.key}")  # pragma: no cover


class TimeMeasure(Protocol):
    """How an SLA counts time: business hours of a calendar, or plain calendar time."""

    def add(self, start: datetime, seconds: float) -> datetime:
        """The earliest instant at which ``seconds`` of counted time have elapsed after ``start``."""
        ...

    def between(self, start: datetime, end: datetime) -> float:
        """Counted seconds between two instants (negative when ``end < start``)."""
        ...


class CalendarTime:
    """Every second counts (24/7)."""

    def add(self, start: datetime, seconds: float) -> datetime:
        if seconds < 0:
            raise ValidationFailed("a time budget cannot be negative")
        return ensure_utc(start) + timedelta(seconds=seconds)

    def between(self, start: datetime, end: datetime) -> float:
        return (to_us(end) - to_us(start)) / 1_000_000


CALENDAR_TIME = CalendarTime()


@dataclass(frozen=True, slots=True)
class _Table:
    """Opening intervals of the local years ``first_year..last_year`` as sorted UTC µs with running totals."""

    first_year: int
    last_year: int
    low: int  # UTC µs of local midnight, January 1st of first_year
    high: int  # UTC µs of local midnight, January 1st of last_year + 1
    starts: list[int]
    ends: list[int]
    cum_start: list[int]  # open µs before starts[i], counted from ``low``
    cum_end: list[int]  # open µs up to ends[i]


class BusinessClock:
    """A compiled :class:`BusinessCalendar`: fast business-time arithmetic on UTC instants.

    Thread-safe: the table is immutable and swapped in one assignment when a new year is needed.
    """

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self.zone = zone_for(calendar.timezone)
        self._lock = threading.Lock()
        self._years: dict[int, list[Interval]] = {}
        self._table: _Table | None = None

    # ---- table management -------------------------------------------------------------------
    def _year_intervals(self, year: int) -> list[Interval]:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        zone, calendar = self.zone, self.calendar
        result: list[Interval] = []
        day = date(year, 1, 1)
        step = timedelta(days=1)
        while day.year == year:
            for start, end in calendar.intervals_on(day):
                utc_start = local_to_utc_us(day, start, zone)
                utc_end = local_to_utc_us(day, end, zone)
                if utc_end > utc_start:
                    result.append((utc_start, utc_end))
            day += step
        self._years[year] = result
        return result

    def _build(self, first_year: int, last_year: int) -> _Table:
        raw: list[Interval] = []
        for year in range(first_year, last_year + 1):
            raw.extend(self._year_intervals(year))
        raw.sort()
        merged: list[list[int]] = []
        for start, end in raw:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        starts = [item[0] for item in merged]
        ends = [item[1] for item in merged]
        cum_start: list[int] = []
        cum_end: list[int] = []
        total = 0
        for start, end in merged:
            cum_start.append(total)
            total += end - start
            cum_end.append(total)
        return _Table(
            first_year=first_year,
            last_year=last_year,
            low=local_to_utc_us(date(first_year, 1, 1), 0, self.zone),
            high=local_to_utc_us(date(last_year + 1, 1, 1), 0, self.zone),
            starts=starts,
            ends=ends,
            cum_start=cum_start,
            cum_end=cum_end,
        )

    def _covering(self, low_us: int, high_us: int) -> _Table:
        table = self._table
        if table is not None and table.low <= low_us and high_us < table.high:
            return table
        with self._lock:
            table = self._table
            first = from_us(low_us).year - 1
            last = from_us(high_us).year + 1
            if table is not None:
                if table.low <= low_us and high_us < table.high:
                    return table
                first = min(first, table.first_year)
                last = max(last, table.last_year)
            if last - first > 400:
                raise ValidationFailed("business-time span too large (over 400 years)")
            table = self._build(first, last)
            self._table = table
            return table

    # ---- arithmetic ---------------------------------------------------------------------------
    @staticmethod
    def _cumulative(table: _Table, t: int) -> int:
        index = bisect_right(table.starts, t) - 1
        if index < 0:
            return 0
        return table.cum_start[index] + min(t, table.ends[index]) - table.starts[index]

    def add_us(self, start: int, amount: int) -> int:
        """``add`` on microseconds."""
        if amount < 0:
            raise ValidationFailed("a time budget cannot be negative")
        if amount == 0:
            return start
        table = self._covering(start, start)
        while True:
            target = self._cumulative(table, start) + amount
            cum_end = table.cum_end
            if cum_end and target <= cum_end[-1]:
                index = bisect_left(cum_end, target)
                return table.starts[index] + target - table.cum_start[index]
            if table.last_year - from_us(start).year > SEARCH_YEARS:
                raise NoBusinessTime(
                    f"calendar {self.calendar.timezone} has no opening time within {SEARCH_YEARS} years",
                    details={"start": from_us(start).isoformat()},
                )
            table = self._covering(start, table.high + 1)

    def between_us(self, start: int, end: int) -> int:
        """``between`` on microseconds."""
        if end < start:
            return -self.between_us(end, start)
        table = self._covering(start, end)
        return self._cumulative(table, end) - self._cumulative(table, start)

    def add(self, start: datetime, seconds: float) -> datetime:
        """The earliest instant at which ``seconds`` of opening time have elapsed after ``start``."""
        return from_us(self.add_us(to_us(start), round(seconds * 1_000_000)))

    def between(self, start: datetime, end: datetime) -> float:
        """Opening seconds between ``start`` and ``end`` (negative when ``end < start``)."""
        return self.between_us(to_us(start), to_us(end)) / 1_000_000

    def is_open(self, instant: datetime) -> bool:
        """Whether ``instant`` lies in an opening interval (start included, end excluded)."""
        t = to_us(instant)
        table = self._covering(t, t)
        index = bisect_right(table.starts, t) - 1
        return index >= 0 and t < table.ends[index]

    def next_opening(self, instant: datetime) -> datetime:
        """``instant`` itself when open, else the start of the next opening interval."""
        t = to_us(instant)
        table = self._covering(t, t)
        while True:
            index = bisect_right(table.starts, t) - 1
            if index >= 0 and t < table.ends[index]:
                return instant
            if index + 1 < len(table.starts):
                return from_us(table.starts[index + 1])
            if table.last_year - instant.year > SEARCH_YEARS:
                raise NoBusinessTime(f"calendar {self.calendar.timezone} never opens after {instant}")
            table = self._covering(t, table.high + 1)

    def open_intervals(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The opening intervals clipped to ``[start, end)``, as UTC instants."""
        a, b = to_us(start), to_us(end)
        if b <= a:
            return []
        table = self._covering(a, b)
        first = max(bisect_right(table.starts, a) - 1, 0)
        result: list[tuple[datetime, datetime]] = []
        for index in range(first, len(table.starts)):
            s, e = table.starts[index], table.ends[index]
            if s >= b:
                break
            if e > a:
                result.append((from_us(max(s, a)), from_us(min(e, b))))
        return result


@lru_cache(maxsize=512)
def business_clock(calendar: BusinessCalendar) -> BusinessClock:
    """The compiled (and cached) clock of ``calendar``."""
    return BusinessClock(calendar)


def pick_calendar(*candidates: BusinessCalendar | None) -> BusinessCalendar | None:
    """The most specific calendar given: pass the account's, then the account family's, then the brand's."""
    for candidate in candidates:
        if candidate is not None:
            return candidate
    return None


def measure_for(calendar: BusinessCalendar | None, business_hours: bool) -> TimeMeasure:
    """Business time of ``calendar`` when ``business_hours`` (and a calendar is given), else calendar time."""
    if business_hours and calendar is not None:
        return business_clock(calendar)
    return CALENDAR_TIME


def add_business_seconds(calendar: BusinessCalendar, start: datetime, seconds: float) -> datetime:
    """Due instant of a budget of ``seconds`` business seconds started at ``start``."""
    return business_clock(calendar).add(start, seconds)


def business_seconds_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> float:
    """Business seconds between two instants."""
    return business_clock(calendar).between(start, end)
