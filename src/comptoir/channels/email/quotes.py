"""Trim the quoted history from a reply, keeping only what the sender wrote this time.

Rules, applied to the plain text (HTML bodies are converted first, ``<blockquote>`` becoming ``> ``):

1. Cut at the first *separator line* and drop everything after it:
   - an attribution line: ``On <date>, <name> wrote:`` (English, possibly wrapped over up to three lines),
     ``Le <date>, <name> a écrit :`` (French), ``Am ... schrieb ...:`` (German), ``El ... escribió:``
     (Spanish), ``Il ... ha scritto:`` (Italian), ``Op ... schreef ...:`` (Dutch);
   - an Outlook banner: ``-----Original Message-----``, ``----- Message d'origine -----``,
     ``-----Ursprüngliche Nachricht-----``, ``----- Mensaje original -----``, ``---- Forwarded message ----``;
   - an Outlook header block: a ``From:``/``De :``/``Von:`` line followed within four lines by another
     header line (``Sent:``/``Envoyé :``/``Date:``/``To:``/``À :``/``Subject:``/``Objet :``...), with an
     optional ``____`` rule just above it.
2. Drop every line that starts with ``>`` (inline quoting), keeping the sender's own lines between them.
3. Collapse runs of blank lines, strip.

If trimming would leave nothing (a forward with no comment, a reply typed inside the quote), the
untrimmed text is returned: an agent must never see an empty message that had content.
"""

from __future__ import annotations

import re

_SP = r"[ \t\u00a0\u202f]"
_ATTRIBUTION = [
    re.compile(rf"^{_SP}*On\b.{{0,300}}\bwrote{_SP}*:{_SP}*$", re.IGNORECASE | re.DOTALL),
    re.compile(rf"^{_SP}*Le\b.{{0,300}}\ba{_SP}+écrit{_SP}*:{_SP}*$", re.IGNORECASE | re.DOTALL),
    re.compile(rf"^{_SP}*Am\b.{{0,300}}\bschrieb\b.{{0,200}}:{_SP}*$", re.IGNORECASE | re.DOTALL),
    re.compile(rf"^{_SP}*El\b.{{0,300}}\bescribió{_SP}*:{_SP}*$", re.IGNORECASE | re.DOTALL),
    re.compile(rf"^{_SP}*Il\b.{{0,300}}\bha{_SP}+scritto{_SP}*:{_SP}*$", re.IGNORECASE | re.DOTALL),
    re.compile(rf"^{_SP}*Op\b.{{0,300}}\bschreef\b.{{0,200}}:{_SP}*$", re.IGNORECASE | re.DOTALL),
]
_BANNER = re.compile(
    r"^\s*-{2,}\s*(original message|message d'origine|message d’origine|ursprüngliche nachricht|"
    r"mensaje original|messaggio originale|forwarded message|message transféré)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(rf"^{_SP}*\*?(from|de|von|van|da){_SP}*:\*?{_SP}*\S", re.IGNORECASE)
_HEADER_OTHER = re.compile(
    rf"^{_SP}*\*?(sent|date|envoyé|to|à|a|cc|subject|objet|gesendet|an|betreff|enviado|para|asunto|"
    rf"inviato|oggetto|verzonden|aan|onderwerp){_SP}*:\*?",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{10,}\s*$")
_QUOTED = re.compile(r"^[ \t]*>")


def _separator_at(lines: list[str], index: int) -> bool:
    line = lines[index]
    if _BANNER.match(line):
        return True
    if _HEADER_FROM.match(line):
        window = lines[index + 1 : index + 5]
        if any(_HEADER_OTHER.match(candidate) for candidate in window):
            return True
    stripped = line.strip()
    if not stripped or len(stripped) > 400:
        return False
    # An attribution line, possibly wrapped by the sender's client over up to three lines.
    for span in (1, 2, 3):
        chunk = " ".join(part.strip() for part in lines[index : index + span])
        if span > 1 and (index + span > len(lines) or not lines[index + span - 1].strip()):
            break
        if any(pattern.match(chunk) for pattern in _ATTRIBUTION):
            return True
    return False


def find_quote_start(text: str) -> int | None:
    """Index (in lines) of the first separator line of the quoted history, or None."""
    lines = text.split("\n")
    for index in range(len(lines)):
        if _separator_at(lines, index):
            if index > 0 and _RULE.match(lines[index - 1]):
                return index - 1
            return index
    return None


def trim_quoted(text: str) -> str:
    """``text`` without its quoted history (see the module docstring)."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = normalised.split("\n")
    cut = find_quote_start(normalised)
    if cut is not None:
        lines = lines[:cut]
    kept = [line.rstrip() for line in lines if not _QUOTED.match(line)]
    out: list[str] = []
    for line in kept:
        if not line.strip() and (not out or not out[-1].strip()):
            continue
        out.append(line)
    result = "\n".join(out).strip()
    return result if result else normalised.strip()
