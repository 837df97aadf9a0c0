"""Basic accessibility checks on every page: each field has a label, ids are unique, the language is declared."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

from tests.ui.conftest import Workspace


class Fields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, str | None]] = []
        self.labels: set[str] = set()
        self.ids: list[str] = []
        self.lang: str | None = None
        self.buttons_without_text = 0
        self._button: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(str(values["id"]))
        if tag == "html":
            self.lang = values.get("lang")
        if tag == "label" and values.get("for"):
            self.labels.add(str(values["for"]))
        if tag in ("select", "textarea") or (tag == "input" and values.get("type") not in ("hidden", "submit")):
            self.fields.append(values)
        if tag == "button":
            self._button = [values.get("aria-label") or ""]

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None:
            if not "".join(self._button).strip():
                self.buttons_without_text += 1
            self._button = None


def check(html: str) -> None:
    parser = Fields()
    parser.feed(html)
    assert parser.lang in ("en", "fr")
    unlabelled = [f for f in parser.fields if f.get("id") not in parser.labels and not f.get("aria-label")]
    assert unlabelled == []
    assert [i for i, n in Counter(parser.ids).items() if n > 1] == []
    assert parser.buttons_without_text == 0


def test_every_page_labels_its_fields(ws: Workspace) -> None:
    c = ws.ingest(ws.a, "a11y-1", visibility="public")
    anonymous = ws.client()
    check(anonymous.get("/login").text)
    sue = ws.client("sue")
    for url in ("/", "/?status=all", f"/c/{c}", "/ui/templates", "/ui/tokens", "/ui/audit"):
        check(sue.get(url).text)
