"""French and English for the workspace: Babel catalogs in comptoir/locale, one Jinja2 environment per language.

English is the source language. ``python -m comptoir.web.ui.i18n update`` merges new template strings into the
``.po`` catalogs; ``python -m comptoir.web.ui.i18n`` compiles them into ``.mo`` files (tests check that the compiled files are up to date and that every string in the templates is translated).
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent.parent / "locale"
LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"


@lru_cache(maxsize=4)
def translations(language: str) -> NullTranslations:
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    loaded = Translations.load(str(LOCALE_DIR), [language], domain="messages")
    return loaded


def gettext_for(language: str) -> object:
    return translations(language).gettext


def negotiate(accept_language: str | None) -> str:
    """The best of our languages for an ``Accept-Language`` header (English when nothing matches)."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            choices.append((-quality, index, primary))
    return sorted(choices)[0][2] if choices else DEFAULT_LANGUAGE


TEMPLATES_DIR = LOCALE_DIR.parent / "web" / "templates"
EXTRACT_OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}


def extract_template_messages() -> dict[str, list[tuple[str, int]]]:
    """Every message id used in the templates, with where it is used (what the catalogs must translate)."""
    from babel.messages.extract import extract_from_dir

    found: dict[str, list[tuple[str, int]]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(TEMPLATES_DIR),
        method_map=[("**.html", "jinja2.ext:babel_extract")],
        options_map={"**.html": EXTRACT_OPTIONS},
    ):
        key = message if isinstance(message, str) else message[0]
        found.setdefault(key, []).append((f"src/comptoir/web/templates/{filename}", lineno))
    return found


def update_catalogs() -> list[Path]:
    """Merge the template strings into every ``messages.po`` (new ones untranslated, translations kept)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    template = Catalog(project="Comptoir", charset="utf-8")
    for message_id, locations in sorted(extract_template_messages().items()):
        template.add(message_id, locations=locations)
    written: list[Path] = []
    for po_path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        catalog.update(template, no_fuzzy_matching=True)
        with po_path.open("wb") as handle:
            write_po(handle, catalog, width=110, sort_output=True, ignore_obsolete=True)
        written.append(po_path)
    return written


def compile_catalogs() -> list[Path]:
    """Compile every ``messages.po`` into ``messages.mo`` next to it."""
    written: list[Path] = []
    for po_path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo_path)
    translations.cache_clear()
    return written


if __name__ == "__main__":
    paths = update_catalogs() if sys.argv[1:] == ["update"] else compile_catalogs()
    for path in paths:
        sys.stdout.write(f"{path}\n")
