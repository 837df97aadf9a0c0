"""Pacing arithmetic of --speed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from comptoir.errors import ValidationFailed
from comptoir.replay import Pacer, parse_speed, send_offsets

T0 = datetime(2017, 10, 31, 22, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_parse_speed() -> None:
    assert parse_speed("max") is None
    assert parse_speed("MAX") is None
    assert parse_speed("60") == 60.0
    assert parse_speed("0.5") == 0.5
    assert parse_speed("10x") == 10.0
    for bad in ("0", "-3", "fast", "", "nan", "inf x"):
        with pytest.raises(ValidationFailed):
            parse_speed(bad)


def test_offsets_follow_timestamp_deltas_divided_by_speed() -> None:
    stamps = [at(0), at(60), at(90), at(600)]
    assert send_offsets(stamps, 60) == [0.0, 1.0, 1.5, 10.0]
    assert send_offsets(stamps, 1) == [0.0, 60.0, 90.0, 600.0]


def test_max_speed_never_waits() -> None:
    assert send_offsets([at(0), at(3600), at(7200)], None) == [0.0, 0.0, 0.0]


def test_going_back_in_time_sends_at_once_and_keeps_the_high_water_mark() -> None:
    # TWCS rows are not sorted: an older row is sent immediately, and the next newer row waits only for the
    # time beyond the latest timestamp seen so far.
    stamps = [at(100), at(40), at(160), at(130), at(220)]
    assert send_offsets(stamps, 2) == [0.0, 0.0, 30.0, 30.0, 60.0]


def test_missing_timestamps_and_first_origin() -> None:
    assert send_offsets([None, at(10), None, at(20)], 10) == [0.0, 0.0, 0.0, 1.0]


def test_max_gap_caps_each_wait() -> None:
    stamps = [at(0), at(10), at(86_400), at(86_410)]
    assert send_offsets(stamps, 1, max_gap_s=5) == [0.0, 5.0, 10.0, 15.0]


def test_explicit_delays_win_and_offsets_never_decrease() -> None:
    offsets = send_offsets([at(0), at(999), None, None], 2, delays=[0.0, 4.0, 3.0, 10.0])
    assert offsets == [0.0, 2.0, 2.0, 5.0]
    with pytest.raises(ValueError):
        send_offsets([at(0)], 1, delays=[])


def test_pacer_is_incremental() -> None:
    pacer = Pacer(speed=30)
    assert pacer.offset(at(0)) == 0.0
    assert pacer.offset(at(30)) == 1.0
    assert pacer.offset(at(45)) == 1.5
