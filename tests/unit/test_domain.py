from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest

from comptoir import clock
from comptoir.domain.enums import ConversationStatus as S
from comptoir.domain.transitions import ALLOWED, check_transition
from comptoir.errors import InvalidTransition


@pytest.mark.parametrize(("current", "target"), list(itertools.product(list(S), list(S))))
def test_transition_table_is_exhaustive(current: S, target: S) -> None:
    if current == target or (current, target) in ALLOWED:
        check_transition(current, target)
    else:
        with pytest.raises(InvalidTransition):
            check_transition(current, target)


def test_resolved_can_only_reopen() -> None:
    assert {t for (f, t) in ALLOWED if f == S.RESOLVED} == {S.OPEN}


def test_clock_is_aware_utc_and_freezable() -> None:
    assert clock.now().tzinfo is not None
    instant = datetime(2026, 3, 20, 16, 55, tzinfo=UTC)
    with clock.frozen(instant) as move:
        assert clock.now() == instant
        move(instant + timedelta(hours=1))
        assert clock.now() == instant + timedelta(hours=1)
    assert clock.now() != instant


def test_ensure_utc_rejects_naive() -> None:
    with pytest.raises(ValueError, match="naive"):
        clock.ensure_utc(datetime(2026, 1, 1))  # noqa: DTZ001
    paris = timezone(timedelta(hours=1))
    assert clock.isoformat_z(datetime(2026, 1, 1, 10, tzinfo=paris)) == "2026-01-01T09:00:00Z"
