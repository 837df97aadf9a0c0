"""Expected delay before a human answers, for honest automatic acknowledgements (pure).

The desk is modelled as ``c`` agents on duty answering a first-in-first-out queue, each handling ``pace``
messages per hour of work (``pace`` measured on recent handling times at this hour). A message with ``B``
unanswered messages ahead of it (being handled or waiting):

* when an agent is free (``B < c``), is answered after one handling time: ``1 / pace`` hours;
* otherwise waits for ``B - c + 1`` answers at the desk's rate ``c * pace``, then one handling time:
  ``(B - c + 1) / (c * pace) + 1 / pace`` hours.

That work is counted in business time of the calendar: a message arriving while the desk is closed waits
for the next opening, and work left at closing time resumes at the next opening. The result is the real
delay (seconds) and the instant it points to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from comptoir.clock import ensure_utc
from comptoir.errors import NoBusinessTime, ValidationFailed
from comptoir.sla.calendar import CALENDAR_TIME, BusinessClock, TimeMeasure


class DelayBasis(StrEnum):
    QUEUE = "queue"  # open now: the queue decides
    NEXT_OPENING = "next_opening"  # closed now: the next opening, then the queue
    UNKNOWN = "unknown"  # no agent, no pace or no opening time: announce no delay


@dataclass(frozen=True, slots=True)
class DelayEstimate:
    basis: DelayBasis
    seconds: float | None  # expected real seconds until a human answer
    expected_at: datetime | None
    work_seconds: float | None  # business seconds of work ahead, including this message's handling
    next_opening: datetime | None = None


def work_ahead_seconds(backlog_ahead: int, agents: int, pace_per_agent_hour: float) -> float:
    """Business seconds until a message with ``backlog_ahead`` unanswered messages ahead is answered."""
    if backlog_ahead < 0 or agents <= 0 or pace_per_agent_hour <= 0:
        raise ValidationFailed("backlog >= 0, agents > 0 and pace > 0 are required")
    handling = 3600 / pace_per_agent_hour
    if backlog_ahead < agents:
        return handling
    return (backlog_ahead - agents + 1) * handling / agents + handling


def expected_delay(
    *,
    now: datetime,
    backlog_ahead: int,
    agents_on_duty: int,
    pace_per_agent_hour: float | None,
    measure: TimeMeasure = CALENDAR_TIME,
) -> DelayEstimate:
    """Expected delay before a human answers a message arriving at ``now``.

    ``agents_on_duty``: agents answering this queue during the opening hours ahead (when the desk is closed,
    the staffing expected at the next opening). ``measure``: a :class:`BusinessClock` for business hours.
    """
    now = ensure_utc(now)
    opening: datetime | None = None
    basis = DelayBasis.QUEUE
    if isinstance(measure, BusinessClock):
        try:
            opening = measure.next_opening(now)
        except NoBusinessTime:
            return DelayEstimate(DelayBasis.UNKNOWN, None, None, None)
        if opening > now:
            basis = DelayBasis.NEXT_OPENING
    if agents_on_duty <= 0 or pace_per_agent_hour is None or pace_per_agent_hour <= 0:
        return DelayEstimate(DelayBasis.UNKNOWN, None, None, None, opening)
    work = work_ahead_seconds(backlog_ahead, agents_on_duty, pace_per_agent_hour)
    try:
        expected_at = measure.add(now, work)
    except NoBusinessTime:
        return DelayEstimate(DelayBasis.UNKNOWN, None, None, work, opening)
    return DelayEstimate(basis, (expected_at - now).total_seconds(), expected_at, work, opening)


def handling_pace(
    handling_seconds: Iterable[float],
    *,
    minimum_samples: int = 5,
    fallback: float | None = None,
) -> float | None:
    """Messages per agent per hour of work, from recent handling durations (seconds an agent spent on each
    answered message, e.g. those finished in the last hour); ``fallback`` (the usual pace at this hour)
    when there are fewer than ``minimum_samples``."""
    durations = [value for value in handling_seconds if value > 0]
    if len(durations) < minimum_samples:
        return fallback
    return 3600 * len(durations) / sum(durations)


def round_up_for_announcement(seconds: float, *, step_minutes: int = 5) -> timedelta:
    """The delay as announced to a customer: rounded up to ``step_minutes`` (never announce less)."""
    step = step_minutes * 60
    return timedelta(seconds=max(step, -(-int(seconds) // step) * step))
