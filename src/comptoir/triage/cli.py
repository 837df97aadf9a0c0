"""`comptoir triage ...` commands: classify (JSONL contract), eval (metrics JSON), train (shipped or brand model)."""

from __future__ import annotations

import io
import json
import os
import re
import select
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import typer

from comptoir.triage.types import TriageInput

app = typer.Typer(help="Triage: classify, evaluate, train (French and English).", no_args_is_help=True)

_ID_IN_BROKEN_LINE = re.compile(r'"id"\s*:\s*"?([^",}\s]+)"?')
DEFAULT_DATA_DIR = Path(os.environ.get("COMPTOIR_SHARED_DATA", "../shared/data"))
NAMED_SETS = ("care_gold_dev", "umsab_fr", "umsab_en", "complaints", "airline")


class LineError(Exception):
    def __init__(self, code: str, message: str, message_id: str | None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_id = message_id


def _int(value: Any, name: str, message_id: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LineError("validation_error", f"{name} must be a number", message_id)
    return int(value)


def parse_line(line: str) -> tuple[str | None, TriageInput]:
    """One input line → (id, TriageInput); raises LineError with the id when it could be read."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        found = _ID_IN_BROKEN_LINE.search(line)
        message_id = found.group(1) if found else None
        raise LineError("invalid_json", f"invalid JSON: {exc.msg} at column {exc.colno}", message_id) from exc
    if not isinstance(obj, dict):
        raise LineError("validation_error", "each line must be a JSON object", None)
    raw_id = obj.get("id")
    message_id = None if raw_id is None else str(raw_id)
    text = obj.get("text")
    if not isinstance(text, str):
        raise LineError("validation_error", "text is required and must be a string", message_id)
    author = obj.get("author") or {}
    if not isinstance(author, dict):
        raise LineError("validation_error", "author must be an object", message_id)
    followers = author.get("followers")
    verified = author.get("verified")
    if verified is not None and not isinstance(verified, bool):
        raise LineError("validation_error", "author.verified must be true or false", message_id)
    visibility = obj.get("visibility")
    if visibility is not None and visibility not in ("public", "private"):
        raise LineError("validation_error", "visibility must be public or private", message_id)
    deadline = obj.get("seconds_left_before_deadline")
    if deadline is not None and (isinstance(deadline, bool) or not isinstance(deadline, int | float)):
        raise LineError("validation_error", "seconds_left_before_deadline must be a number", message_id)
    after_reply = obj.get("after_brand_reply", False)
    if not isinstance(after_reply, bool):
        raise LineError("validation_error", "after_brand_reply must be true or false", message_id)
    brand_reply_text = obj.get("brand_reply_text")
    if brand_reply_text is not None and not isinstance(brand_reply_text, str):
        raise LineError("validation_error", "brand_reply_text must be a string", message_id)
    item = TriageInput(
        text=text,
        id=message_id,
        channel=obj.get("channel") if isinstance(obj.get("channel"), str) else None,
        visibility=visibility,
        author_followers=None if followers is None else _int(followers, "author.followers", message_id),
        author_verified=verified,
        previous_unanswered_inbound=_int(
            obj.get("previous_unanswered_inbound"), "previous_unanswered_inbound", message_id
        ),
        previous_contacts=_int(obj.get("previous_contacts"), "previous_contacts", message_id),
        recent_identical_from_author=_int(
            obj.get("recent_identical_from_author"), "recent_identical_from_author", message_id
        ),
        seconds_left_before_deadline=None if deadline is None else float(deadline),
        brand_id=str(obj["brand_id"]) if obj.get("brand_id") is not None else None,
        after_brand_reply=after_reply,
        brand_reply_text=brand_reply_text,
    )
    return message_id, item


def _stdin_idle(stream: IO[str]) -> bool:
    """True when no more input is ready right now (flush what we have: streaming for interactive use)."""
    try:
        ready, _, _ = select.select([stream], [], [], 0)
    except (ValueError, OSError, io.UnsupportedOperation, TypeError):
        return False
    return not ready


def _chunks(stream: IO[str], size: int) -> Iterator[list[tuple[int, str]]]:
    chunk: list[tuple[int, str]] = []
    for n, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        chunk.append((n, line))
        if len(chunk) >= size or _stdin_idle(stream):
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _error_line(line_no: int, err: LineError) -> dict[str, Any]:
    return {"id": err.message_id, "error": {"code": err.code, "message": err.message, "line": line_no}}


@app.command()
def classify(
    batch_size: int = typer.Option(256, help="Messages judged together (output still streams, same order)."),
    details: bool = typer.Option(False, help="Add influence and the reasons of every judgement."),
) -> None:
    """Read JSON Lines on stdin, write one JSON line per input, same order (errors as error lines)."""
    from comptoir.triage.analyze import analyze_batch

    out = sys.stdout
    for chunk in _chunks(sys.stdin, max(1, batch_size)):
        parsed: list[tuple[int, str | None, TriageInput | None, LineError | None]] = []
        for line_no, line in chunk:
            try:
                message_id, item = parse_line(line)
                parsed.append((line_no, message_id, item, None))
            except LineError as err:
                parsed.append((line_no, err.message_id, None, err))
        items = [p[2] for p in parsed if p[2] is not None]
        results = iter(analyze_batch(items))
        for line_no, message_id, maybe_item, problem in parsed:
            if problem is not None or maybe_item is None:
                row = _error_line(line_no, problem or LineError("internal_error", "unreadable", message_id))
            else:
                result = next(results)
                row = result.to_contract(message_id)
                if not details:
                    row.pop("influence", None)
                else:
                    row["reasons"] = {k: list(v) for k, v in result.reasons.items()}
                if message_id is None:
                    row = {"id": None, **row}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        out.flush()


def _named_set(name: str, data_dir: Path) -> list[Any]:
    from comptoir.triage import datasets as ds

    if name == "care_gold_dev":
        return ds.care_gold(data_dir / "care_gold_dev" / "care_gold_dev.csv")
    if name == "umsab_fr":
        return ds.umsab(data_dir, "fr")
    if name == "umsab_en":
        return ds.umsab(data_dir, "en")
    if name == "complaints":
        return ds.complaints(data_dir)
    if name == "airline":
        return ds.airline(data_dir)
    raise typer.BadParameter(f"unknown dataset {name!r}; choose from {', '.join(NAMED_SETS)}")


@app.command("eval")
def eval_command(
    path: Path | None = typer.Argument(
        None, help="Labelled file: care_gold_dev CSV format or JSONL with labels."
    ),
    dataset: str | None = typer.Option(
        None, help=f"A named shared set instead of a file: {', '.join(NAMED_SETS)}."
    ),
    data_dir: Path = typer.Option(
        DEFAULT_DATA_DIR, help="The shared data folder (env COMPTOIR_SHARED_DATA)."
    ),
    model_dir: Path | None = typer.Option(
        None, help="Model folder to evaluate (default: the shipped model)."
    ),
    confusion: bool = typer.Option(True, help="Include confusion matrices."),
    cross_validate: int = typer.Option(
        0, help="Learning-loop simulation: k-fold CV of brand models trained on this set as corrections."
    ),
) -> None:
    """Print metrics as JSON: macro-F1 per judgement, confusion matrices, high-urgency recall."""
    from comptoir.triage.analyze import analyze_with_model
    from comptoir.triage.datasets import load_labelled
    from comptoir.triage.evaluate import evaluate

    if (path is None) == (dataset is None):
        raise typer.BadParameter("give either a labelled file or --dataset (exactly one)")
    try:
        examples = load_labelled(path) if path is not None else _named_set(str(dataset), data_dir)
    except (OSError, ValueError, KeyError) as exc:
        raise typer.BadParameter(f"cannot read the labelled data: {exc}") from exc
    if cross_validate > 1:
        from comptoir.triage.crossval import cross_validate as run_cv

        summary = run_cv(
            examples, folds=cross_validate, base_data_dir=data_dir if data_dir.is_dir() else None
        )
        typer.echo(json.dumps(summary, indent=2, sort_keys=True))
        return
    results = analyze_with_model([TriageInput(text=e.text) for e in examples], model_dir)
    metrics = evaluate(examples, results)
    metrics["source"] = str(path) if path is not None else dataset
    if not confusion:
        for value in metrics.values():
            if isinstance(value, dict):
                value.pop("confusion", None)
    typer.echo(json.dumps(metrics, indent=2, sort_keys=True))


def _read_corrections(path: Path) -> list[Any]:
    from comptoir.triage.datasets import _bool_field
    from comptoir.triage.learning import Correction

    out: list[Correction] = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                out.append(
                    Correction(
                        text=str(obj["text"]),
                        intent=obj.get("intent"),
                        sentiment=obj.get("sentiment"),
                        urgency=obj.get("urgency"),
                        spam=_bool_field(obj.get("spam")),
                        needs_reply=_bool_field(obj.get("needs_reply")),
                        lang=obj.get("lang"),
                        message_id=str(obj["id"]) if obj.get("id") is not None else None,
                    )
                )
            except (KeyError, ValueError, TypeError, AttributeError) as exc:
                raise typer.BadParameter(f"{path}:{n}: {exc}") from exc
    return out


@app.command()
def train(
    data_dir: Path = typer.Option(DEFAULT_DATA_DIR, help="The shared data folder, read by path."),
    out: Path | None = typer.Option(
        None, help="Where to write the model (default: the shipped model folder)."
    ),
    corrections: Path | None = typer.Option(
        None, help="JSONL of agent corrections (text + labels) for --brand."
    ),
    brand: str | None = typer.Option(None, help="Train this brand's model from --corrections or --from-db."),
    from_db: bool = typer.Option(False, "--from-db", help="Read --brand's corrections from the database."),
    holdout_fraction: float = typer.Option(0.3, help="Share of the corrections held out to compare models."),
    seed: int = typer.Option(0, help="Seed of the held-out split."),
) -> None:
    """Train the shipped model (licence-compatible data only), or a brand model from its corrections."""
    if from_db and brand is None:
        raise typer.BadParameter("--from-db needs --brand")
    if not from_db and (corrections is None) != (brand is None):
        raise typer.BadParameter("--corrections and --brand go together")
    if brand is not None and (from_db or corrections is not None):
        from dataclasses import asdict

        from comptoir.triage.learning import train_brand_model

        if from_db:
            from comptoir.actions.corrections import corrections_for_brand
            from comptoir.runtime import build_runtime

            items = corrections_for_brand(build_runtime().db, int(brand))
            if not items:
                raise typer.BadParameter(f"brand {brand} has no triage corrections yet")
        else:
            assert corrections is not None
            items = _read_corrections(corrections)
        report = train_brand_model(
            brand,
            items,
            base_data_dir=data_dir if data_dir.is_dir() else None,
            holdout_fraction=holdout_fraction,
            seed=seed,
        )
        typer.echo(json.dumps(asdict(report), indent=2))
        return
    from comptoir.triage.train import train_shipped

    if not data_dir.is_dir():
        raise typer.BadParameter(f"data folder not found: {data_dir}")
    typer.echo(json.dumps(train_shipped(data_dir, out), indent=2))
