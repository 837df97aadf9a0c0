"""The triage API the pipeline calls: ``analyze(item)`` and ``analyze_batch(items)``, pure and fast.

Order of the judgements: language → shared analysis (cues, lexicon) → model probabilities (intent, sentiment; or a
registered backend) → spam → intent → sentiment → urgency → needs_reply → influence → priority.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

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
    urgency,
)
from comptoir.triage.features import analyse
from comptoir.triage.text import clip
from comptoir.triage.types import INTENTS, SENTIMENTS, TriageInput, TriageResult

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
    intent_probs, sent_probs = bundle.predict(analysed)
    codes = [lang for lang, _, _ in langs]
    deciders = {"intent": bundle.version, "sentiment": bundle.version}
    plugged = {"intent": False, "sentiment": False}
    brand = items[0].brand_id if items else None
    for name, target, labels in (("intent", intent_probs, INTENTS), ("sentiment", sent_probs, SENTIMENTS)):
        plug = backends.lookup(name, brand)
        if plug is not None:
            got = backends.run(plug, texts, codes, labels)
            if got is not None:
                target[:] = got
                deciders[name] = plug.name
                plugged[name] = True
            else:
                deciders[name] = f"{bundle.version} (backend {plug.name} failed)"
    results: list[TriageResult] = []
    for item, (lang, lang_conf, lang_reason), a, ip, sp in zip(
        items, langs, analysed, intent_probs, sent_probs, strict=True
    ):
        spam_p = ip.get("spam", 0.0) if plugged["intent"] else spam.model_probability(ip, intent.PRIORS)
        is_spam, spam_score, spam_reasons = spam.judge(item, a, spam_p)
        memo = memory.recall(bundle.meta, a.norm) if model_dir is not None else None
        if memo and ("spam" in memo or "intent" in memo):
            is_spam = bool(memo.get("spam", memo.get("intent") == "spam"))
            spam_score, spam_reasons = float(is_spam), (REMEMBERED,)
        intent_label, intent_score, intent_reasons = intent.judge(
            a, ip, is_spam, blend=not plugged["intent"], after_brand_reply=item.after_brand_reply
        )
        if memo and "intent" in memo and not is_spam:
            intent_label, intent_score = memo["intent"], 1.0
            intent_reasons = (f"{intent_label} 1.00", REMEMBERED)
        sent_label, sent_score, sent_reasons = sentiment.judge(
            a,
            sp,
            blend=not plugged["sentiment"],
            intent=intent_label,
            weight=sentiment.model_weight(lang, shipped=model_dir is None),
        )
        if memo and "sentiment" in memo:
            sent_label, sent_score = memo["sentiment"], 1.0
            sent_reasons = (f"{sent_label} 1.00", REMEMBERED)
        urg, urg_reasons = urgency.judge(item, a, intent_label, is_spam)
        if memo and "urgency" in memo:
            urg, urg_reasons = memo["urgency"], (REMEMBERED,)
        needs, reply_reasons = reply.judge(a, intent_label, urg, is_spam)
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
                    "spam": (f"{spam_score:.2f}", *spam_reasons),
                    "intent": (*intent_reasons, f"by {deciders['intent']}"),
                    "sentiment": (*sent_reasons, f"by {deciders['sentiment']}"),
                    "urgency": urg_reasons,
                    "needs_reply": reply_reasons,
                    "influence": infl_reasons,
                },
                model_version=bundle.version,
            )
        )
    return results


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
