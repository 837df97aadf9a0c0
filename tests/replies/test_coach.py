"""Every reply-coach rule on examples we wrote, in French and English: it fires when it should, and only then."""

from __future__ import annotations

from dataclasses import replace

import pytest

from comptoir.replies.coach import Advice, CoachContext, coach, personal_data

UPSET_COMPLAINT = CoachContext(
    platform="x",
    visibility="public",
    customer_first_name="Julie",
    agent_first_name="Léa",
    sentiment="negative",
    intent="complaint",
)
CALM_REQUEST = CoachContext(platform="api", visibility="private", agent_first_name="Sam", intent="request")

GOOD_FR = (
    "Bonjour Julie, je comprends votre agacement et nous sommes désolés pour cette coupure. "
    "Je vérifie votre ligne maintenant et je reviens vers vous avant midi. Léa"
)
GOOD_EN = (
    "Hi Julie, I understand how frustrating this is and I'm sorry for the outage. "
    "I'm checking your line now and will get back to you before noon. ^Léa"
)


def codes(draft: str, context: CoachContext) -> set[str]:
    return {a.code for a in coach(draft, context)}


@pytest.mark.parametrize("draft", [GOOD_FR, GOOD_EN])
def test_a_good_answer_gets_no_advice(draft: str) -> None:
    assert coach(draft, UPSET_COMPLAINT) == []


def test_an_empty_draft_gets_no_advice() -> None:
    assert coach("   ", UPSET_COMPLAINT) == []


@pytest.mark.parametrize(
    ("draft", "flagged"),
    [
        ("Bonjour Julie, je vérifie votre ligne aujourd'hui. Léa", True),
        ("Hi Julie, I'm checking your line today. Léa", True),
        ("Bonjour Julie, je suis désolée, je vérifie votre ligne aujourd'hui. Léa", False),
        ("Hi Julie, so sorry about that, I'm checking your line today. Léa", False),
        ("Hi Julie, we apologise: I'm checking your line today. Léa", False),
        ("Bonjour Julie, toutes nos excuses, je vérifie votre ligne aujourd'hui. Léa", False),
    ],
)
def test_apology_on_a_complaint(draft: str, flagged: bool) -> None:
    assert ("apology" in codes(draft, UPSET_COMPLAINT)) is flagged


def test_no_apology_needed_when_it_is_not_a_complaint() -> None:
    assert "apology" not in codes("Hi, I'll send you the form today. Sam", CALM_REQUEST)


@pytest.mark.parametrize(
    ("draft", "flagged"),
    [
        ("Bonjour Julie, désolés, je vérifie aujourd'hui. Léa", True),
        ("Hi Julie, sorry, checking it today. Léa", True),
        ("Bonjour Julie, je comprends, désolés, je vérifie aujourd'hui. Léa", False),
        ("Hi Julie, sorry to hear that, I'm checking it today. Léa", False),
        ("Hi Julie, sorry, that must be annoying; checking it today. Léa", False),
    ],
)
def test_empathy_for_an_upset_customer(draft: str, flagged: bool) -> None:
    assert ("empathy" in codes(draft, UPSET_COMPLAINT)) is flagged


def test_no_empathy_rule_when_the_customer_is_not_upset() -> None:
    assert "empathy" not in codes("Hi, I'll send you the form today. Sam", CALM_REQUEST)


@pytest.mark.parametrize(
    ("draft", "flagged"),
    [
        ("Bonjour, merci pour votre message. Sam", True),
        ("Hi, thanks for your message. Sam", True),
        ("Bonjour, je vais relancer le technicien. Sam", False),
        ("Bonjour, pouvez-vous me donner votre numéro de ligne en privé ? Sam", False),
        ("Hi, we'll replace the router. Sam", False),
        ("Hi, I have escalated this to our network team. Sam", False),
        ("Hi, could you tell me when it started? Sam", False),
    ],
)
def test_a_concrete_action_or_next_step(draft: str, flagged: bool) -> None:
    assert ("action" in codes(draft, CALM_REQUEST)) is flagged


@pytest.mark.parametrize(
    ("draft", "flagged"),
    [
        ("Bonjour, désolés, je comprends, je vérifie aujourd'hui. Léa", True),
        ("Bonjour julie, désolés, je comprends, je vérifie aujourd'hui. Léa", False),
        ("Hi JULIE, sorry to hear that, I'll check today. Léa", False),
    ],
)
def test_personalisation_with_the_customers_name(draft: str, flagged: bool) -> None:
    assert ("personalise" in codes(draft, UPSET_COMPLAINT)) is flagged


def test_no_name_rule_without_a_known_name() -> None:
    assert "personalise" not in codes("Hi, I'll send it today. Sam", CALM_REQUEST)


def test_personalisation_ignores_accents() -> None:
    context = CoachContext(customer_first_name="Zoé", agent_first_name="Sam")
    assert "personalise" not in codes("Bonjour Zoe, je vérifie aujourd'hui. Sam", context)


@pytest.mark.parametrize(
    ("draft", "flagged"),
    [
        ("Hi, I'll check today.", True),
        ("Bonjour, je vérifie aujourd'hui.", True),
        ("Hi, I'll check today. Sam", False),
        ("Hi, I'll check today.\n-- Sam", False),
        ("Hi, I'll check today. ^SC", False),
        ("Bonjour, je vérifie aujourd'hui.\nCordialement,\nSam", False),
        ("Bonjour, je vérifie aujourd'hui.\nNadia", False),
    ],
)
def test_a_human_signature(draft: str, flagged: bool) -> None:
    assert ("signature" in codes(draft, CALM_REQUEST)) is flagged


@pytest.mark.parametrize(
    ("draft", "flagged"),
    [
        ("Bonjour, appelez le 3900 pour ce problème. Sam", True),
        ("Bonjour, contactez le service client au 3900. Sam", True),
        ("Hi, please call us or email us so we can look into it. Sam", True),
        ("Hi, please visit our website and fill in the form. Sam", True),
        ("Hi, could you send us a private message with your account number? Sam", False),
        ("Bonjour, pouvez-vous nous écrire en message privé ? Sam", False),
    ],
)
def test_needless_channel_redirection(draft: str, flagged: bool) -> None:
    assert ("channel_redirect" in codes(draft, CALM_REQUEST)) is flagged


def test_a_template_copied_with_nothing_added() -> None:
    template = "Bonjour Julie, nous sommes désolés pour ce désagrément. Je regarde votre dossier. Léa"
    context = CoachContext(customer_first_name="Julie", agent_first_name="Léa", templates=(template,))
    assert "template_copy" in codes(template, context)
    assert "template_copy" in codes(template + " Merci", context)
    added = template.replace("Je regarde", "La coupure de votre fibre à Lille est connue, je regarde")
    assert "template_copy" not in codes(added, context)


def test_the_length_limit_of_a_public_reply_on_x() -> None:
    base = "Hi Julie, sorry to hear that, I understand. I'll check today. Léa "
    at_limit = (base * 10)[:280]
    assert "too_long" not in codes(at_limit, UPSET_COMPLAINT)
    assert "too_long" in codes(at_limit + "!", UPSET_COMPLAINT)
    private = CoachContext(platform="x", visibility="private", agent_first_name="Léa")
    assert "too_long" not in codes(at_limit + "!", private)
    email = CoachContext(platform="email", visibility="private", agent_first_name="Léa")
    assert "too_long" not in codes(base * 100, email)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("écrivez-moi à julie.martin@example.fr", "email"),
        ("votre numéro 06 12 34 56 78 est bien noté", "phone"),
        ("your number +44 20 7946 0958 is on file", "phone"),
        ("IBAN FR76 3000 6000 0112 3456 7890 189", "iban"),
        ("votre commande n° 4502789 est partie", "order"),
        ("order #AB1234567 shipped", "order"),
        ("carte 4970 1012 3456 7890", "card"),
    ],
)
def test_personal_data_is_found(text: str, kind: str) -> None:
    assert kind in {k for k, _ in personal_data(text)}


@pytest.mark.parametrize(
    "text",
    ["Nous revenons vers vous sous 24 heures.", "Le 12/11/2026 à 14h30.", "Merci, 3 techniciens sont en route."],
)
def test_ordinary_numbers_are_not_personal_data(text: str) -> None:
    assert personal_data(text) == []


def test_personal_data_is_a_risk_only_in_public() -> None:
    draft = GOOD_EN + " Your order #AB1234567 is on its way."
    public = coach(draft, UPSET_COMPLAINT)
    assert [a.code for a in public] == ["personal_data"]
    assert public[0].evidence == "order #AB1234567"
    private = replace(UPSET_COMPLAINT, visibility="private")
    assert coach(draft, private) == []


def test_advice_speaks_both_languages_and_risks_come_first() -> None:
    advice = coach("Appelez le 3900.", UPSET_COMPLAINT)
    assert isinstance(advice[0], Advice) and advice[0].severity == "risk"
    severities = [a.severity for a in advice]
    assert severities == sorted(severities, key=lambda s: s != "risk")
    for a in advice:
        assert a.message("fr") != a.message("en") and a.message("fr") and a.message("en")
