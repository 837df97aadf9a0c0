"""Clock semantics: what starts, pauses and stops each SLA clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comptoir.domain.enums import ConversationStatus as S
from comptoir.errors import ValidationFailed
from comptoir.sla.calendar import CALENDAR_TIME, BusinessCalendar, business_clock
from comptoir.sla.clocks import (
    ClockName,
    ClockState,
    ConversationEvent,
    EventType,
    SlaTargets,
    TimerKind,
    evaluate_clocks,
)

OFFICE = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
PARIS = business_clock(BusinessCalendar.from_hours("Europe/Paris", OFFICE))
HOUR = 3600
TARGETS = SlaTargets(
    first_response_seconds=HOUR,
    next_response_seconds=2 * HOUR,
    resolution_seconds=8 * HOUR,
    business_hours=False,
)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def customer(at: str) -> ConversationEvent:
    return ConversationEvent(EventType.CUSTOMER_MESSAGE, utc(at))


def agent(at: str) -> ConversationEvent:
    return ConversationEvent(EventType.AGENT_REPLY, utc(at))


def auto(at: str | None = None) -> ConversationEvent:
    return ConversationEvent(EventType.AUTO_REPLY, None if at is None else utc(at))


def note(at: str | None = None) -> ConversationEvent:
    return ConversationEvent(EventType.NOTE, None if at is None else utc(at))


def status(at: str, value: S) -> ConversationEvent:
    return ConversationEvent(EventType.STATUS, utc(at), value)


def test_nothing_started_without_a_customer_message() -> None:
    result = evaluate_clocks(
        [agent("2026-03-23T10:00:00")], TARGETS, CALENDAR_TIME, utc("2026-03-24T00:00:00")
    )
    for clock in result.clocks:
        assert clock.state is ClockState.NOT_STARTED
        assert clock.due_at is None and not clock.breached
    assert result.timers() == []


def test_notes_and_auto_replies_never_stop_first_response() -> None:
    events = [
        customer("2026-03-23T10:00:00"),
        auto("2026-03-23T10:00:01"),
        note("2026-03-23T10:05:00"),
        note(),
        auto(),
    ]
    result = evaluate_clocks(events, TARGETS, CALENDAR_TIME, utc("2026-03-23T11:30:00"))
    first = result.first_response
    assert first.state is ClockState.RUNNING
    assert first.met_at is None
    assert first.due_at == utc("2026-03-23T11:00:00")
    assert first.at_risk_at == utc("2026-03-23T10:45:00")
    assert first.breached
    assert first.counted_seconds == 1.5 * HOUR


def test_reply_exactly_at_due_is_on_time_and_one_second_later_is_breached() -> None:
    on_time = evaluate_clocks(
        [customer("2026-03-23T10:00:00"), agent("2026-03-23T11:00:00")],
        TARGETS,
        CALENDAR_TIME,
        utc("2026-03-30T00:00:00"),
    )
    assert on_time.first_response.met_at == utc("2026-03-23T11:00:00")
    assert not on_time.first_response.breached
    late = evaluate_clocks(
        [customer("2026-03-23T10:00:00"), agent("2026-03-23T11:00:01")],
        TARGETS,
        CALENDAR_TIME,
        utc("2026-03-30T00:00:00"),
    )
    assert late.first_response.breached
    # A running clock is breached only when now is strictly past due.
    running = evaluate_clocks(
        [customer("2026-03-23T10:00:00")], TARGETS, CALENDAR_TIME, utc("2026-03-23T11:00:00")
    )
    assert not running.first_response.breached


def test_first_response_never_pauses() -> None:
    events = [customer("2026-03-23T10:00:00"), status("2026-03-23T10:10:00", S.PENDING)]
    result = evaluate_clocks(events, TARGETS, CALENDAR_TIME, utc("2026-03-23T12:00:00"))
    assert result.first_response.state is ClockState.RUNNING
    assert result.first_response.breached
    assert result.resolution.state is ClockState.PAUSED


def test_first_response_in_business_hours_counts_business_seconds() -> None:
    targets = SlaTargets(first_response_seconds=HOUR)
    events = [customer("2026-03-20T16:55:00"), agent("2026-03-23T08:45:00")]  # Fri 17:55 CET, Mon 09:45 CET
    result = evaluate_clocks(events, targets, PARIS, utc("2026-03-25T00:00:00"))
    assert result.first_response.due_at == utc("2026-03-23T08:55:00")
    assert result.first_response.counted_seconds == 3000
    assert not result.first_response.breached


def test_next_response_starts_at_oldest_unanswered_message_after_a_reply() -> None:
    events = [
        customer("2026-03-23T10:00:00"),
        customer("2026-03-23T10:05:00"),  # still under first response
        agent("2026-03-23T10:30:00"),
        agent("2026-03-23T10:31:00"),  # nothing to answer: no next-response cycle
        customer("2026-03-23T12:00:00"),  # oldest unanswered → next response starts
        customer("2026-03-23T12:30:00"),
        note("2026-03-23T13:00:00"),
        auto("2026-03-23T13:00:00"),
    ]
    result = evaluate_clocks(events, TARGETS, CALENDAR_TIME, utc("2026-03-23T13:30:00"))
    assert result.first_response.met_at == utc("2026-03-23T10:30:00")
    nxt = result.next_response
    assert nxt.cycle_started_at == utc("2026-03-23T12:00:00")
    assert nxt.due_at == utc("2026-03-23T14:00:00")
    assert nxt.state is ClockState.RUNNING and not nxt.breached
    answered = evaluate_clocks(
        [*events, agent("2026-03-23T14:00:01")], TARGETS, CALENDAR_TIME, utc("2026-03-23T15:00:00")
    )
    assert answered.next_response.met_at == utc("2026-03-23T14:00:01")
    assert answered.next_response.breached
    # The latest cycle is described.
    again = evaluate_clocks(
        [*events, agent("2026-03-23T14:00:01"), customer("2026-03-23T16:00:00")],
        TARGETS,
        CALENDAR_TIME,
        utc("2026-03-23T16:30:00"),
    )
    assert again.next_response.cycle_started_at == utc("2026-03-23T16:00:00")
    assert again.next_response.met_at is None and not again.next_response.breached


def test_resolution_pauses_while_pending_or_snoozed_and_customer_message_reopens() -> None:
    targets = SlaTargets(resolution_seconds=2 * HOUR, business_hours=False)
    events = [
        customer("2026-03-23T10:00:00"),
        agent("2026-03-23T10:30:00"),
        status("2026-03-23T11:00:00", S.PENDING),  # 1 h counted
        customer("2026-03-23T15:00:00"),  # back to open
        status("2026-03-23T15:30:00", S.SNOOZED),  # 1.5 h counted
        status("2026-03-23T18:00:00", S.OPEN),
    ]
    now = utc("2026-03-23T18:10:00")
    result = evaluate_clocks(events, targets, CALENDAR_TIME, now)
    assert result.status is S.OPEN
    res = result.resolution
    assert res.state is ClockState.RUNNING
    assert res.counted_seconds == 100 * 60
    assert res.due_at == utc("2026-03-23T18:30:00")
    assert res.at_risk_at == utc("2026-03-23T15:30:00")  # 1.5 h reached exactly as it was snoozed
    # While paused at now: due_at is null and not breached.
    paused = evaluate_clocks(events[:5], targets, CALENDAR_TIME, utc("2026-03-24T00:00:00"))
    assert paused.resolution.state is ClockState.PAUSED
    assert paused.resolution.due_at is None and not paused.resolution.breached
    # Only the customer message set it back to open: first response was met and next response started.
    assert paused.next_response.cycle_started_at == utc("2026-03-23T15:00:00")


def test_paused_after_the_budget_ran_out_keeps_due_and_breach() -> None:
    targets = SlaTargets(resolution_seconds=HOUR, business_hours=False)
    events = [customer("2026-03-23T10:00:00"), status("2026-03-23T11:30:00", S.PENDING)]
    result = evaluate_clocks(events, targets, CALENDAR_TIME, utc("2026-03-23T12:00:00"))
    assert result.resolution.state is ClockState.PAUSED
    assert result.resolution.due_at == utc("2026-03-23T11:00:00")
    assert result.resolution.breached
    # Paused exactly when the budget runs out: not breached, no due.
    exact = [customer("2026-03-23T10:00:00"), status("2026-03-23T11:00:00", S.PENDING)]
    result = evaluate_clocks(exact, targets, CALENDAR_TIME, utc("2026-03-23T12:00:00"))
    assert result.resolution.due_at is None and not result.resolution.breached


def test_business_budget_running_out_at_closing_then_paused_after_is_breached() -> None:
    targets = SlaTargets(resolution_seconds=HOUR)
    # Monday 17:00 CET (16:00Z) + 1 business hour = 18:00 CET closing; paused at 20:00 CET.
    events = [customer("2026-03-23T16:00:00"), status("2026-03-23T19:00:00", S.PENDING)]
    result = evaluate_clocks(events, targets, PARIS, utc("2026-03-24T12:00:00"))
    assert result.resolution.due_at == utc("2026-03-23T17:00:00")
    assert result.resolution.breached


def test_resolved_stops_resolution_and_reopen_starts_a_new_first_response_cycle() -> None:
    events = [
        customer("2026-03-23T10:00:00"),
        agent("2026-03-23T10:20:00"),
        status("2026-03-23T11:00:00", S.RESOLVED),
    ]
    done = evaluate_clocks(events, TARGETS, CALENDAR_TIME, utc("2026-03-24T00:00:00"))
    assert done.status is S.RESOLVED
    assert done.resolution.state is ClockState.STOPPED
    assert done.resolution.met_at == utc("2026-03-23T11:00:00")
    assert done.resolution.due_at == utc("2026-03-23T18:00:00") and not done.resolution.breached
    assert done.timers() == []

    reopened = evaluate_clocks(
        [*events, customer("2026-03-24T09:00:00")], TARGETS, CALENDAR_TIME, utc("2026-03-24T09:30:00")
    )
    assert reopened.status is S.OPEN
    first = reopened.first_response
    assert first.cycle_started_at == utc("2026-03-24T09:00:00")
    assert first.met_at is None and first.due_at == utc("2026-03-24T10:00:00")
    assert first.counted_seconds == 30 * 60
    # No next-response cycle: the reopening message belongs to the new first-response cycle.
    assert reopened.next_response.state is ClockState.NOT_STARTED
    # Resolution resumes with the hour already counted: 7 h left from 09:00.
    assert reopened.resolution.met_at is None
    assert reopened.resolution.due_at == utc("2026-03-24T16:00:00")
    kinds = {(timer.clock, timer.kind) for timer in reopened.timers()}
    assert kinds == {
        (ClockName.FIRST_RESPONSE, TimerKind.AT_RISK),
        (ClockName.FIRST_RESPONSE, TimerKind.BREACH),
        (ClockName.RESOLUTION, TimerKind.AT_RISK),
        (ClockName.RESOLUTION, TimerKind.BREACH),
    }
    assert reopened.next_fire_at() == utc("2026-03-24T09:45:00")


def test_resolved_from_pending_keeps_no_due() -> None:
    events = [
        customer("2026-03-23T10:00:00"),
        status("2026-03-23T10:30:00", S.PENDING),
        status("2026-03-24T10:30:00", S.RESOLVED),
    ]
    result = evaluate_clocks(events, TARGETS, CALENDAR_TIME, utc("2026-03-25T00:00:00"))
    assert result.resolution.state is ClockState.STOPPED
    assert result.resolution.met_at == utc("2026-03-24T10:30:00")
    assert result.resolution.due_at is None and not result.resolution.breached


def test_absent_targets_give_no_deadline() -> None:
    result = evaluate_clocks(
        [customer("2026-03-23T10:00:00")], SlaTargets(), CALENDAR_TIME, utc("2026-03-30T00:00:00")
    )
    assert result.first_response.state is ClockState.RUNNING
    assert result.first_response.due_at is None and not result.first_response.breached
    assert result.timers() == []


def test_events_out_of_order_are_replayed_in_time_order() -> None:
    events = [agent("2026-03-23T10:30:00"), customer("2026-03-23T10:00:00")]
    result = evaluate_clocks(events, TARGETS, CALENDAR_TIME, utc("2026-03-23T12:00:00"))
    assert result.first_response.met_at == utc("2026-03-23T10:30:00")


def test_event_validation() -> None:
    with pytest.raises(ValidationFailed):
        ConversationEvent(EventType.CUSTOMER_MESSAGE)
    with pytest.raises(ValidationFailed):
        ConversationEvent(EventType.STATUS, utc("2026-03-23T10:00:00"))
    with pytest.raises(ValidationFailed):
        ConversationEvent(EventType.AGENT_REPLY, utc("2026-03-23T10:00:00"), S.OPEN)
    with pytest.raises(ValidationFailed):
        SlaTargets(at_risk_share=1.5)


# ---- properties --------------------------------------------------------------------------------------

BASE = utc("2026-03-20T08:00:00")
OFFSETS = st.integers(min_value=0, max_value=14 * 86_400)
KINDS = st.sampled_from(
    [EventType.CUSTOMER_MESSAGE, EventType.AGENT_REPLY, EventType.STATUS, EventType.STATUS, EventType.NOTE]
)
STATUSES = st.sampled_from(list(S))


@st.composite
def conversations(draw: st.DrawFn) -> list[ConversationEvent]:
    events = []
    for offset, kind, value in draw(st.lists(st.tuples(OFFSETS, KINDS, STATUSES), max_size=12)):
        at = BASE + timedelta(seconds=offset)
        events.append(ConversationEvent(kind, at, value if kind is EventType.STATUS else None))
    return events


@settings(max_examples=150, deadline=None)
@given(events=conversations(), extra=st.lists(st.tuples(OFFSETS, st.booleans()), max_size=5), now=OFFSETS)
def test_notes_and_auto_replies_anywhere_change_nothing(
    events: list[ConversationEvent], extra: list[tuple[int, bool]], now: int
) -> None:
    targets = SlaTargets(HOUR, 2 * HOUR, 8 * HOUR)
    instant = BASE + timedelta(seconds=now)
    noisy = list(events)
    for offset, is_note in extra:
        kind = EventType.NOTE if is_note else EventType.AUTO_REPLY
        noisy.insert(offset % (len(noisy) + 1), ConversationEvent(kind, BASE + timedelta(seconds=offset)))
    assert evaluate_clocks(noisy, targets, PARIS, instant) == evaluate_clocks(events, targets, PARIS, instant)


@settings(max_examples=150, deadline=None)
@given(events=conversations(), now=OFFSETS)
def test_clock_invariants(events: list[ConversationEvent], now: int) -> None:
    targets = SlaTargets(HOUR, 2 * HOUR, 8 * HOUR)
    result = evaluate_clocks(events, targets, PARIS, BASE + timedelta(seconds=now))
    for clock in result.clocks:
        if clock.due_at is not None and clock.at_risk_at is not None:
            assert clock.at_risk_at <= clock.due_at
        if clock.state is ClockState.STOPPED and clock.due_at is not None:
            assert clock.breached == (clock.met_at is not None and clock.met_at > clock.due_at)
        if clock.state is ClockState.PAUSED and clock.due_at is None:
            assert not clock.breached
    first = result.first_response
    if first.state is ClockState.RUNNING and first.due_at is not None:
        assert first.breached == (result.now > first.due_at)
        # First response never pauses: its due is always the start plus the budget.
        assert first.cycle_started_at is not None
        assert first.due_at == PARIS.add(first.cycle_started_at, HOUR)


@settings(max_examples=150, deadline=None)
@given(start=OFFSETS, budget=st.integers(min_value=1, max_value=3 * 86_400))
def test_a_reply_exactly_at_due_is_on_time(start: int, budget: int) -> None:
    received = BASE + timedelta(seconds=start)
    due = PARIS.add(received, budget)
    targets = SlaTargets(first_response_seconds=budget)
    on_time = evaluate_clocks(
        [
            ConversationEvent(EventType.CUSTOMER_MESSAGE, received),
            ConversationEvent(EventType.AGENT_REPLY, due),
        ],
        targets,
        PARIS,
        due + timedelta(days=30),
    )
    assert on_time.first_response.due_at == due and not on_time.first_response.breached
    assert on_time.first_response.counted_seconds == pytest.approx(budget)
    late = evaluate_clocks(
        [
            ConversationEvent(EventType.CUSTOMER_MESSAGE, received),
            ConversationEvent(EventType.AGENT_REPLY, due + timedelta(seconds=1)),
        ],
        targets,
        PARIS,
        due + timedelta(days=30),
    )
    assert late.first_response.breached
