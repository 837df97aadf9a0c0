"""Text normalisation shared by every judgement: lower case, no accents, plain apostrophes, tokens."""

from __future__ import annotations

import html
import re
import unicodedata

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "«": '"', "»": '"', "“": '"', "”": '"'})
_URL = re.compile(r"https?://\S+|www\.\S+|\bhttp\b")
_MENTION = re.compile(r"@\w+")
_SPACES = re.compile(r"\s+")
_ELONGATED = re.compile(r"([a-z])\1{2,}")
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[!?]")
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
MAX_CHARS = 8000


_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def clip(text: str) -> str:
    """Keep the head and the tail of very long texts (a 5,000-character email): the judgements read both."""
    if len(text) <= MAX_CHARS:
        return text
    half = MAX_CHARS // 2
    return text[:half] + " \n " + text[-half:]


def normalise(text: str) -> str:
    """Lower case, accents stripped, HTML entities decoded ("&amp;" → "&"), URLs → ' url ', mentions → ' @user ',
    letters repeated 3+ times once."""
    text = html.unescape(clip(text)).translate(_APOSTROPHES)
    text = _URL.sub(" url ", text)
    text = _MENTION.sub(" @user ", text)
    text = _ELONGATED.sub(r"\1", strip_accents(text.lower()))
    return _SPACES.sub(" ", text).strip()


def tokens(norm: str) -> list[str]:
    return _TOKEN.findall(norm)


def letter_count(text: str) -> int:
    return len(_LETTERS.findall(text))


def strip_links_and_mentions(text: str) -> str:
    return _MENTION.sub(" ", _URL.sub(" ", text))


def count_urls(text: str) -> int:
    return len(_URL.findall(text))


def count_mentions(text: str) -> int:
    return len(_MENTION.findall(text))
