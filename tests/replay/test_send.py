"""End to end against a loopback ingestion stub: retries on 5xx, none on 4xx, duplicates, batches, pacing."""

from __future__ import annotations

import json
import socket
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from comptoir.cli import app
from comptoir.clock import frozen
from comptoir.replay import InvalidRecord, ReplayItem, ReplayOptions, run_replay
from tests.replay.replay_stub import StubIngestion, StubServer

FAST_RETRY = {"backoff_s": 0.005, "max_backoff_s": 0.02}


def item(external_id: str, *, delay_s: float | None = None, account: str | None = None) -> ReplayItem:
    payload = {"external_id": external_id, "author": {"external_id": "a"}, "text": f"text {external_id}"}
    return ReplayItem(payload=payload, delay_s=delay_s, account=account, line=1)


def test_single_posts_retry_5xx_not_4xx_and_count_duplicates(stub: tuple[StubIngestion, StubServer]) -> None:
    ingestion, server = stub
    ingestion.fail_first = {"m3": 2, "m7": 1}
    items: list[ReplayItem | InvalidRecord] = [item(f"m{i}") for i in range(10)]
    items += [item("bad1"), item("m4"), InvalidRecord(line=99, reason="line 99: invalid JSON")]
    summary = run_replay(
        items,
        url=server.url + "/",
        token="secret",
        account="42",
        options=ReplayOptions(concurrency=4, **FAST_RETRY),
    )
    assert summary.to_dict() | {"elapsed_s": 0, "rate_per_s": 0, "error_samples": []} == {
        "sent": 12,
        "accepted": 10,
        "duplicates": 1,
        "errors": 2,
        "invalid": 1,
        "retries": 3,
        "requests": 15,
        "elapsed_s": 0,
        "rate_per_s": 0,
        "error_samples": [],
    }
    expected_attempts = {f"m{i}": 1 for i in range(10)} | {"m3": 3, "m7": 2, "m4": 2, "bad1": 1}
    assert ingestion.attempts == Counter(expected_attempts)
    assert {request.path for request in ingestion.requests} == {"/api/v1/accounts/42/messages"}
    assert {request.authorization for request in ingestion.requests} == {"Bearer secret"}
    assert len(ingestion.stored) == 10
    assert any("HTTP 422 validation_error: bad1 rejected" in sample for sample in summary.error_samples)
    assert "line 99: invalid JSON" in summary.error_samples


def test_gives_up_after_max_retries(stub: tuple[StubIngestion, StubServer]) -> None:
    ingestion, server = stub
    ingestion.fail_first = {"m0": 100}
    summary = run_replay(
        [item("m0"), item("m1")],
        url=server.url,
        token="secret",
        account="1",
        options=ReplayOptions(concurrency=1, max_retries=3, **FAST_RETRY),
    )
    assert (summary.accepted, summary.errors, summary.retries) == (1, 1, 3)
    assert ingestion.attempts["m0"] == 4
    assert "gave up after 3 retries" in summary.error_samples[0]


def test_unauthorised_is_not_retried(stub: tuple[StubIngestion, StubServer]) -> None:
    ingestion, server = stub
    summary = run_replay([item("m0")], url=server.url, token="wrong", account="1", options=ReplayOptions())
    assert (summary.errors, summary.retries, len(ingestion.requests)) == (1, 0, 1)
    assert "HTTP 401 unauthenticated" in summary.error_samples[0]


def test_connection_refused_is_retried_then_counted() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    summary = run_replay(
        [item("m0"), item("m1")],
        url=f"http://127.0.0.1:{port}",
        token="secret",
        account="1",
        options=ReplayOptions(concurrency=2, max_retries=2, **FAST_RETRY),
    )
    assert (summary.sent, summary.errors, summary.retries, summary.requests) == (2, 2, 4, 6)
    assert "ConnectError" in summary.error_samples[0]


def test_batches_are_arrays_and_retried_whole(stub: tuple[StubIngestion, StubServer]) -> None:
    ingestion, server = stub
    ingestion.fail_batches_first = 1
    items: list[ReplayItem | InvalidRecord] = [item(f"b{i}") for i in range(25)]
    items += [item("b3"), item("bad-x")]
    summary = run_replay(
        items,
        url=server.url,
        token="secret",
        account="5",
        options=ReplayOptions(batch=10, concurrency=2, **FAST_RETRY),
    )
    assert (summary.sent, summary.accepted, summary.duplicates, summary.errors) == (27, 25, 1, 1)
    assert summary.retries == 1
    bodies = [request.body for request in ingestion.requests]
    assert all(isinstance(body, list) for body in bodies)
    assert sorted(len(body) for body in bodies) == [7, 10, 10, 10]
    assert len(ingestion.stored) == 25


def test_account_labels_route_and_delays_pace(stub: tuple[StubIngestion, StubServer]) -> None:
    ingestion, server = stub
    items: list[ReplayItem | InvalidRecord] = [
        item("d0", delay_s=0.0, account="care"),
        item("d1", delay_s=2.0, account="corporate"),
        item("d2", delay_s=4.0, account="care"),
    ]
    summary = run_replay(
        items,
        url=server.url,
        token="secret",
        account={"care": "10", "corporate": "11"},
        options=ReplayOptions(speed=10.0, concurrency=1),
    )
    assert summary.accepted == 3
    assert summary.elapsed_s >= 0.4  # 4 s of demo time at 10x
    assert [(r.path, r.body["external_id"]) for r in ingestion.requests] == [
        ("/api/v1/accounts/10/messages", "d0"),
        ("/api/v1/accounts/11/messages", "d1"),
        ("/api/v1/accounts/10/messages", "d2"),
    ]


def test_cli_replays_a_jsonl_file_and_prints_a_json_summary(
    stub: tuple[StubIngestion, StubServer], tmp_path: Path
) -> None:
    ingestion, server = stub
    path = tmp_path / "stream.jsonl"
    records = [{"external_id": f"c{i}", "text": "hello", "delay_s": 0, "account": "care"} for i in range(5)]
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    args = ["replay", str(path), "--account", "3", "--url", server.url, "--token", "secret", "--no-progress"]
    result = CliRunner().invoke(app, [*args, "--batch", "2"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["sent"], summary["accepted"], summary["errors"]) == (5, 5, 0)
    assert [message["external_id"] for message in ingestion.messages()] == [f"c{i}" for i in range(5)]
    assert all(set(message) == {"external_id", "text"} for message in ingestion.messages())

    again = CliRunner().invoke(app, [*args, "--speed", "1000", "--limit", "3"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout.strip().splitlines()[-1])["duplicates"] == 3

    bad = CliRunner().invoke(app, [*args, "--speed", "zero"])
    assert bad.exit_code == 2
    failing = CliRunner().invoke(app, [*args[:-3], "--token", "nope", "--no-progress"])
    assert failing.exit_code == 1
    assert json.loads(failing.stdout.strip().splitlines()[-1])["errors"] == 5


def test_cli_account_map_routes_labels_and_falls_back(
    stub: tuple[StubIngestion, StubServer], tmp_path: Path
) -> None:
    ingestion, server = stub
    path = tmp_path / "labelled.jsonl"
    records = [
        {"external_id": "l1", "text": "a", "account": "care"},
        {"external_id": "l2", "text": "b", "account": "region-north"},
        {"external_id": "l3", "text": "c"},
        {"external_id": "l4", "text": "d", "account": "unknown"},
    ]
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    base = [
        "replay",
        str(path),
        "--url",
        server.url,
        "--token",
        "secret",
        "--no-progress",
        "--concurrency",
        "1",
    ]
    maps = ["--account-map", "care=2", "--account-map", "region-north=3"]
    result = CliRunner().invoke(app, [*base, "--account", "9", *maps])
    assert result.exit_code == 0, result.output
    assert [(r.path, r.body["external_id"]) for r in ingestion.requests] == [
        ("/api/v1/accounts/2/messages", "l1"),
        ("/api/v1/accounts/3/messages", "l2"),
        ("/api/v1/accounts/9/messages", "l3"),
        ("/api/v1/accounts/9/messages", "l4"),
    ]
    bad = CliRunner().invoke(app, [*base, "--account", "9", "--account-map", "care"])
    assert bad.exit_code == 2


def test_restamp_sets_sent_at_to_the_sending_instant(stub: tuple[StubIngestion, StubServer]) -> None:
    ingestion, server = stub
    old = ReplayItem(payload={"external_id": "o1", "text": "x", "sent_at": "2017-10-31T22:10:47Z"}, line=1)
    instant = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    with frozen(instant):
        run_replay([old], url=server.url, token="secret", account="1", options=ReplayOptions(restamp=True))
        run_replay([old], url=server.url, token="secret", account="2", options=ReplayOptions(batch=5))
    first, second = ingestion.messages()
    assert first["sent_at"] == "2026-06-01T12:00:00Z"
    assert second["sent_at"] == "2017-10-31T22:10:47Z"
    assert old.payload["sent_at"] == "2017-10-31T22:10:47Z"  # the item itself is left alone
