"""Post length as X counts it (twitter-text v3 weighting), checked before sending.

* text is NFC-normalised;
* every URL counts as 23 characters (t.co wrapping), whatever its length;
* code points in the Latin/common ranges weigh 1; every other code point (CJK, most symbols) weighs 2;
* an emoji sequence (with ZWJ joins, variation selectors, skin tones) weighs 2 as a whole.
The limit is 280 weighted characters.
"""

from __future__ import annotations

import re
import unicodedata

MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23
_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+"
    r"|\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:com|net|org|io|co|fr|de|uk|be|ch|ca|es|it|eu|me|ly|app|dev|"
    r"info|biz|gov|edu|shop|store)\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}'\""
_ZWJ = 0x200D


def _is_emoji(cp: int) -> bool:
    return 0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x2B00 <= cp <= 0x2BFF


def _is_emoji_modifier(cp: int) -> bool:
    return cp in (0xFE0E, 0xFE0F, 0x20E3) or 0x1F3FB <= cp <= 0x1F3FF or 0xE0020 <= cp <= 0xE007F


def _weight(cp: int) -> int:
    return 1 if any(low <= cp <= high for low, high in _LIGHT_RANGES) else 2


def _plain_length(text: str) -> int:
    total = 0
    points = [ord(ch) for ch in text]
    index = 0
    while index < len(points):
        cp = points[index]
        if _is_emoji(cp) or (0x1F1E6 <= cp <= 0x1F1FF):
            index += 1
            if 0x1F1E6 <= cp <= 0x1F1FF and index < len(points) and 0x1F1E6 <= points[index] <= 0x1F1FF:
                index += 1  # a flag: two regional indicators
            while index < len(points):
                nxt = points[index]
                if _is_emoji_modifier(nxt):
                    index += 1
                elif nxt == _ZWJ and index + 1 < len(points) and _is_emoji(points[index + 1]):
                    index += 2
                else:
                    break
            total += 2
            continue
        total += _weight(cp)
        index += 1
    return total


def urls(text: str) -> list[str]:
    """The URLs X would wrap with t.co (trailing punctuation excluded)."""
    return [match.group(0).rstrip(_TRAILING) for match in _URL.finditer(text)]


def weighted_length(text: str) -> int:
    """The length X counts for ``text``."""
    text = unicodedata.normalize("NFC", text)
    total = 0
    position = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        total += _plain_length(text[position : match.start()]) + URL_WEIGHT
        position = match.start() + len(url)
    return total + _plain_length(text[position:])


def fits(text: str, limit: int = MAX_WEIGHTED_LENGTH) -> bool:
    return weighted_length(text) <= limit
