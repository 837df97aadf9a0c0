"""One test per situation the issue names, in French and in English."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from comptoir.triage import TriageResult

Judge = Callable[..., TriageResult]

OUTAGE = [
    "Plus d'internet depuis ce matin, la box clignote en rouge, c'est inadmissible !",
    "My internet has been down all day and nobody answers the phone, this is ridiculous",
]
BILL_QUESTION = [
    "Bonjour, comment puis-je télécharger ma facture du mois de mars ?",
    "Hi, how can I download my invoice for March?",
]
THANKS = [
    "Merci beaucoup à votre équipe, super efficace et très sympa !",
    "Thank you so much, your support team was amazing!",
]
ADVERT = [
    "🎁 CONCOURS 🎁 Gagnez un iPhone 15 ! RT + follow pour participer https://bit.ly/xyz",
    "🎁 GIVEAWAY 🎁 Win a brand new iPhone! RT and follow to enter https://bit.ly/xyz",
]
PRESS = [
    "Si mon problème de facturation n'est pas réglé demain, j'appelle un journaliste et la presse saura tout.",
    "If my billing issue isn't fixed by tomorrow I'm going to the press and a journalist friend.",
]


@pytest.mark.parametrize("text", OUTAGE)
def test_outage_complaint(judge: Judge, text: str) -> None:
    r = judge(text)
    assert (r.intent, r.urgency, r.needs_reply, r.sentiment, r.spam) == (
        "complaint",
        "high",
        True,
        "negative",
        False,
    )
    assert r.priority >= 70
    assert any("complaint" in part for part in r.explanation)


@pytest.mark.parametrize("text", BILL_QUESTION)
def test_bill_question_is_a_request(judge: Judge, text: str) -> None:
    r = judge(text)
    assert (r.intent, r.urgency, r.needs_reply, r.sentiment) == ("request", "normal", True, "neutral")


@pytest.mark.parametrize("text", THANKS)
def test_thanks_is_praise(judge: Judge, text: str) -> None:
    r = judge(text)
    assert (r.intent, r.urgency, r.needs_reply, r.sentiment) == ("praise", "low", False, "positive")
    assert r.priority < 20


@pytest.mark.parametrize("text", ADVERT)
def test_advert_is_noise_and_sinks(judge: Judge, text: str) -> None:
    r = judge(text)
    assert r.spam and r.intent == "spam" and not r.needs_reply and r.urgency == "low"
    assert r.priority <= 5
    assert any("noise" in part for part in r.explanation)


@pytest.mark.parametrize("text", PRESS)
def test_threat_to_go_to_the_press_is_urgent(judge: Judge, text: str) -> None:
    r = judge(text)
    assert r.urgency == "high" and r.needs_reply and r.intent == "complaint"
    assert any("legal or media" in reason for reason in r.reasons["urgency"])


def test_empty_message(judge: Judge) -> None:
    r = judge("")
    assert (r.lang, r.intent, r.urgency, r.needs_reply, r.spam) == ("und", "other", "low", False, False)
    assert r.sentiment == "neutral"


def test_emoji_only(judge: Judge) -> None:
    angry = judge("😡😡😡")
    happy = judge("👍🙏")
    assert angry.lang == "und" and happy.lang == "und"
    assert angry.sentiment == "negative" and happy.sentiment == "positive"
    assert not angry.spam and not happy.spam


def test_five_thousand_character_email(judge: Judge) -> None:
    body = (
        "Bonjour, je vous écris au sujet de mon abonnement. " * 20
        + "Vous m'avez prélevé deux fois ce mois-ci et je demande le remboursement. "
        + "Voici le détail de mes échanges précédents avec votre service. " * 70
    )
    assert len(body) >= 5000
    r = judge(body, channel="email", visibility="private")
    assert r.lang == "fr" and r.intent == "complaint" and r.urgency == "high" and r.needs_reply


def test_mixed_languages(judge: Judge) -> None:
    r = judge("Bonjour, ma connexion ne fonctionne plus depuis hier soir, please help asap")
    assert r.lang == "fr" and r.intent == "complaint" and r.needs_reply


def test_third_language_is_reported_and_still_judged(judge: Judge) -> None:
    r = judge("Hola, me cobraron dos veces la factura de este mes y nadie me responde")
    assert r.lang == "es"
    assert r.priority >= 0 and r.explanation is not None


def test_repeated_unanswered_contact_from_history(judge: Judge) -> None:
    first = judge("Bonjour, ma commande n'est pas arrivée, pouvez-vous vérifier ?")
    again = judge(
        "Bonjour, ma commande n'est pas arrivée, pouvez-vous vérifier ?", previous_unanswered_inbound=3
    )
    assert first.urgency == "normal" and again.urgency == "high"
    assert again.priority > first.priority
    assert any("unanswered" in reason for reason in again.reasons["urgency"])


def test_repeated_unanswered_contact_from_text(judge: Judge) -> None:
    r = judge("Third time I'm tweeting you with no reply, where is my refund?")
    assert r.urgency == "high"


def test_flood_of_the_same_text_is_noise(judge: Judge) -> None:
    r = judge("Check my profile for cheap followers", recent_identical_from_author=5)
    assert r.spam and r.priority <= 5


def test_gibberish_is_noise(judge: Judge) -> None:
    assert judge("qsdfkj qsdlkfj zxcvbnm").spam


def test_huge_and_repetitive_inputs_stay_bounded(judge: Judge) -> None:
    flood = judge("😡" * 100_000)
    assert flood.sentiment == "negative" and 0 <= flood.priority <= 100
    repeated = judge("Plus d'internet ! " * 3000)
    assert repeated.sentiment == "negative" and repeated.urgency == "high"
    letters = judge("x" * 1_000_000)  # gibberish: noise or nothing to act on, never a care intent
    assert letters.intent in ("other", "spam") and letters.priority <= 10


@pytest.mark.parametrize("text", ["ok I'll try that", "d'accord je vais essayer", "@Delta yep"])
def test_plain_acknowledgement_needs_no_reply(judge: Judge, text: str) -> None:
    r = judge(text)
    assert (r.intent, r.urgency, r.needs_reply) == ("other", "low", False)


@pytest.mark.parametrize(
    "text",
    [
        "Our pilot and copilot tonight were the best!! Love it!! #travel https://t.co/abc",
        "merci pour la réparation rapide, top !! #fibre https://t.co/xyz",
        "Why is my order still not here?!! #fail https://t.co/qqq",
        "ma box ne marche plus depuis hier !!! #free",
    ],
)
def test_enthusiastic_or_angry_customers_are_not_noise(judge: Judge, text: str) -> None:
    """Hashtags, links and exclamation marks look like adverts; a problem, thanks or a question is not noise."""
    result = judge(text)
    assert result.spam is False
    assert result.intent != "spam"


@pytest.mark.parametrize(
    "text",
    [
        "GAGNEZ un iPhone 17 !!! RT + follow pour participer #concours http://bit.ly/x",
        "Earn $500 a day from home, click here http://spam.example #crypto",
        "ma box ne marche plus",
        "thanks a lot!",
        "lol",
    ],
)
def test_intent_spam_exactly_when_flagged_as_noise(judge: Judge, text: str) -> None:
    result = judge(text)
    assert (result.intent == "spam") == result.spam


def test_french_sentiment_of_the_shipped_model_is_the_lexicon_alone(judge: Judge) -> None:
    result = judge("Quelle honte, encore une coupure et personne ne répond")
    assert result.sentiment == "negative"
    assert any("lexicon alone" in reason for reason in result.reasons["sentiment"])
    english = judge("What a shame, another outage and nobody answers")
    assert not any("lexicon alone" in reason for reason in english.reasons["sentiment"])


@pytest.mark.parametrize(
    "text", ["@someone Go Badgers!", "Caught in a chase, 25 to life.", "on verra bien demain"]
)
def test_no_cue_and_weak_model_is_not_asserted_as_a_complaint(judge: Judge, text: str) -> None:
    assert judge(text).intent not in ("complaint", "request")


def test_a_courteous_complaint_is_not_positive(judge: Judge) -> None:
    result = judge(
        "@airline thanks, she did her best, but we are stuck overnight in Dallas and the flight is cancelled"
    )
    assert result.intent == "complaint" and result.sentiment != "positive"


def test_html_entities_are_decoded() -> None:
    from comptoir.triage.text import normalise

    assert normalise("@x fish &amp; chips &gt; 3") == "@user fish & chips > 3"


@pytest.mark.parametrize(
    "text",
    ["@Delta 0062395415777", "Order 4471-2231, delivered to 12 rue des Lilas", "jean.dupont@example.fr"],
)
def test_a_short_answer_to_the_brand_gives_details_and_is_a_request(judge: Judge, text: str) -> None:
    from comptoir.triage import TriageInput, analyze

    answered = analyze(TriageInput(text=text, after_brand_reply=True))
    assert answered.intent == "request" and answered.needs_reply
    assert any("answer to the brand" in r for r in answered.reasons["intent"])


def test_after_the_brand_acknowledgements_and_problems_keep_their_intent(judge: Judge) -> None:
    from comptoir.triage import TriageInput, analyze

    assert analyze(TriageInput(text="ok I'll try that", after_brand_reply=True)).intent == "other"
    still = analyze(TriageInput(text="still no internet since yesterday", after_brand_reply=True))
    assert still.intent == "complaint"


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour, je n'arrive pas à transférer ma ligne sur ma nouvelle box, comment je peux faire ?",
        "I can't find where to add a second line to my plan, how do I do it?",
    ],
)
def test_a_how_to_ask_without_a_major_problem_is_a_request(judge: Judge, text: str) -> None:
    r = judge(text)
    assert r.intent == "request"
    assert any("how-to ask" in reason for reason in r.reasons["intent"])


@pytest.mark.parametrize(
    "text",
    [
        "Comment je fais ? Plus d'internet depuis trois jours et personne ne répond",
        "How do I get my money back? You charged me twice this month",
    ],
)
def test_a_how_to_ask_about_a_major_problem_stays_a_complaint(judge: Judge, text: str) -> None:
    assert judge(text).intent == "complaint"


@pytest.mark.parametrize(
    "text",
    [
        "Merci, le problème est réglé !",
        "@VodafoneIN Thanks for resolving my complaint",
        "Thanks, all sorted now",
    ],
)
def test_thanks_for_a_problem_solved_is_praise(judge: Judge, text: str) -> None:
    r = judge(text)
    assert (r.intent, r.sentiment, r.needs_reply) == ("praise", "positive", False)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks for fixing it but I still have no internet",
        "Merci d'avoir réglé ça mais toujours pas de réseau",
    ],
)
def test_thanks_with_a_problem_still_there_stays_a_complaint(judge: Judge, text: str) -> None:
    assert judge(text).intent == "complaint"


def test_sans_merci_is_not_thanks(judge: Judge) -> None:
    assert judge("Écologistes et communistes sans merci à La Rochelle").intent != "praise"


def test_an_account_number_sign_is_not_a_hashtag_of_an_advert(judge: Judge) -> None:
    text = (
        "Trying to sign up for autopay, your site says my account # must be 12 characters. Mine is 9. So???"
    )
    assert judge(text).spam is False


def test_a_reply_carrying_the_thread_handles_is_not_a_mention_flood(judge: Judge) -> None:
    handles = " ".join(f"@shop{n}" for n in range(8))
    assert judge(f"{handles} Very much deserved, well done to the whole team!").spam is False
    assert judge(f"{handles} https://t.co/abc123").spam is True


@pytest.mark.parametrize(
    "text",
    [
        "@shop wow great job, the app keeps crashing at checkout",
        "Génial, encore une coupure internet ce soir, bravo",
    ],
)
def test_a_complaint_without_courtesy_is_negative_even_with_praise_words(judge: Judge, text: str) -> None:
    r = judge(text)
    assert (r.intent, r.sentiment) == ("complaint", "negative")
    assert "a complaint without courtesy is negative" in r.reasons["sentiment"]


@pytest.mark.parametrize("text", ["@Delta 0062395415777", "mon numéro de dossier : 4471-2290"])
def test_a_bare_reference_number_is_a_detail_given(judge: Judge, text: str) -> None:
    assert judge(text).intent == "request"


def test_how_to_in_a_story_is_not_a_how_to_ask(judge: Judge) -> None:
    r = judge("The agent then tried to tell us how to parent our children. Unbelievable.")
    assert not any("how-to ask" in reason for reason in r.reasons["intent"])


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("@shop i cant login to my account since the update", 'problem "can\'t login"'),
        ("@shop the app doesnt load on my phone", 'outage "doesn\'t load"'),
        ("@shop my watch stops working after ten minutes", 'problem "stops working"'),
        ("@shop been waiting 40 minutes at the counter", 'problem "been waiting"'),
        ("@shop no confirmation yet for my booking", 'problem "no confirmation yet"'),
        ("bonjour, j'arrive pas à activer ma carte sim", 'problem "j\'arrive pas a"'),
    ],
)
def test_inability_and_waiting_are_problems_even_typed_loosely(judge: Judge, text: str, cue: str) -> None:
    r = judge(text)
    assert r.intent == "complaint"
    assert any(reason.startswith(cue) for reason in r.reasons["intent"]), r.reasons["intent"]


@pytest.mark.parametrize(
    "text",
    [
        "@shop can't wait for the new menu, it looks great!",
        "@shop I can't get enough of the new flavour, love it",
        "@shop I just had the best customer service, the agent resolved my problem in two minutes!",
        "Super service client, le technicien a réglé mon problème en dix minutes, merci",
    ],
)
def test_positive_idioms_and_problems_solved_are_not_problem_reports(judge: Judge, text: str) -> None:
    r = judge(text)
    assert r.intent == "praise"
    assert not any(reason.startswith("problem") for reason in r.reasons["intent"])


@pytest.mark.parametrize(
    "text",
    [
        "@shop thanks for ruining my holiday, really",
        "@shop thank you for wasting two hours of my evening",
        "Merci pour rien, franchement",
        "@shop so much for next-day delivery",
    ],
)
def test_ironic_thanks_are_negative_and_not_praise(judge: Judge, text: str) -> None:
    r = judge(text)
    assert r.sentiment == "negative"
    assert r.intent != "praise"
    assert any(reason.startswith("ironic thanks") for reason in r.reasons["intent"]), r.reasons["intent"]


@pytest.mark.parametrize(
    "text", ["@shop thank you so much for the help, you rock!", "Merci beaucoup pour votre aide, c'est top"]
)
def test_sincere_thanks_are_not_irony(judge: Judge, text: str) -> None:
    r = judge(text)
    assert (r.intent, r.sentiment) == ("praise", "positive")


def test_a_negated_praise_word_is_no_praise(judge: Judge) -> None:
    r = judge("@shop the agent on the phone was not helpful at all")
    assert not any(reason.startswith("praise") for reason in r.reasons["intent"])
    assert r.sentiment == "negative"


@pytest.mark.parametrize(
    "text",
    [
        "@shop come on. get it together",
        "@shop your phone line hung up on me twice",
        "Sérieusement ? Réveillez-vous un peu",
    ],
)
def test_exasperation_is_negative(judge: Judge, text: str) -> None:
    assert judge(text).sentiment == "negative"


def test_cheering_is_not_exasperation(judge: Judge) -> None:
    r = judge("Come on England! What a match tonight")
    assert "vent" not in " ".join(r.reasons["intent"])
    assert r.sentiment != "negative"
