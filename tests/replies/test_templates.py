"""Template variables and the ranking of suggestions."""

from __future__ import annotations

from comptoir.replies.templates import ReplyTemplate, first_name, render, suggest, variables_for

VARS = variables_for(
    customer_name="Julie Dupont", agent_name="Léa Martin", account_handle="@ComptoirCare", conversation_id=42
)


def test_variables_are_filled() -> None:
    body = "Bonjour {customer.first_name}, ici {agent.first_name} de {account.name} ({conversation.reference})."
    assert render(body, VARS) == "Bonjour Julie, ici Léa de @ComptoirCare (C-000042)."


def test_an_empty_value_leaves_tidy_text() -> None:
    empty = variables_for(customer_name=None, agent_name="Sam", account_handle=None, conversation_id=None)
    assert render("Bonjour {customer.first_name}, merci !\n{agent.first_name}", empty) == "Bonjour, merci !\nSam"


def test_an_unknown_variable_stays_visible() -> None:
    assert render("Hi {customer.nickname}", VARS) == "Hi {customer.nickname}"


def test_handles_are_not_first_names() -> None:
    assert first_name("@julie_d") == "" and first_name("Julie Dupont") == "Julie" and first_name(None) == ""
    assert first_name("liam_in_lille") == "" and first_name("gus77") == "" and first_name("Zoé") == "Zoé"


TEMPLATES = [
    ReplyTemplate(1, "excuses", "fr", "Bonjour {customer.first_name}, désolés pour ce désagrément."),
    ReplyTemplate(2, "apology", "en", "Hi {customer.first_name}, sorry for the trouble."),
    ReplyTemplate(3, "merci", "fr", "Merci {customer.first_name} !"),
    ReplyTemplate(4, "thanks", "en", "Thanks {customer.first_name}!"),
    ReplyTemplate(5, "suivi-excuses", "fr", "Toutes nos excuses, voici le suivi."),
]


def test_the_name_typed_after_the_slash_comes_first() -> None:
    found = suggest(TEMPLATES, query="merc", language="en", intent="complaint", variables=VARS)
    assert [s.template.name for s in found] == ["merci"]
    assert found[0].text == "Merci Julie !"


def test_prefix_beats_substring_and_language_breaks_ties() -> None:
    found = suggest(TEMPLATES, query="exc", language="fr", intent=None, variables=VARS)
    assert [s.template.name for s in found] == ["excuses", "suivi-excuses"]


def test_without_a_query_the_best_for_this_message_come_first() -> None:
    found = suggest(TEMPLATES, query="", language="en", intent="complaint", variables=VARS)
    assert found[0].template.name == "apology"
    assert "fits a complaint" in found[0].reasons and "same language as the customer" in found[0].reasons
    praise = suggest(TEMPLATES, query="", language="fr", intent="praise", variables=VARS)
    assert praise[0].template.name == "merci"


def test_matching_ignores_case_and_accents() -> None:
    templates = [ReplyTemplate(1, "Désolé", "fr", "x")]
    assert suggest(templates, query="deso", language=None, intent=None, variables=VARS)
    assert not suggest(templates, query="zzz", language=None, intent=None, variables=VARS)
