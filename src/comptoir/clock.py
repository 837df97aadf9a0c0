"""The one source of "now": timezone-aware UTC, patchable in tests.

Every module asks :func:`now` for the current instant; tests replace it with :func:`frozen`
or :func:`set_now_function`. Never call ``datetime.now()`` or ``datetime.utcnow()`` elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_now_function: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """Return the current instant as an aware UTC datetime."""
    return _now_function()


def set_now_function(function: Callable[[], datetime]) -> None:
    """Replace the clock (tests)."""
    global _now_function
    _now_function = function


def ensure_utc(value: datetime) -> datetime:
    """Return ``value`` converted to UTC; reject naive datetimes."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: an explicit time zone is required")
    return value.astimezone(UTC)


def from_storage(value: datetime | None) -> datetime | None:
    """Datetimes read back from SQLite are naive UTC; make them aware."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def isoformat_z(value: datetime) -> str:
    """Format an instant as ISO 8601 UTC with a trailing ``Z``, to the microsecond when present."""
    return ensure_utc(value).isoformat().replace("+00:00", "Z")


@contextmanager
def frozen(instant: datetime) -> Iterator[Callable[[datetime], None]]:
    """Freeze the clock at ``instant``; the yielded function moves it."""
    global _now_function
    previous = _now_function
    state = {"now": ensure_utc(instant)}

    def move_to(new_instant: datetime) -> None:
        state["now"] = ensure_utc(new_instant)

    _now_function = lambda: state["now"]  # noqa: E731
    try:
        yield move_to
    finally:
        _now_function = previous
