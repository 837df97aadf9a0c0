"""Reading replay files: the TWCS CSV and JSON Lines, streamed."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from comptoir.replay import (
    InvalidRecord,
    ReplayFormat,
    ReplayInputError,
    ReplayItem,
    ReplaySource,
    detect_format,
)

# Written for this test, in the TWCS layout: unnamed pandas index column, float parent ids, a quoted bare CR.
INLINE_TWCS = (
    ",tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
    "0,10,900001,True,Mon Nov 06 08:00:00 +0000 2017,@AcmeCare my router blinks red since 7am,11,\n"
    "1,11,AcmeCare,False,Mon Nov 06 08:04:30 +0000 2017,"
    '"@900001 Sorry! Could you DM us\ryour postcode?",12,10.0\n'
    "2,12,900001,True,Mon Nov 06 08:06:00 +0000 2017,@AcmeCare\r\rdone,,11.0\n"
    "3,13,900002,True,not a date,@AcmeCare hello?,,\n"
    "4,14,900002,True,Mon Nov 06 09:00:00 +0100 2017,@AcmeCare anyone there,,\n"
)


def read_all(path: Path, fmt: ReplayFormat | None = None) -> list[ReplayItem | InvalidRecord]:
    with ReplaySource(path, fmt) as source:
        return list(source)


def test_inline_twcs_rows_become_inbound_and_outbound_messages(tmp_path: Path) -> None:
    path = tmp_path / "stream.csv"
    path.write_bytes(INLINE_TWCS.encode())
    entries = read_all(path)
    assert len(entries) == 5
    first, reply, followup, bad, late = entries
    assert isinstance(first, ReplayItem) and isinstance(reply, ReplayItem)
    assert isinstance(followup, ReplayItem)
    assert first.payload == {
        "external_id": "10",
        "author": {
            "external_id": "900001",
            "handle": "900001",
            "name": None,
            "followers": None,
            "verified": False,
        },
        "text": "@AcmeCare my router blinks red since 7am",
        "sent_at": "2017-11-06T08:00:00Z",
        "visibility": "public",
        "in_reply_to": None,
        "attachments": [],
        "raw": {
            "tweet_id": "10",
            "author_id": "900001",
            "inbound": "True",
            "created_at": "Mon Nov 06 08:00:00 +0000 2017",
            "text": "@AcmeCare my router blinks red since 7am",
            "response_tweet_id": "11",
            "in_response_to_tweet_id": "",
        },
        "direction": "inbound",
    }
    assert first.sent_at == datetime(2017, 11, 6, 8, 0, tzinfo=UTC)
    assert reply.payload["direction"] == "outbound"
    assert reply.payload["author"]["external_id"] == "AcmeCare"
    assert reply.payload["in_reply_to"] == "10"
    assert reply.payload["text"] == "@900001 Sorry! Could you DM us\ryour postcode?"
    assert followup.payload["in_reply_to"] == "11"
    assert followup.payload["text"] == "@AcmeCare\r\rdone"  # unquoted bare CRs, as in the real file
    assert isinstance(bad, InvalidRecord) and "created_at" in bad.reason
    assert isinstance(late, ReplayItem) and late.sent_at == datetime(2017, 11, 6, 8, 0, tzinfo=UTC)


def test_twcs_without_required_columns_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("id,text\n1,hello\n")
    with pytest.raises(ReplayInputError, match="missing column"):
        read_all(path)


@pytest.mark.shared_data
def test_real_twcs_head_file(shared_data: Path) -> None:
    path = shared_data / "twcs_head5000" / "twcs_head5000.csv"
    assert detect_format(path) is ReplayFormat.TWCS
    entries = read_all(path)
    items = [entry for entry in entries if isinstance(entry, ReplayItem)]
    assert len(entries) == len(items) == 5000
    directions = [item.payload["direction"] for item in items]
    assert directions.count("inbound") == 2778
    assert directions.count("outbound") == 2222
    by_id = {item.external_id: item for item in items}
    assert len(by_id) == 5000
    assert by_id["1"].payload["author"]["external_id"] == "sprintcare"
    assert by_id["1"].payload["in_reply_to"] == "3"
    assert by_id["2"].payload["in_reply_to"] == "1"
    assert "\r" in by_id["3399"].payload["text"]
    parents_present = sum(
        1 for item in items if item.payload["in_reply_to"] and item.payload["in_reply_to"] in by_id
    )
    assert parents_present == 3688
    assert all(item.sent_at is not None and item.sent_at.tzinfo is not None for item in items)


def test_jsonl_strips_demo_fields_and_reports_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "stream.jsonl"
    good = {
        "external_id": "m1",
        "author": {"external_id": "a1"},
        "text": "hi",
        "sent_at": "2026-03-02T10:00:00+01:00",
        "visibility": "private",
        "account": "care",
        "delay_s": 12.5,
        "expected": {"intent": "request"},
    }
    lines = [
        json.dumps(good),
        "",
        "{not json",
        json.dumps(["an", "array"]),
        json.dumps({"text": "no id"}),
        json.dumps({"external_id": "m2", "delay_s": -1}),
        json.dumps({"external_id": "m3", "text": "plain"}),
    ]
    path.write_text("\n".join(lines) + "\n")
    entries = read_all(path)
    assert len(entries) == 6
    item = entries[0]
    assert isinstance(item, ReplayItem)
    assert item.payload == {k: v for k, v in good.items() if k not in {"account", "delay_s", "expected"}}
    assert item.account == "care" and item.delay_s == 12.5
    assert item.sent_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    bad_lines = [(entry.line, entry.reason) for entry in entries if isinstance(entry, InvalidRecord)]
    assert [line for line, _ in bad_lines] == [3, 4, 5, 6]
    assert "invalid JSON" in bad_lines[0][1]
    assert "external_id" in bad_lines[2][1]
    last = entries[-1]
    assert isinstance(last, ReplayItem) and last.sent_at is None and last.line == 7


def test_gzipped_jsonl_and_detection_by_content(tmp_path: Path) -> None:
    records = [{"external_id": f"g{i}", "text": "x"} for i in range(3)]
    gz = tmp_path / "stream.jsonl.gz"
    gz.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode()))
    assert detect_format(gz) is ReplayFormat.JSONL
    assert [e.external_id for e in read_all(gz) if isinstance(e, ReplayItem)] == ["g0", "g1", "g2"]

    no_ext = tmp_path / "dump"
    no_ext.write_text("\n" + json.dumps(records[0]) + "\n")
    assert detect_format(no_ext) is ReplayFormat.JSONL
    csv_no_ext = tmp_path / "export"
    csv_no_ext.write_bytes(INLINE_TWCS.encode())
    assert detect_format(csv_no_ext) is ReplayFormat.TWCS
    unknown = tmp_path / "notes"
    unknown.write_text("hello world\n")
    with pytest.raises(ReplayInputError, match="cannot tell the format"):
        detect_format(unknown)
    with pytest.raises(ReplayInputError, match="no such file"):
        ReplaySource(tmp_path / "missing.jsonl")


def test_source_streams_instead_of_loading_the_file(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    line = json.dumps({"external_id": "x", "text": "y" * 200}) + "\n"
    with path.open("w") as handle:
        for _ in range(20_000):
            handle.write(line)
    with ReplaySource(path) as source:
        iterator = iter(source)
        next(iterator)
        assert source.size > 4_000_000
        assert source.bytes_read <= 1 << 17
        count = 1 + sum(1 for _ in iterator)
        assert count == 20_000
        assert source.bytes_read == source.size
