"""Metrics for labelled sets: macro-F1 per judgement, confusion matrices, high-urgency recall."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from comptoir.triage.datasets import Example
from comptoir.triage.types import TriageResult


def _f1_table(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    per: dict[str, dict[str, float]] = {}
    for lab in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == lab and p == lab)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != lab and p == lab)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == lab and p != lab)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[lab] = {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4), "support": tp + fn}
    present = [lab for lab in labels if per[lab]["support"] > 0]
    macro = sum(per[lab]["f1"] for lab in present) / len(present) if present else 0.0
    confusion = {g: {p: 0 for p in labels} for g in labels}
    for g, p in zip(gold, pred, strict=True):
        if g in confusion and p in confusion[g]:
            confusion[g][p] += 1
    accuracy = sum(1 for g, p in zip(gold, pred, strict=True) if g == p) / len(gold) if gold else 0.0
    return {
        "n": len(gold),
        "macro_f1": round(macro, 4),
        "accuracy": round(accuracy, 4),
        "per_label": per,
        "confusion": confusion,
    }


def evaluate(examples: Sequence[Example], results: Sequence[TriageResult]) -> dict[str, Any]:
    out: dict[str, Any] = {"n": len(examples)}
    pairs = list(zip(examples, results, strict=True))

    def collect(attr: str, value: Any) -> tuple[list[str], list[str]]:
        gold = [str(getattr(e, attr)) for e, _ in pairs if getattr(e, attr) is not None]
        pred = [str(value(r)) for e, r in pairs if getattr(e, attr) is not None]
        return gold, pred

    gold, pred = collect("lang", lambda r: r.lang)
    if gold:
        labels = sorted(set(gold) | set(pred))
        out["lang"] = _f1_table(gold, pred, labels)
        fr_en = [(g, p) for g, p in zip(gold, pred, strict=True) if g in ("fr", "en")]
        if fr_en:
            out["lang"]["fr_en_accuracy"] = round(sum(1 for g, p in fr_en if g == p) / len(fr_en), 4)
    gold, pred = collect("sentiment", lambda r: r.sentiment)
    if gold:
        out["sentiment"] = _f1_table(gold, pred, ["negative", "neutral", "positive"])
    gold, pred = collect("intent", lambda r: r.intent)
    if gold:
        if "not_complaint" in gold and set(gold) <= {"complaint", "not_complaint"}:
            pred = ["complaint" if p == "complaint" else "not_complaint" for p in pred]
            table = _f1_table(gold, pred, ["complaint", "not_complaint"])
            table["complaint_f1"] = table["per_label"]["complaint"]["f1"]
            out["complaint"] = table
        else:
            out["intent"] = _f1_table(gold, pred, ["complaint", "request", "praise", "feedback", "spam", "other"])
    gold, pred = collect("urgency", lambda r: r.urgency)
    if gold:
        table = _f1_table(gold, pred, ["high", "normal", "low"])
        table["high_recall"] = table["per_label"]["high"]["recall"]
        out["urgency"] = table
    gold, pred = collect("needs_reply", lambda r: r.needs_reply)
    if gold:
        out["needs_reply"] = _f1_table(gold, pred, ["True", "False"])
    gold, pred = collect("spam", lambda r: r.spam)
    if gold:
        out["spam"] = _f1_table(gold, pred, ["True", "False"])
    return out
