"""The IMAP watermark stores and the IMAP date format (no server needed)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from comptoir import clock
from comptoir.channels.email import FileWatermarkStore, ImapError, MemoryWatermarkStore, Watermark
from comptoir.channels.email.imap import imap_date


def test_file_store_round_trip_and_atomic_replace(tmp_path: Path) -> None:
    store = FileWatermarkStore(tmp_path / "state" / "inbox.json")
    assert store.load() is None
    store.save(Watermark(uidvalidity=17, last_uid=3))
    store.save(Watermark(uidvalidity=17, last_uid=4))
    assert FileWatermarkStore(tmp_path / "state" / "inbox.json").load() == Watermark(17, 4)
    assert [p.name for p in (tmp_path / "state").iterdir()] == ["inbox.json"]  # no temp files left


def test_corrupt_file_is_an_error_not_a_silent_reset(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text('{"uidvalidity": 1}', encoding="utf-8")
    with pytest.raises(ImapError):
        FileWatermarkStore(path).load()


def test_memory_store() -> None:
    store = MemoryWatermarkStore()
    assert store.load() is None
    store.save(Watermark(1, 2))
    assert store.load() == Watermark(1, 2)


def test_imap_date_is_english_and_locale_independent() -> None:
    with clock.frozen(datetime(2026, 3, 2, 0, 30, tzinfo=UTC)):
        assert imap_date(0) == "2-Mar-2026"
        assert imap_date(2) == "28-Feb-2026"
