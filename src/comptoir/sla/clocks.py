"""The three SLA clocks of a conversation, as a pure function of its events.

:func:`evaluate_clocks` replays an ordered list of :class:`ConversationEvent` and returns, for the first
response, next response and resolution clocks, when each started, is due, is at risk, was met, and whether
it is breached. What starts, pauses and stops each clock is tabulated in ``docs/subsystems/sla.md``:

* first response: starts at the first customer message (of the conversation, or of a reopening); stops at
  the first human agent reply; never pauses; notes and automatic replies never stop it;
* next response: after an agent reply, starts at the oldest customer message not yet answered; stops at the
  next agent reply; never pauses;
* resolution: starts at the first customer message; pauses while pending or snoozed; stops when resolved;
  resumes (keeping the time already counted) when the conversation is reopened.

A customer message on a pending or snoozed conversation sets it open; on a resolved one it reopens it and
starts a new first-response cycle. ``due_at`` is the earliest instant at which the counted time reaches the
target; a clock is breached when it stopped strictly after ``due_at`` or is still running with ``now``
strictly past it. A paused clock has no ``due_at`` unless its budget ran out before the pause.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from comptoir.clock import ensure_utc
from comptoir.domain.enums import ConversationStatus, Direction
from comptoir.errors import NoBusinessTime, ValidationFailed
from comptoir.sla.calendar import TimeMeasure

DEFAULT_AT_RISK_SHARE = 0.75


class EventType(StrEnum):
    CUSTOMER_MESSAGE = "customer_message"
    AGENT_REPLY = "agent_reply"
    AUTO_REPLY = "auto_reply"
    NOTE = "note"
    STATUS = "status"


class ClockName(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class ClockState(StrEnum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


class TimerKind(StrEnum):
    AT_RISK = "at_risk"
    BREACH = "breach"


@dataclass(frozen=True, slots=True)
class ConversationEvent:
    """One thing that happened to a conversation. ``at`` may be absent only for notes and automatic replies,
    which never move a clock. ``status`` is required for (and only for) ``EventType.STATUS``."""

    type: EventType
    at: datetime | None = None
    status: ConversationStatus | None = None

    def __post_init__(self) -> None:
        if self.at is None and self.type not in (EventType.NOTE, EventType.AUTO_REPLY):
            raise ValidationFailed(f"event {self.type.value!r} needs 'at'")
        if (self.status is None) == (self.type == EventType.STATUS):
            raise ValidationFailed("'status' is required for status events and only for them")


_BY_DIRECTION = {
    Direction.INBOUND: EventType.CUSTOMER_MESSAGE,
    Direction.OUTBOUND: EventType.AGENT_REPLY,
    Direction.AUTOMATIC: EventType.AUTO_REPLY,
    Direction.NOTE: EventType.NOTE,
}


def message_event(direction: Direction, at: datetime) -> ConversationEvent:
    """The clock event of a stored message: inbound → customer message, outbound (sent by a human, from
    Comptoir or echoed from the platform's own app) → agent reply, automatic → auto reply, note → note."""
    return ConversationEvent(_BY_DIRECTION[direction], at)


def status_event(status: ConversationStatus, at: datetime) -> ConversationEvent:
    """The clock event of a status change."""
    return ConversationEvent(EventType.STATUS, at, status)


@dataclass(frozen=True, slots=True)
class SlaTargets:
    """Targets of a policy, in seconds (``None``: no target). ``business_hours``: count only opening time."""

    first_response_seconds: float | None = None
    next_response_seconds: float | None = None
    resolution_seconds: float | None = None
    business_hours: bool = True
    at_risk_share: float = DEFAULT_AT_RISK_SHARE

    def __post_init__(self) -> None:
        for name in ("first_response_seconds", "next_response_seconds", "resolution_seconds"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValidationFailed(f"{name} cannot be negative")
        if not 0 < self.at_risk_share <= 1:
            raise ValidationFailed("at_risk_share must be in (0, 1]")

    def target(self, clock: ClockName) -> float | None:
        if clock is ClockName.FIRST_RESPONSE:
            return self.first_response_seconds
        if clock is ClockName.NEXT_RESPONSE:
            return self.next_response_seconds
        return self.resolution_seconds


@dataclass(frozen=True, slots=True)
class ClockResult:
    """One clock at ``now``. ``cycle_started_at`` identifies the cycle (use it in timer idempotency keys).

    ``counted_seconds``: counted (business or calendar) time from the start to the stop, or to ``now``.
    """

    name: ClockName
    state: ClockState
    target_seconds: float | None = None
    cycle_started_at: datetime | None = None
    due_at: datetime | None = None
    at_risk_at: datetime | None = None
    met_at: datetime | None = None
    breached: bool = False
    counted_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class SlaTimer:
    """An instant at which the timer service must fire an event for a running clock."""

    clock: ClockName
    kind: TimerKind
    fire_at: datetime
    cycle_started_at: datetime


@dataclass(frozen=True, slots=True)
class SlaEvaluation:
    first_response: ClockResult
    next_response: ClockResult
    resolution: ClockResult
    status: ConversationStatus | None
    now: datetime

    @property
    def clocks(self) -> tuple[ClockResult, ClockResult, ClockResult]:
        return (self.first_response, self.next_response, self.resolution)

    def timers(self) -> list[SlaTimer]:
        """At-risk and breach instants of the running clocks, earliest first (some may be ``<= now``:
        the timer service fires those at once unless it already fired the same key)."""
        timers: list[SlaTimer] = []
        for clock in self.clocks:
            if clock.state is not ClockState.RUNNING or clock.cycle_started_at is None:
                continue
            if clock.at_risk_at is not None:
                timers.append(
                    SlaTimer(clock.name, TimerKind.AT_RISK, clock.at_risk_at, clock.cycle_started_at)
                )
            if clock.due_at is not None:
                timers.append(SlaTimer(clock.name, TimerKind.BREACH, clock.due_at, clock.cycle_started_at))
        return sorted(timers, key=lambda timer: timer.fire_at)

    def next_fire_at(self) -> datetime | None:
        """The earliest at-risk or breach instant strictly after ``now`` (what to index for the timer)."""
        upcoming = [timer.fire_at for timer in self.timers() if timer.fire_at > self.now]
        return min(upcoming) if upcoming else None


@dataclass(slots=True)
class _Cycle:
    """A clock's history: running segments ``[start, end)``; ``end is None`` for the running one."""

    started_at: datetime
    segments: list[tuple[datetime, datetime | None]]
    stopped_at: datetime | None = None
    # Stopped while running: the open-ended last segment still gives the deadline in force at the stop.
    stopped_running: bool = False

    @property
    def running(self) -> bool:
        return bool(self.segments) and self.segments[-1][1] is None

    def pause(self, at: datetime) -> None:
        if self.running:
            self.segments[-1] = (self.segments[-1][0], at)

    def resume(self, at: datetime) -> None:
        if not self.running:
            self.segments.append((at, None))
        self.stopped_at = None

    def stop(self, at: datetime) -> None:
        was_running = self.running
        self.pause(at)
        self.stopped_at = at
        self.stopped_running = was_running


def _reach(
    measure: TimeMeasure, segments: Sequence[tuple[datetime, datetime | None]], open_last: bool, target: float
) -> datetime | None:
    """Earliest instant at which counted time over ``segments`` reaches ``target``.

    ``open_last``: the last segment continues indefinitely (the clock is running, or stopped while running).
    ``None`` when the target is not reached within closed segments.
    """
    counted = 0.0
    for index, (start, end) in enumerate(segments):
        need = max(target - counted, 0.0)
        last = index == len(segments) - 1
        if end is None or (last and open_last):
            return measure.add(start, need)
        length = measure.between(start, end)
        if counted + length >= target:
            return measure.add(start, need)
        counted += length
    return None


def _counted(
    measure: TimeMeasure, segments: Sequence[tuple[datetime, datetime | None]], now: datetime
) -> float:
    total = 0.0
    for start, end in segments:
        stop = now if end is None else end
        if stop > start:
            total += measure.between(start, stop)
    return total


def _result(
    name: ClockName,
    cycle: _Cycle | None,
    target: float | None,
    share: float,
    measure: TimeMeasure,
    now: datetime,
) -> ClockResult:
    if cycle is None:
        return ClockResult(name=name, state=ClockState.NOT_STARTED, target_seconds=target)
    if cycle.stopped_at is not None:
        state = ClockState.STOPPED
        open_last = cycle.stopped_running
        end_at = cycle.stopped_at
    elif cycle.running:
        state, open_last, end_at = ClockState.RUNNING, True, now
    else:
        state, open_last, end_at = ClockState.PAUSED, False, now
    counted = _counted(measure, cycle.segments, end_at)
    due_at = at_risk_at = None
    breached = False
    if target is not None:
        try:
            due_at = _reach(measure, cycle.segments, open_last, target)
            at_risk_at = _reach(measure, cycle.segments, open_last, target * share)
        except NoBusinessTime:
            due_at = at_risk_at = None
        if open_last:
            breached = due_at is not None and end_at > due_at
        else:
            # Paused (or stopped while paused): only a budget that ran out before the pause counts.
            paused_at = cycle.segments[-1][1] if cycle.segments else None
            if due_at is not None and paused_at is not None and due_at < paused_at:
                breached = True
            else:
                due_at = None
                if at_risk_at is not None and paused_at is not None and not at_risk_at < paused_at:
                    at_risk_at = None
    return ClockResult(
        name=name,
        state=state,
        target_seconds=target,
        cycle_started_at=cycle.started_at,
        due_at=due_at,
        at_risk_at=at_risk_at,
        met_at=cycle.stopped_at,
        breached=breached,
        counted_seconds=counted,
    )


def _ordered(events: Iterable[ConversationEvent]) -> list[tuple[datetime, ConversationEvent]]:
    """Events that can move a clock, in time order (stable for equal instants)."""
    timed = [(ensure_utc(event.at), event) for event in events if event.at is not None]
    return sorted(timed, key=lambda item: item[0])


def evaluate_clocks(
    events: Iterable[ConversationEvent], targets: SlaTargets, measure: TimeMeasure, now: datetime
) -> SlaEvaluation:
    """Replay ``events`` and return the three clocks at ``now`` (see the module docstring)."""
    now = ensure_utc(now)
    status: ConversationStatus | None = None
    first: _Cycle | None = None
    next_: _Cycle | None = None
    resolution: _Cycle | None = None
    for at, event in _ordered(events):
        if event.type is EventType.CUSTOMER_MESSAGE:
            if first is None or status is ConversationStatus.RESOLVED:
                first = _Cycle(started_at=at, segments=[(at, None)])
            elif first.stopped_at is not None and (next_ is None or next_.stopped_at is not None):
                next_ = _Cycle(started_at=at, segments=[(at, None)])
            if resolution is None:
                resolution = _Cycle(started_at=at, segments=[(at, None)])
            else:
                resolution.resume(at)
            status = ConversationStatus.OPEN
        elif event.type is EventType.AGENT_REPLY:
            if first is not None and first.stopped_at is None:
                first.stop(at)
            if next_ is not None and next_.stopped_at is None:
                next_.stop(at)
        elif event.type is EventType.STATUS:
            assert event.status is not None
            status = event.status
            if resolution is None:
                continue
            if status is ConversationStatus.OPEN:
                resolution.resume(at)
            elif status is ConversationStatus.RESOLVED:
                if resolution.stopped_at is None:
                    resolution.stop(at)
            else:
                if resolution.stopped_at is not None:
                    # Leaving "resolved" for pending/snoozed: not resolved any more, but waiting.
                    resolution.stopped_at = None
                resolution.pause(at)
        # Notes and automatic replies never move a clock.
    share = targets.at_risk_share
    return SlaEvaluation(
        first_response=_result(
            ClockName.FIRST_RESPONSE, first, targets.first_response_seconds, share, measure, now
        ),
        next_response=_result(
            ClockName.NEXT_RESPONSE, next_, targets.next_response_seconds, share, measure, now
        ),
        resolution=_result(ClockName.RESOLUTION, resolution, targets.resolution_seconds, share, measure, now),
        status=status,
        now=now,
    )
