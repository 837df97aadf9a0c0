"""The reply coach: explainable rules that read a draft and say what is missing or risky. It never blocks.

Pure: no I/O, no clock. Each rule has a code, a severity ("risk" for what can hurt, "tip" for what would make the
answer better), a message in French and English, and, where it helps, the piece of text that triggered it. The
rules read French and English drafts alike (their word lists hold both languages).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from comptoir.replies.templates import fold

#: Longest reply per (platform, visibility); None: no limit we enforce. X counts 280 for public replies.
LENGTH_LIMITS: dict[tuple[str, str], int] = {
    ("x", "public"): 280,
    ("x", "private"): 10_000,
    ("facebook", "public"): 8_000,
    ("facebook", "private"): 2_000,
    ("instagram", "public"): 2_200,
    ("instagram", "private"): 1_000,
}


@dataclass(frozen=True, slots=True)
class CoachContext:
    """What the coach knows about the conversation the draft answers."""

    platform: str = "api"
    visibility: str = "private"
    customer_first_name: str | None = None
    agent_first_name: str | None = None
    sentiment: str | None = None
    intent: str | None = None
    templates: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Advice:
    code: str
    severity: str
    message_en: str
    message_fr: str
    evidence: str | None = None

    def message(self, language: str) -> str:
        return self.message_fr if language == "fr" else self.message_en


# Word lists are matched on folded text (lower case, no accents), as word prefixes.
EMPATHY = (
    "i understand",
    "we understand",
    "understandable",
    "i can imagine",
    "i can see how",
    "frustrat",
    "annoying",
    "must be",
    "that's not the experience",
    "sorry to hear",
    "sorry to read",
    "je comprends",
    "nous comprenons",
    "on comprend",
    "comprehensible",
    "j'imagine",
    "frustrant",
    "agacant",
    "penible",
    "legitime",
    "desole d'apprendre",
    "desolee d'apprendre",
    "navre d'apprendre",
)
APOLOGY = (
    "sorry",
    "apolog",
    "we regret",
    "i regret",
    "desole",
    "desolee",
    "excuse",
    "navre",
    "navree",
    "pardon",
    "regrett",
)
ACTION = (
    "i will",
    "i'll",
    "we will",
    "we'll",
    "i have ",
    "i've",
    "we have ",
    "we've",
    "let me",
    "please send",
    "please dm",
    "could you",
    "can you",
    "i'm checking",
    "checking",
    "refund",
    "replace",
    "fixed",
    "escalat",
    "next step",
    "within",
    "today",
    "tomorrow",
    "je vais",
    "nous allons",
    "on va",
    "je viens de",
    "nous venons de",
    "j'ai ",
    "nous avons",
    "pouvez-vous",
    "pourriez-vous",
    "pouvez vous",
    "merci de",
    "verifi",
    "rembours",
    "remplac",
    "transmis",
    "transmets",
    "d'ici",
    "aujourd'hui",
    "demain",
    "sous 24",
    "sous 48",
    "dans l'heure",
    "je m'en occupe",
    "je regarde",
)
REDIRECTION = (
    "call us",
    "phone us",
    "give us a call",
    "email us",
    "e-mail us",
    "send us an email",
    "send us an e-mail",
    "contact us at",
    "contact customer service",
    "contact our customer service",
    "visit our website",
    "go to our website",
    "fill in the form",
    "fill out the form",
    "visit a store",
    "visit one of our stores",
    "hotline",
    "appelez",
    "appeler le",
    "telephonez",
    "contactez le service client",
    "contactez notre service client",
    "contactez-nous au",
    "contactez-nous par",
    "envoyez-nous un mail",
    "envoyez-nous un e-mail",
    "envoyez-nous un email",
    "ecrivez-nous a",
    "rendez-vous sur notre site",
    "rendez-vous en boutique",
    "rendez-vous dans",
    "remplissez le formulaire",
    "le formulaire de contact",
    "service client au",
)

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w])(?:\+\d{1,3}[\s.-]?)?(?:\(?\d{1,4}\)?[\s.-]?){3,6}\d{2,4}(?![\w])")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b")
ORDER = re.compile(
    r"(?i)\b(?:order|commande|cmd|dossier|ticket|contrat|contract|facture|invoice|client)\s*"
    r"(?:n[°o]\.?|no\.?|number|num[ée]ro|#)?\s*:?\s*#?[A-Z0-9-]*\d{5,}[A-Z0-9-]*"
)
CARD = re.compile(r"\b(?:\d[ -]?){13,19}\b")
SIGNATURE_LINE = re.compile(r"^\s*(?:[-–—^~]\s*)?[A-ZÀ-Þ][\w'À-ÿ-]+(?:\s+[A-ZÀ-Þ][\w'À-ÿ.-]*)?\s*$")
SIGNATURE_TAIL = re.compile(r"(?:[-–—^~]\s*|\^)[A-ZÀ-Þ][\w'À-ÿ-]+\.?\s*$")


def _has(folded: str, words: Sequence[str]) -> str | None:
    for word in words:
        index = folded.find(word)
        if index < 0:
            continue
        if index == 0 or not folded[index - 1].isalnum():
            return word
    return None


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", fold(text)).strip()


def _signed(draft: str, agent_first_name: str | None) -> bool:
    stripped = draft.rstrip()
    if not stripped:
        return False
    tail = stripped[-40:]
    if agent_first_name and fold(agent_first_name) in fold(tail):
        return True
    last_line = stripped.splitlines()[-1]
    if len(stripped.splitlines()) > 1 and SIGNATURE_LINE.match(last_line):
        return True
    return bool(SIGNATURE_TAIL.search(stripped))


def personal_data(draft: str) -> list[tuple[str, str]]:
    """(kind, text) for each piece of personal data found: e-mail, IBAN, order/contract number, card, phone."""
    found: list[tuple[str, str]] = []
    spans: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in spans)

    for kind, pattern in (("email", EMAIL), ("iban", IBAN), ("order", ORDER), ("card", CARD), ("phone", PHONE)):
        for match in pattern.finditer(draft):
            if not free(match.start(), match.end()):
                continue
            if kind == "phone" and not 9 <= len(re.sub(r"\D", "", match.group(0))) <= 15:
                continue
            spans.append((match.start(), match.end()))
            found.append((kind, match.group(0).strip()))
    return found


def coach(draft: str, context: CoachContext) -> list[Advice]:
    """Advice for ``draft``, most important first. An empty draft gets none."""
    if not draft.strip():
        return []
    folded = fold(draft)
    advice: list[Advice] = []

    if context.visibility == "public":
        for kind, text in personal_data(draft):
            advice.append(
                Advice(
                    "personal_data",
                    "risk",
                    f"This public reply exposes personal data ({kind}): move to a private message.",
                    f"Cette réponse publique expose une donnée personnelle ({kind}) : passez en message privé.",
                    text,
                )
            )
            break

    limit = LENGTH_LIMITS.get((context.platform, context.visibility))
    if limit is not None and len(draft) > limit:
        advice.append(
            Advice(
                "too_long",
                "risk",
                f"{len(draft)} characters: over the {limit} allowed here.",
                f"{len(draft)} caractères : au-delà des {limit} permis ici.",
            )
        )

    redirect = _has(folded, REDIRECTION)
    if redirect:
        advice.append(
            Advice(
                "channel_redirect",
                "risk",
                "You send the customer to another channel: answer here if you can.",
                "Vous renvoyez le client vers un autre canal : répondez ici si vous le pouvez.",
                redirect,
            )
        )

    if context.intent == "complaint" and not _has(folded, APOLOGY):
        advice.append(
            Advice(
                "apology",
                "risk",
                "A complaint: apologise for the trouble.",
                "Une réclamation : présentez des excuses pour le désagrément.",
            )
        )

    if context.sentiment == "negative" and not _has(folded, EMPATHY):
        advice.append(
            Advice(
                "empathy",
                "tip",
                "The customer is upset: show that you understand how they feel.",
                "Le client est mécontent : montrez que vous comprenez ce qu'il ressent.",
            )
        )

    if not _has(folded, ACTION):
        advice.append(
            Advice(
                "action",
                "tip",
                "Say what you are doing or what the next step is.",
                "Dites ce que vous faites ou quelle est la prochaine étape.",
            )
        )

    name = (context.customer_first_name or "").strip()
    if name and fold(name) not in folded:
        advice.append(
            Advice(
                "personalise",
                "tip",
                f"Address the customer by name ({name}).",
                f"Appelez le client par son prénom ({name}).",
            )
        )

    normalised = _normalise(draft)
    for template in context.templates:
        base = _normalise(template)
        if base and base in normalised and len(normalised) - len(base) < 20:
            advice.append(
                Advice(
                    "template_copy",
                    "tip",
                    "This is the template as is: add a word about this customer's case.",
                    "C'est le modèle tel quel : ajoutez un mot sur le cas de ce client.",
                )
            )
            break

    if not _signed(draft, context.agent_first_name):
        advice.append(
            Advice(
                "signature",
                "tip",
                "Sign with your first name: customers answer a person.",
                "Signez de votre prénom : les clients répondent à une personne.",
            )
        )
    return advice
