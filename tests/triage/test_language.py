from __future__ import annotations

import pytest

from comptoir.triage.language import detect


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Bonjour, je n'ai plus internet depuis ce matin", "fr"),
        ("Hi, my internet has been down since this morning", "en"),
        ("merci !", "fr"),
        ("thanks!", "en"),
        ("toujours rien", "fr"),
        ("still nothing", "en"),
        ("ça marche pas", "fr"),
        ("idem", "fr"),
        ("svp", "fr"),
        ("help please", "en"),
        ("sent", "en"),
        ("DM sent.", "en"),
        ("@united Phone", "en"),
        ("terrible service", "en"),
        ("dm envoyé", "fr"),
        ("c'est fait", "fr"),
        ("pareil ici", "fr"),
        ("rien reçu", "fr"),
        ("toujours en panne", "fr"),
        ("still broken", "en"),
        ("Hola, mi pedido no ha llegado todavía y nadie me contesta desde hace una semana", "es"),
        ("Hallo, meine Bestellung ist immer noch nicht angekommen und niemand antwortet mir", "de"),
        ("注文した商品がまだ届いていません", "ja"),
        ("我的账号无法登录", "zh"),
    ],
)
def test_language(text: str, lang: str) -> None:
    assert detect(text)[0] == lang


@pytest.mark.parametrize("text", ["", "   ", "😡😡😡", "👍", "!!!", "?"])
def test_no_letters_is_undetermined(text: str) -> None:
    assert detect(text)[0] == "und"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("@laposte_suivi @SNCF", "fr"),
        ("@ServiceClientBanque https://t.co/x1", "fr"),
        ("@CustomerCare_Bank", "en"),
        ("https://t.co/IdIcfq62Ed", "en"),  # no hint at all: English, the platforms' most common language
    ],
)
def test_only_links_and_mentions_are_guessed_from_the_handles(text: str, lang: str) -> None:
    code, confidence, why = detect(text)
    assert (code, confidence) == (lang, 0.5)
    assert why.startswith("only links and mentions")


def test_a_word_beside_a_link_still_decides() -> None:
    assert detect("merci https://t.co/x1")[0] == "fr"
    assert detect("@Delta thanks https://t.co/x1")[0] == "en"


def test_mixed_message_gets_the_main_language() -> None:
    text = "Bonjour, ma box est en panne depuis deux jours et personne ne répond, c'est vraiment pénible. So sad."
    assert detect(text)[0] == "fr"
    text = "My router keeps rebooting every hour and support never answers my emails, merci bien."
    assert detect(text)[0] == "en"


def test_reason_names_the_evidence() -> None:
    lang, confidence, why = detect("toujours en panne")
    assert lang == "fr" and 0.5 < confidence <= 1.0
    assert "known words" in why


@pytest.mark.parametrize(
    ("text", "lang"),
    [("#Climat #mardiDD #DD", "fr"), ("#MAYDAY #FROMAGE #PATRIMOINE", "fr"), ("#WakeUpCall #SaveTheDate", "en")],
)
def test_hashtags_decide_when_they_are_the_only_words(text: str, lang: str) -> None:
    assert detect(text)[0] == lang
