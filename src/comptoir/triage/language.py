"""Judgement `lang`: fr, en, or the ISO 639-1 code of another language (mixed messages: the main one).

Three layers, cheapest first: the writing system (CJK, Arabic, Cyrillic... decide alone); the py3langid naive
Bayes model (BSD-3-Clause, its model ships inside the wheel, nothing downloaded) restricted to common languages,
which decides alone for a confident third language; then French against English by the word frequencies of
both languages (wordfreq's "small" lists, shipped inside its wheel), the character model's fr/en odds and French
accents — what makes 1–3 word messages ("sent", "dm envoyé", "toujours rien") come out right. Texts without
letters (emoji only, empty) are ``und``; with only links and @mentions, the handles are the hint (English
when they give none); hashtags count when they are the only words.
"""

from __future__ import annotations

import gc
import math
import re
import threading
from typing import Any

from comptoir.triage.text import letter_count, normalise, strip_accents, strip_links_and_mentions, tokens
from comptoir.triage.types import UNDETERMINED_LANG

CANDIDATES = (
    "fr",
    "en",
    "es",
    "de",
    "it",
    "pt",
    "nl",
    "ca",
    "ro",
    "pl",
    "sv",
    "da",
    "no",
    "fi",
    "tr",
    "id",
    "ms",
    "cs",
    "hu",
    "ru",
    "uk",
    "ar",
    "he",
    "el",
    "ja",
    "zh",
    "ko",
    "th",
    "hi",
    "vi",
)
FR_WORDS = frozenset(
    "le les des un une et est pas je tu vous il elle nous ils du au aux pour sur avec dans mais ou qui stp allo "
    "bah hs ne plus ca c'est j'ai merci bonjour svp depuis toujours encore mon ma mes ton ta votre vos sont suis ai a "
    "fait faire rien tout tres trop bien quand comment pourquoi chez moi toi lui leur cette ce ces on "
    "aussi deja jamais bonsoir salut oui non idem pareil meme rien chez d'internet l'appli j'attends n'est "
    "n'ai qu'il qu'on s'il d'un d'une l'on aucun aucune avez avoir etre etait".split()
)
EN_WORDS = frozenset(
    "the a an and is are not i you we it of to for on with in but or that which my your this have has was be "
    "can no thanks thank please hi hello still again i'm it's don't can't what why how when where there they "
    "them our us me get got just been do does did will would could should any some about from at by as if so "
    "yes yet out up all one im dont cant its here now today hey guys".split()
)
_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
)
_FRENCH_ACCENTS = re.compile(r"[éèêàçùûôîœ]")
_HASHTAG = re.compile(r"#\w+")
_CAMEL = re.compile(r"[A-ZÀ-Ý]+(?![a-zà-ÿ])|[A-ZÀ-Ý]?[a-zà-ÿ]+|\d+")
_MARKERS = frozenset({"rt"})  # the retweet marker is no English word
_lock = threading.Lock()
_identifier: Any = None
_frequencies: tuple[dict[str, float], dict[str, float]] | None = None
FREQUENCY_FLOOR = 1e-7  # a word unknown to one language counts as this rare there
CHARACTER_WEIGHT = 0.3  # weight of the character model's log-odds beside the words' log-odds
ACCENT_WEIGHT = 1.5  # per French accent, at most two


def _frequency_table(lang: str) -> dict[str, float]:
    import wordfreq

    table: dict[str, float] = {}
    for word, freq in wordfreq.get_frequency_dict(lang, "small").items():
        for key in {word, strip_accents(word)}:  # our normalised text has no accents
            if freq > table.get(key, 0.0):
                table[key] = freq
    return table


def _get_frequencies() -> tuple[dict[str, float], dict[str, float]]:
    global _frequencies
    if _frequencies is None:
        with _lock:
            if _frequencies is None:
                _frequencies = (_frequency_table("fr"), _frequency_table("en"))
    return _frequencies


def _get_identifier() -> Any:
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                identifier.set_languages(list(CANDIDATES))
                # Drop the full 97-language tables kept for a later reset (pinned py3langid 0.4.0): ~60 MB.
                identifier._full_model = (identifier.nb_ptc, identifier.nb_pc, identifier.nb_classes)
                gc.collect()
                _identifier = identifier
    return _identifier


def load() -> None:
    """Load the language model and word frequencies now (otherwise on first use)."""
    _get_identifier()
    _get_frequencies()


def _word_log_odds(words: list[str]) -> tuple[float, int]:
    """Sum over known words of log(freq in French / freq in English), and how many words were known."""
    fr, en = _get_frequencies()
    total, known = 0.0, 0
    for word in words:
        f, e = fr.get(word), en.get(word)
        if f is None and e is None:
            continue
        total += math.log(max(f or 0.0, FREQUENCY_FLOOR)) - math.log(max(e or 0.0, FREQUENCY_FLOOR))
        known += 1
    return total, known


def hashtag_words(text: str) -> list[str]:
    """The words inside hashtags, camel case split: "#mardiDD #ClickClean" → mardi, dd, click, clean."""
    words: list[str] = []
    for tag in _HASHTAG.findall(text):
        for part in _CAMEL.findall(tag[1:]):
            words.extend(tokens(normalise(part)))
    return words


_HANDLE = re.compile(r"@(\w+)")


def _guess_from_handles(text: str) -> tuple[str, float, str]:
    """No words outside links and @mentions: the handles (camel case and underscores split) are the only hint."""
    words = [w for h in _HANDLE.findall(text) for part in _CAMEL.findall(h) for w in tokens(normalise(part))]
    odds, known = _word_log_odds(words)
    if known == 0:
        return "en", 0.5, "only links and mentions: no hint, English prior"
    code = "fr" if odds > 0 else "en"
    return code, 0.5, f"only links and mentions: guessed from the handles ({odds:+.1f})"


def _script_language(text: str, letters: int) -> str | None:
    for code, pattern in _SCRIPTS:
        found = len(pattern.findall(text))
        if found and found * 2 >= letters:
            return code
    return None


def detect(text: str) -> tuple[str, float, str]:
    """Return (language code, confidence 0..1, reason)."""
    letters = letter_count(text)
    if letters == 0:
        return UNDETERMINED_LANG, 0.0, "no letters"
    if letter_count(strip_links_and_mentions(text)) == 0:
        return _guess_from_handles(text)
    script = _script_language(text, letters)
    if script is not None:
        return script, 0.99, "writing system"
    norm = normalise(_HASHTAG.sub(" ", text)).replace("@user", " ").replace("url", " ")
    words = [w for w in tokens(norm) if w not in _MARKERS]
    fr_hits = sum(1 for w in words if w in FR_WORDS)
    en_hits = sum(1 for w in words if w in EN_WORDS)
    sample = norm if len(norm.strip()) >= 2 else text.lower()
    ranked = _get_identifier().rank(sample)
    probs = {str(code): float(p) for code, p in ranked}
    best, best_p = str(ranked[0][0]), float(ranked[0][1])
    if best not in ("fr", "en"):
        strong_other = best_p > 0.97 and letters >= 20 and fr_hits + en_hits <= max(1, len(words) // 4)
        if strong_other:
            return best, best_p, f"character model {best} {best_p:.2f}"
    words_odds, known = _word_log_odds(words)
    if known == 0:  # only hashtags carry words: "#Climat #mardiDD", "#MAYDAY #FROMAGE"
        words_odds, known = _word_log_odds(hashtag_words(text))
    char_odds = math.log(max(probs.get("fr", 0.0), 1e-9)) - math.log(max(probs.get("en", 0.0), 1e-9))
    accents = min(len(_FRENCH_ACCENTS.findall(text.lower())), 2)
    if known == 0 and abs(char_odds) < 1.0 and not accents:
        code = "fr" if probs.get("fr", 0.0) >= probs.get("en", 0.0) else "en"
        return code, 0.5, "short text, fr/en prior"
    score = words_odds + CHARACTER_WEIGHT * char_odds + ACCENT_WEIGHT * accents
    code = "fr" if score > 0 else "en"
    confidence = 1.0 / (1.0 + math.exp(-abs(score)))
    why = f"fr/en odds {score:+.1f}: {known} known words {words_odds:+.1f}, characters {char_odds:+.1f}"
    if accents:
        why += f", {accents} French accents"
    return code, round(confidence, 3), why
