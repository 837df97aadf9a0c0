"""The platforms' responsiveness, measured the way they measure it (pure functions).

Facebook Page private messages (:func:`facebook_responsiveness`):

* a message *counts* when it is the first one a person sends after neither side wrote in that conversation
  for 24 hours; messages marked as spam are excluded, and automatic messages (auto replies, away messages)
  neither count as a response nor as "writing";
* its clock starts when it arrives or, when the Page was set away at that moment, when the Page became
  available again; it stops at the first non-automatic Page message in the same conversation;
* over the last 7 days ``(now - 7 d, now]``: response rate = answered / counted (a waiting message counts as
  not answered), response time = median of the answered messages' response times;
* badge ("very responsive"): rate >= 90% and median <= 15 minutes;
* forecast: with no new message and no new answer, the first instant in the next 24 h at which the criteria
  fail as the window slides, and the fewest waiting messages that, answered (oldest first) by a deadline
  (the latest whole second that still works), keep the criteria over those 24 h.

Every other channel (:func:`objective_status`): "P% of messages answered within T over a rolling window".
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from comptoir.clock import ensure_utc
from comptoir.domain.enums import Direction
from comptoir.sla.policies import ResponseObjective

QUIET_GAP = timedelta(hours=24)
WINDOW = timedelta(days=7)
BADGE_RATE = 0.90
BADGE_SECONDS = 15 * 60
# How far ahead the forecast looks (no new message, no new answer): long enough to see the window slide
# over a day of traffic, short enough not to end with only today's messages in the window.
FORECAST_HORIZON = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class PageMessage:
    """One private message of a Page conversation. ``direction``: INBOUND (the person) or OUTBOUND (the Page);
    ``Direction.AUTOMATIC`` is the same as ``automatic=True``; notes are ignored."""

    at: datetime
    conversation: str
    direction: Direction
    automatic: bool = False
    spam: bool = False


@dataclass(frozen=True, slots=True)
class CountedMessage:
    """A message that counts for the response rate, with its clock start and first response."""

    conversation: str
    received_at: datetime
    clock_start: datetime
    responded_at: datetime | None

    def response_seconds(self) -> float | None:
        if self.responded_at is None:
            return None
        return max((self.responded_at - self.clock_start).total_seconds(), 0.0)


@dataclass(frozen=True, slots=True)
class BadgeForecast:
    lost_at: datetime | None  # first instant the criteria fail if nothing is answered (now when not met)
    must_answer: (
        int | None
    )  # fewest waiting messages to answer to keep (or regain) the badge; None: impossible
    waiting: int  # waiting (unanswered) counted messages in the window
    answer_by: datetime | None  # deadline for answering ``must_answer`` of them
    text: str


@dataclass(frozen=True, slots=True)
class Responsiveness:
    now: datetime
    counted: int
    answered: int
    waiting: int
    response_rate: float | None
    median_response_seconds: float | None
    badge: bool
    forecast: BadgeForecast
    messages: tuple[CountedMessage, ...]


def merge_periods(periods: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted((ensure_utc(a), ensure_utc(b)) for a, b in periods):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _clock_start(
    at: datetime, away: Sequence[tuple[datetime, datetime]], away_starts: list[datetime]
) -> datetime:
    index = bisect_right(away_starts, at) - 1
    if index >= 0 and at < away[index][1]:
        return away[index][1]
    return at


def counted_messages(
    messages: Iterable[PageMessage],
    now: datetime,
    away_periods: Iterable[tuple[datetime, datetime]] = (),
) -> list[CountedMessage]:
    """Every counted message up to ``now`` (all time), with its first human response, oldest first."""
    now = ensure_utc(now)
    away = merge_periods(away_periods)
    away_starts = [start for start, _ in away]
    relevant = sorted(
        (
            message
            for message in messages
            if not message.spam
            and not message.automatic
            and message.direction in (Direction.INBOUND, Direction.OUTBOUND)
            and ensure_utc(message.at) <= now
        ),
        key=lambda message: ensure_utc(message.at),
    )
    last_seen: dict[str, datetime] = {}
    open_requests: dict[str, list[int]] = {}
    found: list[tuple[str, datetime, datetime]] = []
    responses: dict[int, datetime] = {}
    for message in relevant:
        at = ensure_utc(message.at)
        previous = last_seen.get(message.conversation)
        last_seen[message.conversation] = at
        if message.direction is Direction.INBOUND:
            if previous is None or at - previous >= QUIET_GAP:
                open_requests.setdefault(message.conversation, []).append(len(found))
                found.append((message.conversation, at, _clock_start(at, away, away_starts)))
        else:
            for index in open_requests.pop(message.conversation, []):
                responses[index] = at
    return [
        CountedMessage(conversation, received, start, responses.get(index))
        for index, (conversation, received, start) in enumerate(found)
    ]


def _metrics(
    items: Sequence[CountedMessage], at: datetime, answers: dict[int, datetime]
) -> tuple[int, int, float | None, float | None]:
    """(counted, answered, rate, median) at instant ``at``; ``answers`` adds hypothetical responses."""
    low = at - WINDOW
    counted = answered = 0
    times: list[float] = []
    for index, item in enumerate(items):
        if not low < item.received_at <= at:
            continue
        counted += 1
        responded = item.responded_at if item.responded_at is not None else answers.get(index)
        if responded is not None and responded <= at:
            answered += 1
            times.append(max((responded - item.clock_start).total_seconds(), 0.0))
    rate = answered / counted if counted else None
    return counted, answered, rate, (median(times) if times else None)


def _holds(rate: float | None, median_seconds: float | None) -> bool:
    return (
        rate is not None
        and rate >= BADGE_RATE
        and median_seconds is not None
        and median_seconds <= BADGE_SECONDS
    )


def _sorted_median(values: Sequence[float]) -> float:
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


def _first_failure(
    items: Sequence[CountedMessage], now: datetime, answers: dict[int, datetime]
) -> datetime | None:
    """First checkpoint in ``[now, now + FORECAST_HORIZON]`` at which the criteria fail (an empty window
    never fails), with no new message and the hypothetical ``answers`` (item index → answer instant).

    Checkpoints are the instants the metrics can change: ``now``, each answer, each message leaving the
    window. The window's state is updated incrementally (a sorted list of response times), so one call is
    O(n log n) rather than a full recount per checkpoint.
    """
    horizon = now + FORECAST_HORIZON
    inside = [now - WINDOW < item.received_at <= now for item in items]
    counted = sum(inside)
    times: list[float] = []
    response: dict[int, float] = {}
    for index, item in enumerate(items):
        seconds = item.response_seconds()
        if (
            inside[index]
            and seconds is not None
            and item.responded_at is not None
            and item.responded_at <= now
        ):
            response[index] = seconds
            times.append(seconds)
    times.sort()
    changes = sorted(
        [(at, 0, index) for index, at in answers.items() if inside[index] and index not in response]
        + [(items[index].received_at + WINDOW, 1, index) for index in range(len(items)) if inside[index]]
    )
    checkpoints = sorted({now, *(at for at, _, _ in changes)})
    position = 0
    for at in checkpoints:
        if at > horizon:
            break
        while position < len(changes) and changes[position][0] <= at:
            when, kind, index = changes[position]
            position += 1
            if kind == 0:
                if inside[index] and index not in response:
                    seconds = max((when - items[index].clock_start).total_seconds(), 0.0)
                    response[index] = seconds
                    insort(times, seconds)
            elif inside[index]:
                inside[index] = False
                counted -= 1
                if index in response:
                    del times[bisect_left(times, response.pop(index))]
        if counted and not _holds(len(times) / counted, _sorted_median(times) if times else None):
            return at
    return None


def _human(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} days"


def _forecast(items: Sequence[CountedMessage], now: datetime, holds_now: bool) -> BadgeForecast:
    waiting = [
        index
        for index, item in enumerate(items)
        if item.responded_at is None and now - WINDOW < item.received_at <= now
    ]
    lost_at = now if not holds_now else _first_failure(items, now, {})
    if lost_at is None:
        return BadgeForecast(None, 0, len(waiting), None, "At this pace the badge holds for the next 24 h.")
    must: int | None = None
    for k in range(1, len(waiting) + 1):
        if _first_failure(items, now, dict.fromkeys(waiting[:k], now)) is None:
            must = k
            break
    answer_by: datetime | None = None
    if must is not None:
        chosen = waiting[:must]
        low, high = 0, int((lost_at - now).total_seconds()) if holds_now else 0
        while low < high:  # latest whole second T (from now) at which answering still keeps the badge
            middle = (low + high + 1) // 2
            when = now + timedelta(seconds=middle)
            if _first_failure(items, now, dict.fromkeys(chosen, when)) is None:
                low = middle
            else:
                high = middle - 1
        answer_by = now + timedelta(seconds=low)
    if holds_now:
        head = f"At this pace the badge is lost in {_human(lost_at - now)}"
        if must is None:
            text = f"{head}; answering the {len(waiting)} waiting messages cannot prevent it."
        else:
            assert answer_by is not None
            text = (
                f"{head} unless {must} of the {len(waiting)} waiting messages "
                f"{'is' if must == 1 else 'are'} answered in the next {_human(answer_by - now)}."
            )
    else:
        head = "The badge criteria (90% answered, median response time 15 minutes or less) are not met"
        if must is None:
            text = f"{head}; answering the {len(waiting)} waiting messages now would not meet them."
        else:
            text = f"{head}; answering {must} of the {len(waiting)} waiting messages now would meet them."
    return BadgeForecast(lost_at, must, len(waiting), answer_by, text)


def facebook_responsiveness(
    messages: Iterable[PageMessage],
    now: datetime,
    away_periods: Iterable[tuple[datetime, datetime]] = (),
) -> Responsiveness:
    """Response rate, median response time over the last 7 days, badge and forecast of one Facebook Page."""
    now = ensure_utc(now)
    items = counted_messages(messages, now, away_periods)
    counted, answered, rate, median_seconds = _metrics(items, now, {})
    holds = _holds(rate, median_seconds)
    in_window = tuple(item for item in items if now - WINDOW < item.received_at <= now)
    return Responsiveness(
        now=now,
        counted=counted,
        answered=answered,
        waiting=counted - answered,
        response_rate=rate,
        median_response_seconds=median_seconds,
        badge=holds,
        forecast=_forecast(in_window, now, holds),
        messages=in_window,
    )


@dataclass(frozen=True, slots=True)
class ResponseSample:
    """A customer message that expects an answer, and when it got its first human answer."""

    received_at: datetime
    responded_at: datetime | None


@dataclass(frozen=True, slots=True)
class ObjectiveStatus:
    objective: ResponseObjective
    within: int  # answered within T
    missed: int  # answered after T, or still unanswered after T
    pending: int  # unanswered, still within T: not decided yet, left out of the share
    share: float | None  # within / (within + missed), in percent
    met: bool | None  # None when nothing is decided in the window


def objective_status(
    samples: Iterable[ResponseSample], objective: ResponseObjective, now: datetime
) -> ObjectiveStatus:
    """ "P% within T over a rolling window": messages received in ``(now - window, now]``."""
    now = ensure_utc(now)
    low = now - timedelta(seconds=objective.window_seconds)
    limit = timedelta(seconds=objective.within_seconds)
    within = missed = pending = 0
    for sample in samples:
        received = ensure_utc(sample.received_at)
        if not low < received <= now:
            continue
        responded = None if sample.responded_at is None else ensure_utc(sample.responded_at)
        if responded is not None and responded <= now:
            if responded - received <= limit:
                within += 1
            else:
                missed += 1
        elif now - received > limit:
            missed += 1
        else:
            pending += 1
    decided = within + missed
    share = 100 * within / decided if decided else None
    met = None if share is None else share >= objective.percent - 1e-9
    return ObjectiveStatus(objective, within, missed, pending, share, met)


def percent_needed(objective: ResponseObjective, status: ObjectiveStatus) -> int:
    """How many more messages answered within T (with no new miss) bring the share to the objective."""
    if status.met is not False:
        return 0
    p = objective.percent / 100
    decided = status.within + status.missed
    if p >= 1:
        return -1  # a 100% objective cannot be recovered while a miss is in the window
    return max(math.ceil((p * decided - status.within) / (1 - p) - 1e-9), 0)
