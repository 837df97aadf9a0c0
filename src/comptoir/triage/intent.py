"""Judgement `intent`: complaint | request | praise | feedback | spam | other.

The linear model's probabilities are adjusted by the cue lexicons (evidence the model may not have seen in
French): a concrete problem (outage, money, unanswered contact) pushes to complaint, a question without a problem
to request, thanks without a problem to praise. Every adjustment is listed.
"""

from __future__ import annotations

import re

from comptoir.triage import thread
from comptoir.triage.features import Analysed
from comptoir.triage.thread import BrandAsk
from comptoir.triage.types import INTENTS, Intent

_BOOSTS: tuple[tuple[str, str, float], ...] = (
    ("outage", "complaint", 3.0),
    ("money", "complaint", 2.0),
    ("unanswered", "complaint", 2.0),
    ("problem", "complaint", 1.8),
    ("legal_media", "complaint", 1.5),
    ("leave_or_public", "complaint", 1.5),
    ("vulnerable_safety", "complaint", 1.3),
    ("question", "request", 1.6),
    ("spam", "spam", 2.0),
)


# Share of each intent in the inbound messages of a care desk (the model is trained with balanced classes).
PRIORS: dict[str, float] = {
    "complaint": 0.45,
    "request": 0.25,
    "praise": 0.08,
    "feedback": 0.1,
    "other": 0.08,
    "spam": 0.04,
}
TEMPERATURE = 0.5
SHORT_ANSWER_TOKENS = 15  # a reply to the brand this short usually gives the details the agent asked for
WEAK_EVIDENCE = 0.4  # below this, a complaint or request with no cue at all is not asserted
_DETAILS = re.compile(r"\b[a-z]{0,4}[0-9][0-9 -]{5,}[0-9]\b")  # an order, account or booking number
# A how-to ask: the author wants to do something and asks how (annotation convention: how-to, account changes and
# asks for help with no major problem are requests, even when the author says they cannot manage it alone).
_HOW_TO = re.compile(
    r"\b(comment (faire|fait[- ]on|on fait|ont fait|je fais|je peux|puis[- ]je|dois[- ]je|proceder|faut[- ]il)"
    r"|(je|on) fais? comment|que (dois[- ]je|faut[- ]il) faire|coup de main|(pouvez|pourriez)[- ]vous m'aider"
    r"|aidez[- ]moi|besoin d'aide pour|est[- ]il possible de|quelle est la (procedure|demarche)"
    r"|how (do|can|would|should) i|how to [^.!]*\?|what do i (need to )?do|(can|could) you help me|help me (find|with|to)"
    r"|is it possible to|i('d| would) like to (know|change|cancel|add|upgrade|move|transfer)"
    r"|i want to (change|close|cancel|add|upgrade|move|transfer|know))\b"
)
# Thanks for a problem solved ("thanks, fixed"): praise, even though it names the problem (annotation convention).
_SOLVED = (
    r"(fix(ed|ing)?|resolv(e|ed|ing)|solv(e|ed|ing)|sort(ed|ing)|working (again|now)|back (on|up)"
    r"|regle|resolu|repare|retabli|ca (re)?marche|ca fonctionne|c'est bon)"
)
_THANKS = r"(thanks|thank you|thx|cheers|merci)"
_SOLVED_THANKS = re.compile(rf"\b({_THANKS}\b.{{0,40}}\b{_SOLVED}|{_SOLVED}.{{0,30}}\b{_THANKS})\b")
_BUT_STILL = re.compile(r"\b(still|again|but|however|toujours|encore|mais|pourtant|not|pas|plus)\b")
_POLITE_OPENING = re.compile(
    r"^(@user )*(bonjour|bonsoir|hello|hi|hey|salut|coucou|bjr|good (morning|afternoon|evening))\b"
)  # flattens the model's probabilities: it was trained off-domain (banking, assistants)


def judge(
    a: Analysed,
    probs: dict[str, float],
    is_spam: bool,
    *,
    blend: bool = True,
    after_brand_reply: bool = False,
    brand_ask: BrandAsk | None = None,
) -> tuple[Intent, float, tuple[str, ...]]:
    """``blend=False``: the probabilities come from a registered backend and are used as they are.
    ``brand_ask``: what the brand's message this one answers asked (see :mod:`comptoir.triage.thread`)."""
    p: dict[str, float]
    if not blend:
        p = {k: probs.get(k, 0.0) for k in INTENTS}
        if is_spam:
            p["spam"] = max(p.values()) * 2 + 1e-6
        label = max(p, key=lambda k: p[k])
        return label, p[label] / (sum(p.values()) or 1.0), (f"{label} (backend)",)  # type: ignore[return-value]
    p = {k: (probs.get(k, 1e-6) ** TEMPERATURE) * PRIORS[k] for k in INTENTS}
    reasons: list[str] = []
    for cue, target, factor in _BOOSTS:
        if cue in a.cues:
            p[target] *= factor
            reasons.append(f'{cue} "{a.cues[cue]}" → {target}')
    problem = any(
        c in a.cues
        for c in (
            "outage",
            "money",
            "unanswered",
            "problem",
            "legal_media",
            "leave_or_public",
            "vulnerable_safety",
            "duration",
        )
    )
    major = any(
        c in a.cues
        for c in (
            "outage",
            "money",
            "unanswered",
            "legal_media",
            "leave_or_public",
            "vulnerable_safety",
            "duration",
        )
    )
    polite_ask = "question" in a.cues and not major and a.negative < 2.0 and _POLITE_OPENING.match(a.norm)
    if polite_ask:
        p["request"] *= 2.5
        reasons.append("polite question without a major problem → request")
    how_to = _HOW_TO.search(a.norm)
    if how_to and not major and a.negative < 2.0:
        p["request"] *= 2.5
        reasons.append(f'how-to ask "{how_to.group(0)}" without a major problem → request')
    if "question" in a.cues and not problem:
        p["complaint"] *= 0.5
        reasons.append("a question that reports no problem → request rather than complaint")
    if a.negative >= a.positive + 2.0 and p["request"] > p["complaint"]:
        p["complaint"] *= 1.8
        reasons.append("strongly negative → complaint rather than request")
    if "praise" in a.cues and not problem and "question" not in a.cues:
        p["praise"] *= 3.0
        reasons.append(f'praise "{a.cues["praise"]}" → praise')
    concrete = any(c in a.cues for c in ("outage", "money", "unanswered", "problem"))
    if concrete:
        p["praise"] *= 0.3
        p["other"] *= 0.5
        p["feedback"] *= 0.6
        if not polite_ask and not how_to:  # a minor problem asked about politely stays a request
            p["request"] *= 0.4
    solved = _SOLVED_THANKS.search(a.norm)
    if solved and not _BUT_STILL.search(a.norm) and not is_spam:
        p["praise"] *= 6.0
        p["complaint"] *= 0.3
        reasons.append(f'thanks for a problem solved "{solved.group(0)}" → praise')
    if "praise" in a.cues and not problem and a.negative < a.positive:
        p["complaint"] *= 0.4
    if "sarcasm" in a.cues:
        p["praise"] *= 0.2
        reasons.append(f'ironic thanks "{a.cues["sarcasm"]}" → not praise')
    if not problem and "question" not in a.cues:
        if "vent" in a.cues or "sarcasm" in a.cues:
            p["feedback"] *= 4.0
            cue = a.cues.get("vent") or a.cues["sarcasm"]
            reasons.append(f'vague criticism "{cue}", no concrete problem → feedback')
        elif a.negative > a.positive + 1.5:
            p["feedback"] *= 1.5
        if "ack" in a.cues and a.n_tokens <= 8:
            p["other"] *= 4.0
            reasons.append(f'acknowledgement "{a.cues["ack"]}" → other')
        if "news" in a.cues and "praise" not in a.cues:
            p["other"] *= 3.0
            reasons.append(f'news relay "{a.cues["news"]}" → other')
        if "insult" in a.cues:
            p["other"] *= 6.0
            p["praise"] *= 0.2
            reasons.append(f'insult "{a.cues["insult"]}" without content → other')
    if a.positive > a.negative + 1.5 and not problem:
        p["praise"] *= 1.5
    quiet = not any(c in a.cues for c in ("ack", "praise", "insult", "vent", "news", "spam"))
    short_answer = after_brand_reply and 0 < a.n_tokens <= SHORT_ANSWER_TOKENS
    said = thread.answer(a.norm) if short_answer and brand_ask == "check" else None
    if said == "no" or (short_answer and brand_ask == "check" and concrete):
        p["complaint"] *= 5.0
        p["request"] *= 0.5
        reasons.append("the brand asked whether it works: the problem is still there → complaint")
    elif said == "yes":
        target = "praise" if "praise" in a.cues else "other"
        p[target] *= 5.0
        p["complaint"] *= 0.3
        reasons.append(f"the brand asked whether it works: yes → {target}")
    elif short_answer and not major and quiet:
        p["request"] *= 5.0 if brand_ask == "details" else 2.5
        reasons.append(
            "short answer to the brand's request for details → request"
            if brand_ask == "details"
            else "short answer to the brand's message: details asked for → request"
        )
    if _DETAILS.search(a.norm) and a.n_tokens <= 8:
        p["request"] *= 4.0
        reasons.append("gives a reference number → request")
    actionable = (
        "outage",
        "money",
        "unanswered",
        "problem",
        "question",
        "legal_media",
        "leave_or_public",
        "vulnerable_safety",
        "duration",
    )
    gives_details = _DETAILS.search(a.norm) is not None and a.n_tokens <= 8
    if not any(c in a.cues for c in actionable) and not gives_details:
        p["complaint"] *= 0.35
        p["request"] *= 0.4
        p["feedback"] *= 1.5
        p["other"] *= 1.5
        reasons.append("no problem or question cue")
    if a.n_letters == 0 and not _DETAILS.search(a.norm):  # a bare order or phone number is a detail given
        p = dict.fromkeys(INTENTS, 0.01)
        p["other"] = 1.0
        reasons.append("no text")
    if is_spam:
        p["spam"] = max(p.values()) * 2
    else:
        p["spam"] = 0.0  # intent "spam" only when the noise judgement says so: the two never disagree
    total = sum(p.values())
    label = max(p, key=lambda k: p[k])
    score = p[label] / total
    weak = score < WEAK_EVIDENCE and not any(c in a.cues for c in actionable) and not gives_details
    if label in ("complaint", "request") and weak and not (after_brand_reply and label == "request"):
        reasons.append(f"{label} only {score:.2f} with no problem or question cue → other")
        label, score = "other", p["other"] / total
    reasons.insert(0, f"{label} {score:.2f}")
    return label, score, tuple(reasons)  # type: ignore[return-value]
