"""The `comptoir triage classify|eval|train` contract, through Typer's runner and a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from comptoir.cli import app

CONTRACT_KEYS = [
    "id", "lang", "spam", "sentiment", "sentiment_score", "intent", "urgency", "needs_reply", "priority",
    "explanation",
]
runner = CliRunner()


def _lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_classify_same_order_exact_keys_and_labels() -> None:
    texts = [
        "Plus d'internet depuis ce matin !",
        "thanks a lot, great service",
        "🎁 GIVEAWAY win a console, RT and follow https://x.co/a",
        "how do I change my billing address?",
    ] * 30
    stdin = "".join(json.dumps({"id": f"m{i}", "text": t}) + "\n" for i, t in enumerate(texts))
    result = runner.invoke(app, ["triage", "classify", "--batch-size", "7"], input=stdin)
    assert result.exit_code == 0, result.output
    rows = _lines(result.output)
    assert [row["id"] for row in rows] == [f"m{i}" for i in range(len(texts))]
    for row in rows:
        assert list(row) == CONTRACT_KEYS
        assert row["sentiment"] in ("negative", "neutral", "positive")
        assert row["intent"] in ("complaint", "request", "praise", "feedback", "spam", "other")
        assert row["urgency"] in ("high", "normal", "low")
        assert isinstance(row["spam"], bool) and isinstance(row["needs_reply"], bool)
        assert isinstance(row["priority"], int) and 0 <= row["priority"] <= 100
        assert 0.0 <= float(row["sentiment_score"]) <= 1.0  # type: ignore[arg-type]
        assert isinstance(row["explanation"], list)
    assert rows[0]["intent"] == "complaint" and rows[2]["spam"] is True


def test_classify_optional_fields() -> None:
    line = {
        "id": "a",
        "text": "Plus de réseau depuis deux jours",
        "channel": "x",
        "visibility": "public",
        "author": {"followers": 48000, "verified": True},
    }
    result = runner.invoke(app, ["triage", "classify"], input=json.dumps(line) + "\n")
    row = _lines(result.output)[0]
    assert any("48k followers, public, verified" in part for part in row["explanation"])  # type: ignore[union-attr]


def test_malformed_lines_get_error_lines_and_the_run_goes_on() -> None:
    stdin = "\n".join(
        [
            json.dumps({"id": "ok1", "text": "merci !"}),
            '{"id": "broken-7", "text": "unterminated',
            "not json at all",
            json.dumps({"id": 42, "text": None}),
            json.dumps(["a", "list"]),
            json.dumps({"id": "bad-author", "text": "hi", "author": {"verified": "yes"}}),
            "",
            json.dumps({"id": "ok2", "text": "my internet is down"}),
        ]
    ) + "\n"
    result = runner.invoke(app, ["triage", "classify"], input=stdin)
    assert result.exit_code == 0
    rows = _lines(result.output)
    assert [row["id"] for row in rows] == ["ok1", "broken-7", None, "42", None, "bad-author", "ok2"]
    errors = [row for row in rows if "error" in row]
    assert len(errors) == 5
    assert errors[0]["error"]["code"] == "invalid_json"  # type: ignore[index]
    assert errors[2]["error"]["code"] == "validation_error"  # type: ignore[index]
    assert rows[-1]["intent"] == "complaint"


def test_classify_streams_before_stdin_is_closed() -> None:
    """A line written to a live process comes back before the input ends (no read-all-then-answer)."""
    env = dict(os.environ)
    proc = subprocess.Popen(
        [sys.executable, "-m", "comptoir.cli", "triage", "classify"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        for n in range(3):
            proc.stdin.write(json.dumps({"id": f"s{n}", "text": "Plus d'internet"}) + "\n")
            proc.stdin.flush()
            row = json.loads(proc.stdout.readline())
            assert row["id"] == f"s{n}" and row["intent"] == "complaint"
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    assert proc.returncode == 0


def test_eval_on_a_labelled_jsonl_file(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    rows = [
        {"id": "1", "text": "Plus d'internet depuis hier, c'est inadmissible", "lang": "fr", "intent": "complaint",
         "sentiment": "negative", "urgency": "high", "needs_reply": "yes", "spam": False},
        {"id": "2", "text": "Merci beaucoup, super service !", "lang": "fr", "intent": "praise",
         "sentiment": "positive", "urgency": "low", "needs_reply": "no", "spam": False},
        {"id": "3", "text": "How do I reset my password?", "lang": "en", "intent": "request",
         "sentiment": "neutral", "urgency": "normal", "needs_reply": True},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = runner.invoke(app, ["triage", "eval", str(path)])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)
    for judgement in ("lang", "intent", "sentiment", "urgency", "needs_reply", "spam"):
        assert 0.0 <= metrics[judgement]["macro_f1"] <= 1.0
        assert "confusion" in metrics[judgement]
    assert metrics["intent"]["confusion"]["complaint"]["complaint"] == 1
    assert metrics["urgency"]["high_recall"] == 1.0


def test_eval_reads_the_care_gold_csv_format(tmp_path: Path) -> None:
    path = tmp_path / "gold.csv"
    path.write_text(
        '"id","source","lang","text","date","brand_replied","intent","sentiment","urgency","needs_reply","note"\n'
        '"free_fr:1","free_fr","fr","plus de connexion depuis 3 jours","2025-01-01 10:00:00+00:00","",'
        '"complaint","negative","high","yes",""\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["triage", "eval", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["intent"]["n"] == 1


def test_train_brand_from_corrections_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from comptoir.settings import reset_settings_cache

    monkeypatch.setenv("COMPTOIR_DATA_DIR", str(tmp_path / "var"))
    reset_settings_cache()
    try:
        corrections = tmp_path / "c.jsonl"
        lines = [{"text": f"grobnik wazoo number {n}", "intent": "praise", "sentiment": "positive"} for n in range(12)]
        corrections.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
        result = runner.invoke(
            app,
            ["triage", "train", "--corrections", str(corrections), "--brand", "acme", "--data-dir",
             str(tmp_path / "none")],
        )
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        assert report["brand_id"] == "acme" and report["n_holdout"] >= 1
        assert (tmp_path / "var" / "models" / "brand-acme").is_dir()
    finally:
        reset_settings_cache()


def test_classify_reads_the_brand_message_a_reply_answers() -> None:
    lines = [
        {"id": "r1", "text": "no, still the same", "brand_reply_text": "Is everything working now?"},
        {"id": "r2", "text": "yes thanks!", "brand_reply_text": "Is everything working now?"},
        {"id": "r3", "text": "yes", "brand_reply_text": ["not", "a", "string"]},
    ]
    result = runner.invoke(app, ["triage", "classify"], input="".join(json.dumps(x) + "\n" for x in lines))
    rows = _lines(result.output)
    assert [rows[0]["intent"], rows[1]["intent"]] == ["complaint", "praise"]
    assert rows[2]["error"] == {  # type: ignore[comparison-overlap]
        "code": "validation_error",
        "message": "brand_reply_text must be a string",
        "line": 3,
    }
