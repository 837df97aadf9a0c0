"""The triage API the pipeline calls: ``analyze(item)`` and ``analyze_batch(items)``, pure and fast.

Order of the judgements: language → shared analysis (cues, lexicon) → model probabilities (intent, sentiment; or a
registered backend) → spam → intent → sentiment → urgency → needs_reply → influence → priority.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import cast

from comptoir.triage import (
    backends,
    influence,
    intent,
    language,
    lexicons,
    memory,
    model,
    priority,
    reply,
    sentiment,
    spam,
    thread,
    urgency,
)
from comptoir.triage.features import analyse
from comptoir.triage.text import clip
from comptoir.triage.types import TriageInput, TriageResult, Urgency

BATCH = 256
REMEMBERED = "an agent corrected an identical message"


def load(model_dir: Path | None = None) -> None:
    """Load every model now (the pipeline calls this at start; otherwise done lazily on first use)."""
    language.load()
    for lang in ("fr", "en", "und"):
        lexicons.compiled(lang)
        lexicons.valence_table(lang)
    model.load(model_dir)


def _model_dir_for(brand_id: str | None) -> Path | None:
    if brand_id is None:
        return None
    from comptoir.triage.learning import active_model_dir

    return active_model_dir(brand_id)


def _judge_chunk(
    items: Sequence[TriageInput], model_dir: Path | None, seconds_left: float | None
) -> list[TriageResult]:
    bundle = model.load(model_dir)
    texts = [clip(item.text) for item in items]
    langs = [language.detect(text) for text in texts]
    analysed = [analyse(text, lang) for text, (lang, _, _) in zip(texts, langs, strict=True)]
    # The urgency head is used for brand models only (learned from the brand's corrections; rules otherwise).
    intent_probs, sent_probs, urgency_probs = bundle.predict_all(analysed, urgency=model_dir is not None)
    codes = [lang for lang, _, _ in langs]
    brand = items[0].brand_id if items else None
    deciders = {name: bundle.version for name in backends.PLUGGABLE}
    plugged: dict[str, list[dict[str, float]] | None] = dict.fromkeys(backends.PLUGGABLE)
    for name in backends.PLUGGABLE:
        plug = backends.lookup(name, brand)
        if plug is None:
            continue
        got, why = backends.run(plug, texts, codes, backends.LABELS[name])
        if got is None:
            deciders[name] = f"{bundle.version} (backend {plug.name} failed: {why})"
            continue
        plugged[name], deciders[name] = got, plug.name
        if name == "intent":
            intent_probs[:] = got
        elif name == "sentiment":
            sent_probs[:] = got
    results: list[TriageResult] = []
    for n, (item, (lang, lang_conf, lang_reason), a, ip, sp) in enumerate(
        zip(items, langs, analysed, intent_probs, sent_probs, strict=True)
    ):
        spam_p = ip.get("spam", 0.0) if plugged["intent"] else spam.model_probability(ip, intent.PRIORS)
        is_spam, spam_score, spam_reasons = spam.judge(item, a, spam_p)
        if (plug_spam := plugged["spam"]) is not None:
            is_spam, spam_score, spam_reasons = _plugged_spam(item, plug_spam[n], deciders["spam"])
        memo = memory.recall(bundle.meta, a.norm) if model_dir is not None else None
        if memo and ("spam" in memo or "intent" in memo):
            is_spam = bool(memo.get("spam", memo.get("intent") == "spam"))
            spam_score, spam_reasons = float(is_spam), (REMEMBERED,)
        intent_label, intent_score, intent_reasons = intent.judge(
            a,
            ip,
            is_spam,
            blend=plugged["intent"] is None,
            after_brand_reply=item.after_brand_reply or item.brand_reply_text is not None,
            brand_ask=thread.brand_asked(item.brand_reply_text),
        )
        if memo and "intent" in memo and not is_spam:
            intent_label, intent_score = memo["intent"], 1.0
            intent_reasons = (f"{intent_label} 1.00", REMEMBERED)
        sent_label, sent_score, sent_reasons = sentiment.judge(
            a,
            sp,
            blend=plugged["sentiment"] is None,
            intent=intent_label,
            weight=sentiment.model_weight(lang, shipped=model_dir is None),
        )
        if memo and "sentiment" in memo:
            sent_label, sent_score = memo["sentiment"], 1.0
            sent_reasons = (f"{sent_label} 1.00", REMEMBERED)
        urg, urg_reasons = urgency.judge(item, a, intent_label, is_spam)
        if urgency_probs is not None:
            urg, urg_reasons = urgency.with_learned(item, (urg, urg_reasons), urgency_probs[n], is_spam)
        if (plug_urgency := plugged["urgency"]) is not None:
            urg, urg_reasons = _plugged_urgency(
                item, plug_urgency[n], intent_label, is_spam, deciders["urgency"]
            )
        if memo and "urgency" in memo:
            urg, urg_reasons = memo["urgency"], (REMEMBERED,)
        needs, reply_reasons = reply.judge(a, intent_label, urg, is_spam)
        if (plug_reply := plugged["needs_reply"]) is not None:
            label, share = backends.decide(plug_reply[n])
            needs, reply_reasons = label == "yes", (f"{label} {share:.2f}", f"by {deciders['needs_reply']}")
        if memo and "needs_reply" in memo:
            needs, reply_reasons = bool(memo["needs_reply"]), (REMEMBERED,)
        infl, infl_reasons = influence.judge(item)
        prio, explanation = priority.compute(
            item,
            spam=is_spam,
            intent=intent_label,
            sentiment=sent_label,
            sentiment_score=sent_score,
            urgency=urg,
            needs_reply=needs,
            influence=infl,
            seconds_left_before_deadline=seconds_left,
            spam_reason=spam_reasons[0] if spam_reasons else None,
        )
        results.append(
            TriageResult(
                lang=lang,
                spam=is_spam,
                sentiment=sent_label,
                sentiment_score=sent_score,
                intent=intent_label,
                intent_score=intent_score,
                urgency=urg,
                needs_reply=needs,
                influence=infl,
                priority=prio,
                explanation=explanation,
                reasons={
                    "lang": (f"{lang} {lang_conf:.2f}", lang_reason),
                    "spam": _with_decider(
                        (f"{spam_score:.2f}", *spam_reasons), deciders["spam"], plugged["spam"]
                    ),
                    "intent": (*intent_reasons, f"by {deciders['intent']}"),
                    "sentiment": (*sent_reasons, f"by {deciders['sentiment']}"),
                    "urgency": _with_decider(urg_reasons, deciders["urgency"], plugged["urgency"]),
                    "needs_reply": _with_decider(
                        reply_reasons, deciders["needs_reply"], plugged["needs_reply"]
                    ),
                    "influence": infl_reasons,
                },
                model_version=bundle.version,
            )
        )
    return results


def _with_decider(reasons: tuple[str, ...], decider: str, plugged: object) -> tuple[str, ...]:
    """A plugged judgement already names its backend; a failed backend is named beside the rules' reasons."""
    return reasons if plugged is not None or "failed" not in decider else (*reasons, f"by {decider}")


def _plugged_spam(
    item: TriageInput, probs: dict[str, float], name: str
) -> tuple[bool, float, tuple[str, ...]]:
    label, share = backends.decide(probs)
    reasons: tuple[str, ...] = (f"{label} {share:.2f}", f"by {name}")
    if item.recent_identical_from_author >= 2 and label != "yes":  # history the backend cannot see
        return (
            True,
            0.9,
            (*reasons, f"same text sent {item.recent_identical_from_author + 1} times by this author"),
        )
    return label == "yes", share if label == "yes" else 1.0 - share, reasons


def _plugged_urgency(
    item: TriageInput, probs: dict[str, float], intent_label: str, is_spam: bool, name: str
) -> tuple[Urgency, tuple[str, ...]]:
    if is_spam or intent_label == "spam":
        return "low", ("noise",)
    label, share = backends.decide(probs)
    reasons: tuple[str, ...] = (f"{label} {share:.2f}", f"by {name}")
    if item.previous_unanswered_inbound >= urgency.UNANSWERED_HISTORY and intent_label != "praise":
        return "high", (*reasons, f"{item.previous_unanswered_inbound} earlier messages unanswered")
    return cast(Urgency, label), reasons


def analyze_with_model(items: Sequence[TriageInput], model_dir: Path | None) -> list[TriageResult]:
    """Judge with one given model folder (None: the shipped model), ignoring brand models. For evaluation."""
    out: list[TriageResult] = []
    for start in range(0, len(items), BATCH):
        out.extend(_judge_chunk(items[start : start + BATCH], model_dir, None))
    return out


def analyze(item: TriageInput, *, seconds_left_before_deadline: float | None = None) -> TriageResult:
    """Judge one message. ``seconds_left_before_deadline`` overrides the item's own SLA hint."""
    return _judge_chunk([item], _model_dir_for(item.brand_id), seconds_left_before_deadline)[0]


def analyze_batch(items: Iterable[TriageInput], *, batch_size: int = BATCH) -> list[TriageResult]:
    """Judge many messages, same order; vectorised in chunks (much faster per message than ``analyze``)."""
    out: list[TriageResult] = []
    chunk: list[TriageInput] = []

    def flush() -> None:
        # Within a chunk, consecutive items of the same brand share one model call.
        start = 0
        while start < len(chunk):
            brand = chunk[start].brand_id
            end = start
            while end < len(chunk) and chunk[end].brand_id == brand:
                end += 1
            out.extend(_judge_chunk(chunk[start:end], _model_dir_for(brand), None))
            start = end
        chunk.clear()

    for item in items:
        chunk.append(item)
        if len(chunk) >= batch_size:
            flush()
    flush()
    return out
