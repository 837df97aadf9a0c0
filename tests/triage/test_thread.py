"""Short replies read with the brand's message they answer, in French and English."""

from __future__ import annotations

import pytest

from comptoir.triage import TriageInput, analyze
from comptoir.triage.text import normalise
from comptoir.triage.thread import answer, brand_asked

CHECK = [
    "Is everything working now?",
    "Are you still having the issue?",
    "Est-ce que c'est rétabli de votre côté ?",
]
DETAILS = [
    "Sorry! Could you DM us your account number?",
    "Pouvez-vous nous communiquer votre numéro de ligne en MP ?",
]


@pytest.mark.parametrize("text", CHECK)
def test_a_check_question_is_recognised(text: str) -> None:
    assert brand_asked(text) == "check"


@pytest.mark.parametrize("text", DETAILS)
def test_a_request_for_details_is_recognised(text: str) -> None:
    assert brand_asked(text) == "details"


@pytest.mark.parametrize("text", ["We are sorry for the delay.", "Merci pour votre patience.", "", None])
def test_other_brand_messages_ask_nothing_we_read(text: str | None) -> None:
    assert brand_asked(text) is None


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("yes thanks", "yes"),
        ("Oui merci !", "yes"),
        ("@user no still down", "no"),
        ("toujours pareil", "no"),
        ("06 12", None),
    ],
)
def test_yes_and_no_answers(text: str, said: str | None) -> None:
    assert answer(normalise(text)) == said


@pytest.mark.parametrize(
    ("reply", "brand", "intent"),
    [
        ("no, still the same", CHECK[0], "complaint"),
        ("toujours pas", CHECK[2], "complaint"),
        ("yes thanks!", CHECK[0], "praise"),
        ("oui merci", CHECK[2], "praise"),
        ("yes", CHECK[1], "other"),
        ("done, sent it", DETAILS[0], "request"),
        ("0612345678", DETAILS[1], "request"),
    ],
)
def test_the_brand_message_decides_a_short_reply(reply: str, brand: str, intent: str) -> None:
    r = analyze(TriageInput(text=reply, brand_reply_text=brand))
    assert r.intent == intent
    assert r.needs_reply is (intent in ("complaint", "request"))


def test_a_long_reply_is_judged_on_its_own() -> None:
    text = "Yes it works again but your technician broke my door and nobody answers about the repair, this is unacceptable"
    assert analyze(TriageInput(text=text, brand_reply_text=CHECK[0])).intent == "complaint"
