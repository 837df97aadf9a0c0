"""The demo corpus: size, balance, threads, repeat customers, and that it is ours."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest

from comptoir.demo import DEMO_ACCOUNTS, CorpusError, DemoAccount, demo_replay_items, load_corpus
from comptoir.demo.corpus import parse_corpus
from comptoir.domain.enums import Direction, Visibility
from comptoir.replay import ReplayOptions, run_replay
from tests.replay.replay_stub import StubIngestion, StubServer

CORPUS_TEXT = resources.files("comptoir.demo").joinpath("corpus.jsonl").read_text(encoding="utf-8")


def test_size_and_language_balance() -> None:
    corpus = load_corpus()
    assert len(corpus) >= 320
    inbound = [m for m in corpus if m.direction is Direction.INBOUND]
    langs = Counter(m.expected.lang for m in inbound if m.expected)
    assert len(inbound) >= 300
    assert langs["fr"] / len(inbound) >= 0.40
    assert langs["en"] / len(inbound) >= 0.40
    assert {"es", "de", "it"} <= set(langs)
    assert langs["und"] >= 3  # emoji-only and gibberish


def test_every_label_account_and_channel_is_represented() -> None:
    corpus = load_corpus()
    labels = [m.expected for m in corpus if m.expected]
    assert {e.intent for e in labels} == {"complaint", "request", "praise", "feedback", "spam", "other"}
    assert {e.sentiment for e in labels} == {"negative", "neutral", "positive"}
    assert {e.urgency for e in labels} == {"high", "normal", "low"}
    assert {e.needs_reply for e in labels} == {True, False}
    assert Counter(e.urgency for e in labels)["high"] >= 30
    visibility = Counter(m.visibility for m in corpus)
    assert visibility[Visibility.PUBLIC] >= 100 and visibility[Visibility.PRIVATE] >= 40
    assert {m.account for m in corpus} == set(DemoAccount)
    assert {m.channel for m in corpus} == {"x", "x_dm", "fb", "messenger", "ig", "ig_dm", "email"}
    assert {spec.label for spec in DEMO_ACCOUNTS} == set(DemoAccount)
    outbound = [m for m in corpus if m.direction is Direction.OUTBOUND]
    assert len(outbound) >= 5
    assert all(m.expected is None and m.author.verified for m in outbound)


def test_threads_are_consistent_and_in_order() -> None:
    corpus = load_corpus()
    ids = [m.external_id for m in corpus]
    assert len(set(ids)) == len(ids)
    position = {external_id: index for index, external_id in enumerate(ids)}
    replies = [m for m in corpus if m.in_reply_to]
    assert len(replies) >= 40
    for message in replies:
        assert message.in_reply_to in position
        assert position[message.in_reply_to] < position[message.external_id]
        parent = corpus[position[message.in_reply_to]]
        assert parent.delay_s < message.delay_s
        assert message.visibility is parent.visibility is Visibility.PUBLIC
    delays = [m.delay_s for m in corpus]
    assert delays == sorted(delays)
    assert 180 <= delays[-1] <= 300  # about four minutes

    def root(message_id: str) -> str:
        parent = corpus[position[message_id]].in_reply_to
        return message_id if parent is None else root(parent)

    thread_sizes = Counter(root(m.external_id) for m in replies)
    assert sum(1 for size in thread_sizes.values() if size >= 3) >= 5


def test_repeat_and_influential_authors() -> None:
    corpus = load_corpus()
    inbound = [m for m in corpus if m.direction is Direction.INBOUND]
    by_author: dict[str, set[Visibility]] = defaultdict(set)
    counts = Counter(m.author.external_id for m in inbound)
    for message in inbound:
        by_author[message.author.external_id].add(message.visibility)
    assert sum(1 for n in counts.values() if n >= 2) >= 25
    assert sum(1 for n in counts.values() if n >= 3) >= 8
    assert sum(1 for v in by_author.values() if v == {Visibility.PUBLIC, Visibility.PRIVATE}) >= 10
    influential = {m.author.external_id for m in inbound if (m.author.followers or 0) >= 50_000}
    assert len(influential) >= 4
    assert any(m.author.verified for m in inbound)


def test_floods_of_the_same_text() -> None:
    texts = Counter(m.text for m in load_corpus())
    floods = [text for text, n in texts.items() if n >= 3]
    assert len(floods) >= 2


def test_payload_is_the_line_without_the_demo_fields() -> None:
    records = [json.loads(line) for line in CORPUS_TEXT.splitlines() if line.strip()]
    corpus = load_corpus()
    assert len(records) == len(corpus)
    for record, message in zip(records, corpus, strict=True):
        expected_payload = {k: v for k, v in record.items() if k not in {"account", "delay_s", "expected"}}
        assert message.payload() == expected_payload


def test_demo_replay_items_rebase_timestamps() -> None:
    start = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    items = demo_replay_items(start)
    corpus = load_corpus()
    assert len(items) == len(corpus)
    for item, message in zip(items, corpus, strict=True):
        assert item.sent_at == start + timedelta(seconds=message.delay_s)
        assert item.payload["sent_at"] == item.sent_at.isoformat().replace("+00:00", "Z")
        assert item.account == str(message.account)
        assert item.delay_s == message.delay_s


def test_validation_rejects_broken_corpora() -> None:
    lines = CORPUS_TEXT.splitlines()
    first, second = json.loads(lines[0]), json.loads(lines[1])
    parse_corpus("\n".join(lines[:5]))  # a prefix is valid
    with pytest.raises(CorpusError, match="duplicate external_id"):
        parse_corpus("\n".join([lines[0], lines[0]]))
    with pytest.raises(CorpusError, match="delay_s must not decrease"):
        parse_corpus("\n".join([json.dumps(second), json.dumps(first | {"external_id": "z"})]))
    with pytest.raises(CorpusError, match="not an earlier message"):
        parse_corpus(json.dumps(second | {"in_reply_to": "demo-x-9999"}))
    with pytest.raises(CorpusError, match="bad intent"):
        parse_corpus(json.dumps(second | {"expected": second["expected"] | {"intent": "question"}}))
    with pytest.raises(CorpusError, match="visibility does not match"):
        parse_corpus(json.dumps(second | {"visibility": "private"}))
    with pytest.raises(CorpusError, match="not a valid DemoAccount"):
        parse_corpus(json.dumps(second | {"account": "sales"}))


@pytest.mark.shared_data
def test_corpus_is_written_for_the_project_not_copied(shared_data: Path) -> None:
    def normalise(text: str) -> str:
        return " ".join(text.lower().split())

    shared: set[str] = set()
    for relative, column in (
        ("twcs_head5000/twcs_head5000.csv", "text"),
        ("care_gold_dev/care_gold_dev.csv", "text"),
        ("free_fr_tweets_unlabelled/free_tweet_export.csv", "text"),
    ):
        with (shared_data / relative).open(encoding="utf-8", newline="") as handle:
            shared.update(normalise(row.get(column) or "") for row in csv.DictReader(handle))
    ours = {normalise(m.text) for m in load_corpus()}
    assert not ours & shared


def test_demo_stream_reaches_each_account(stub: tuple[StubIngestion, StubServer]) -> None:
    ingestion, server = stub
    items = demo_replay_items(datetime(2026, 5, 1, 9, 0, tzinfo=UTC))
    mapping = {str(label): str(index) for index, label in enumerate(DemoAccount, start=1)}
    summary = run_replay(
        items, url=server.url, token="secret", account=mapping, options=ReplayOptions(batch=50, concurrency=1)
    )
    assert (summary.sent, summary.accepted, summary.errors) == (len(items), len(items), 0)
    paths = Counter(request.path for request in ingestion.requests)
    assert set(paths) == {f"/api/v1/accounts/{i}/messages" for i in range(1, 5)}
    assert [m["external_id"] for m in ingestion.messages()] == [i.payload["external_id"] for i in items]
