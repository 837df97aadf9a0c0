"""Reply templates: variables filled from the conversation, and the best matching templates suggested first.

Variables are written ``{customer.first_name}``, ``{agent.first_name}``, ``{account.name}``,
``{conversation.reference}`` (and ``{customer.name}``, ``{agent.name}``). An unknown variable stays visible as
written so the agent notices it; a known variable without a value renders empty and the text is tidied.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

VARIABLE = re.compile(r"\{([a-z_]+\.[a-z_]+)\}")
KNOWN_VARIABLES = (
    "customer.first_name",
    "customer.name",
    "agent.first_name",
    "agent.name",
    "account.name",
    "conversation.reference",
)

#: Words in a template's name or body that say which intent it answers.
INTENT_WORDS: dict[str, tuple[str, ...]] = {
    "complaint": ("excuse", "apolog", "sorry", "desole", "complaint", "reclamation", "plainte", "incident"),
    "request": ("info", "request", "demande", "question", "how", "comment", "suivi", "tracking"),
    "praise": ("merci", "thank", "thanks", "praise", "compliment"),
    "feedback": ("feedback", "avis", "suggestion"),
    "spam": ("spam",),
    "other": (),
}


@dataclass(frozen=True, slots=True)
class ReplyTemplate:
    id: int
    name: str
    language: str
    body: str
    team_id: int | None = None


@dataclass(frozen=True, slots=True)
class Suggestion:
    template: ReplyTemplate
    text: str
    score: float
    reasons: tuple[str, ...]


def first_name(name: str | None) -> str:
    """The first word of a display name, without a leading @ (handles are not names)."""
    if not name:
        return ""
    word = name.strip().split()[0] if name.strip() else ""
    # Handles ("@julie", "liam_in_lille", "gus77") are not first names.
    return "" if re.search(r"[@_\d]", word) else word


def conversation_reference(conversation_id: int) -> str:
    return f"C-{conversation_id:06d}"


def variables_for(
    *,
    customer_name: str | None,
    agent_name: str | None,
    account_handle: str | None,
    conversation_id: int | None,
) -> dict[str, str]:
    return {
        "customer.first_name": first_name(customer_name),
        "customer.name": (customer_name or "").strip(),
        "agent.first_name": first_name(agent_name),
        "agent.name": (agent_name or "").strip(),
        "account.name": (account_handle or "").strip(),
        "conversation.reference": conversation_reference(conversation_id) if conversation_id else "",
    }


def render(body: str, variables: Mapping[str, str]) -> str:
    """Fill the variables of ``body``; tidy the spaces and punctuation an empty value leaves behind."""

    def substitute(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in variables:
            return variables[key]
        return match.group(0)

    text = VARIABLE.sub(substitute, body)
    text = re.sub(r"[ \t]+([,.])", r"\1", text)  # French keeps its space before ! ? ; :
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"(?m)^[ \t]+|[ \t]+$", "", text)
    return text.strip()


def fold(text: str) -> str:
    """Lower case without accents: what names and words are compared on."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def suggest(
    templates: Iterable[ReplyTemplate],
    *,
    query: str,
    language: str | None,
    intent: str | None,
    variables: Mapping[str, str],
    limit: int = 8,
) -> list[Suggestion]:
    """Templates whose name matches ``query`` (typed after "/"), best first.

    Score: name starts with the query (3), contains it (2), or the body contains it (1); +2 when the template's
    language is the conversation's; +1.5 when its name or body speaks to the message's intent. Without a query,
    every template is a candidate and the ranking is language and intent alone.
    """
    q = fold(query.strip())
    out: list[Suggestion] = []
    for template in templates:
        name = fold(template.name)
        body = fold(template.body)
        score = 0.0
        reasons: list[str] = []
        if q:
            if name.startswith(q):
                score += 3
                reasons.append("name starts with the query")
            elif q in name:
                score += 2
                reasons.append("name contains the query")
            elif q in body:
                score += 1
                reasons.append("text contains the query")
            else:
                continue
        if language and template.language == language:
            score += 2
            reasons.append("same language as the customer")
        words = INTENT_WORDS.get(intent or "", ())
        if words and any(w in name or w in body for w in words):
            score += 1.5
            reasons.append(f"fits a {intent}")
        out.append(Suggestion(template, render(template.body, variables), score, tuple(reasons)))
    out.sort(key=lambda s: (-s.score, s.template.name, s.template.language))
    return out[:limit]
