"""Shared text analysis: normalised text, cue hits and lexicon sentiment, computed once per message."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from comptoir.triage import lexicons
from comptoir.triage.text import count_mentions, count_urls, letter_count, normalise, tokens

_CAPS_WORD = re.compile(r"\b[A-ZÀ-Ý]{3,}\b")
_HASHTAG = re.compile(r"#(\w+)")
_REPEAT = re.compile(r"(.)\1{3,}")
MAX_REPEATS = 2  # a word counts at most twice (floods, long emails)


@dataclass(frozen=True, slots=True)
class Analysed:
    text: str
    norm: str
    lang: str
    cues: dict[str, str]
    positive: float
    negative: float
    positive_words: tuple[str, ...]
    negative_words: tuple[str, ...]
    n_tokens: int
    n_letters: int
    n_urls: int
    n_mentions: int
    exclamations: int
    caps_words: int
    is_retweet: bool


def _lexicon_sentiment(
    words: list[str], raw: str, lang: str
) -> tuple[float, float, tuple[str, ...], tuple[str, ...]]:
    table = lexicons.valence_table(lang)
    negators = lexicons.NEGATORS.get(lang, lexicons.NEGATORS["fr"] | lexicons.NEGATORS["en"])
    intensifiers = lexicons.INTENSIFIERS.get(lang, lexicons.INTENSIFIERS["fr"] | lexicons.INTENSIFIERS["en"])
    pos = neg = 0.0
    pos_words: list[str] = []
    neg_words: list[str] = []
    skip: set[int] = set()
    starts = lexicons.phrase_index(lang)
    for i, word in enumerate(words):
        for parts, phrase, phrase_value in starts.get(word, ()):
            n = len(parts)
            if tuple(words[i : i + n]) == parts and not skip.intersection(range(i, i + n)):
                skip.update(range(i, i + n))
                if phrase_value > 0:
                    pos += phrase_value
                    pos_words.append(phrase)
                else:
                    neg -= phrase_value
                    neg_words.append(phrase)
    negate_until = -1
    boost = 1.0
    seen: dict[str, int] = {}
    for i, word in enumerate(words):
        if i in skip:
            continue
        if word in negators:
            negate_until = i + 3
            continue
        if word in intensifiers:
            boost = 1.5
            continue
        value = table.get(word)
        if value is None and word.endswith("s"):
            value = table.get(word[:-1])
        if value is None or not value or seen.get(word, 0) >= MAX_REPEATS:
            boost = 1.0
            continue
        seen[word] = seen.get(word, 0) + 1
        value *= boost
        boost = 1.0
        if i <= negate_until and value > 0:
            value = -value * 0.7
        elif i <= negate_until and value < -1.0:
            value = value * 0.5
        if value > 0:
            pos += value
            pos_words.append(word)
        elif value < 0:
            neg -= value
            neg_words.append(word)
    for tag in _HASHTAG.findall(raw.lower()):
        for polarity, stems in lexicons.HASHTAG_STEMS.items():
            if any(stem in tag for stem in stems):
                if polarity == "negative":
                    neg += 1.5
                    neg_words.append("#" + tag)
                else:
                    pos += 1.5
                    pos_words.append("#" + tag)
                break
    emoji_pos = sum(raw.count(ch) for ch in lexicons.POSITIVE_EMOJI if ch in raw)
    emoji_neg = sum(raw.count(ch) for ch in lexicons.NEGATIVE_EMOJI if ch in raw)
    if emoji_pos:
        pos += 1.5 * min(emoji_pos, 3)
        pos_words.extend(ch for ch in lexicons.POSITIVE_EMOJI if ch in raw)
    if emoji_neg:
        neg += 1.5 * min(emoji_neg, 3)
        neg_words.extend(ch for ch in lexicons.NEGATIVE_EMOJI if ch in raw)
    for _ in lexicons.POSITIVE_EMOTICONS.findall(raw):
        pos += 1.5
        pos_words.append(":)")
    for _ in lexicons.NEGATIVE_EMOTICONS.findall(raw):
        neg += 1.5
        neg_words.append(":(")
    return pos, neg, tuple(pos_words), tuple(neg_words)


def analyse(text: str, lang: str) -> Analysed:
    norm = normalise(text)
    words = tokens(norm)
    pos, neg, pos_words, neg_words = _lexicon_sentiment(words, text, lang)
    return Analysed(
        text=text,
        norm=norm,
        lang=lang,
        cues=lexicons.find_cues(norm, lang),
        positive=pos,
        negative=neg,
        positive_words=pos_words,
        negative_words=neg_words,
        n_tokens=len(words),
        n_letters=letter_count(text),
        n_urls=count_urls(text),
        n_mentions=count_mentions(text),
        exclamations=text.count("!"),
        caps_words=len(_CAPS_WORD.findall(text)),
        is_retweet=norm.startswith("rt @user") or norm.startswith("rt "),
    )


DENSE_NAMES: tuple[str, ...] = (
    *(f"cue_{name}" for name in lexicons.CUE_NAMES),
    "lex_pos",
    "lex_neg",
    "lex_balance",
    "exclamations",
    "caps",
    "urls",
    "mentions",
    "short",
    "long",
    "retweet",
    "repeat_chars",
    "no_letters",
)


def dense_vector(a: Analysed) -> np.ndarray:
    values = [1.0 if name in a.cues else 0.0 for name in lexicons.CUE_NAMES]
    values += [
        min(a.positive, 6.0) / 3.0,
        min(a.negative, 6.0) / 3.0,
        float(np.tanh((a.positive - a.negative) / 2.0)),
        min(a.exclamations, 3) / 3.0,
        min(a.caps_words, 3) / 3.0,
        min(a.n_urls, 2) / 2.0,
        min(a.n_mentions, 3) / 3.0,
        1.0 if a.n_tokens <= 3 else 0.0,
        1.0 if a.n_tokens >= 40 else 0.0,
        1.0 if a.is_retweet else 0.0,
        1.0 if _REPEAT.search(a.norm) else 0.0,
        1.0 if a.n_letters == 0 else 0.0,
    ]
    return np.asarray(values, dtype=np.float64)
