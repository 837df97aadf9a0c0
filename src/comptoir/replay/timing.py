"""When to send each message: pure pacing arithmetic, kept apart from I/O so it can be tested exactly.

``--speed N`` replays N times faster than the timestamps: the k-th message is due ``(t_k - t_0) / N``
seconds after the start, where ``t_k`` is the latest timestamp seen so far (a stream that goes back in time —
TWCS rows are not sorted — never waits, it sends at once). A record with an explicit ``delay_s`` (demo
corpus) is due at ``delay_s / N``. ``--max-gap S`` caps any single wait between consecutive messages at S
seconds of replay time.
``--speed max`` means no pacing at all: every offset is 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from comptoir.errors import ValidationFailed


def parse_speed(value: str) -> float | None:
    """``"max"`` → ``None`` (as fast as the server takes them); ``"60"`` → 60.0. Rejects 0 and negatives."""
    text = value.strip().lower()
    if text in {"max", "inf", "unlimited"}:
        return None
    try:
        speed = float(text.rstrip("x"))
    except ValueError as error:
        raise ValidationFailed(f"--speed must be a positive number or 'max', got {value!r}") from error
    if not speed > 0 or speed == float("inf"):
        raise ValidationFailed(f"--speed must be a positive number or 'max', got {value!r}")
    return speed


@dataclass
class Pacer:
    """Stateful offset computation, one call per message in stream order."""

    speed: float | None
    max_gap_s: float | None = None
    _origin: datetime | None = field(default=None, init=False)
    _latest: datetime | None = field(default=None, init=False)
    _last_offset: float = field(default=0.0, init=False)

    def offset(self, sent_at: datetime | None, delay_s: float | None = None) -> float:
        """Seconds after the start of the replay at which this message is due (non-decreasing)."""
        if self.speed is None:
            return 0.0
        if delay_s is not None:
            target = delay_s / self.speed
        elif sent_at is None:
            target = self._last_offset
        elif self._origin is None or self._latest is None:
            self._origin = self._latest = sent_at
            target = self._last_offset
        else:
            gap = max(0.0, (sent_at - self._latest).total_seconds()) / self.speed
            if self.max_gap_s is not None:
                gap = min(gap, self.max_gap_s)
            self._latest = max(self._latest, sent_at)
            target = self._last_offset + gap
        self._last_offset = max(self._last_offset, target)
        return self._last_offset


def send_offsets(
    timestamps: Iterable[datetime | None],
    speed: float | None,
    *,
    delays: Iterable[float | None] | None = None,
    max_gap_s: float | None = None,
) -> list[float]:
    """Offsets (seconds from the start) at which to send messages with these timestamps, in order."""
    pacer = Pacer(speed=speed, max_gap_s=max_gap_s)
    stamps = list(timestamps)
    delay_list = list(delays) if delays is not None else [None] * len(stamps)
    if len(delay_list) != len(stamps):
        raise ValueError("timestamps and delays must have the same length")
    return [pacer.offset(stamp, delay) for stamp, delay in zip(stamps, delay_list, strict=True)]
