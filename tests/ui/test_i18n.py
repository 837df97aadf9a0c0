"""The French and English catalogs: complete for every template string, and compiled files up to date."""

from __future__ import annotations

import io

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from comptoir.web.ui import i18n


def catalog(language: str):  # type: ignore[no-untyped-def]
    with (i18n.LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def test_every_template_string_has_a_french_translation() -> None:
    used = i18n.extract_template_messages()
    fr = catalog("fr")
    missing = sorted(m for m in used if not (fr.get(m) and fr.get(m).string))
    assert missing == [], "run the catalog update: these strings are not translated"
    en = catalog("en")
    assert sorted(m for m in used if en.get(m) is None) == []


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_compiled_catalogs_match_their_sources(language: str) -> None:
    po = catalog(language)
    mo_path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / "messages.mo"
    with mo_path.open("rb") as handle:
        mo = read_mo(io.BytesIO(handle.read()))
    source = {m.id: m.string for m in po if m.id and m.string}
    compiled = {m.id: m.string for m in mo if m.id and m.string}
    assert compiled == source, "run: python -m comptoir.web.ui.i18n"


def test_placeholders_survive_translation() -> None:
    import re

    for message in catalog("fr"):
        if message.id and message.string:
            assert set(re.findall(r"%\(\w+\)s", str(message.id))) == set(re.findall(r"%\(\w+\)s", str(message.string)))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        ("en-GB,fr;q=0.5", "en"),
        ("de-DE,fr;q=0.3,en;q=0.2", "fr"),
        ("de, es", "en"),
        ("fr;q=0, en;q=0.1", "en"),
        ("fr;q=abc, en;q=0.1", "en"),
    ],
)
def test_accept_language(header: str | None, expected: str) -> None:
    assert i18n.negotiate(header) == expected
