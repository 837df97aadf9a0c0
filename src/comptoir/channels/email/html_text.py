"""HTML mail bodies to readable plain text, with the standard library's HTML parser.

The output is meant for agents and for the triage models, not for round-tripping: paragraphs and line
breaks are kept, lists get bullets, links keep their target when it differs from their text, tables
become one line per row, and ``<blockquote>`` content (the quoted history of most mail clients) is
prefixed with ``> `` so that :func:`comptoir.channels.email.quotes.trim_quoted` can drop it.
Scripts, styles and the document head are ignored; entities are decoded; non-breaking spaces become
plain spaces.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIP = frozenset({"script", "style", "head", "title", "template", "noscript", "svg", "object", "iframe"})
_BLOCK = frozenset(
    {
        "p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "address", "center",
        "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "dt", "dd", "table", "thead", "tbody",
        "tfoot", "tr", "form", "fieldset", "figure", "figcaption", "pre", "hr", "blockquote", "li",
    }
)  # fmt: skip
_PARAGRAPH = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote", "pre", "hr"}
)
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr", "source"})
_QUOTE_CLASSES = ("gmail_quote", "moz-cite-prefix", "yahoo_quoted")
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u200b\u2028\u2029]+")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []  # (quote depth, text)
        self._current: list[str] = []
        self._skip_depth = 0
        self._pre_depth = 0
        self._quote_depth = 0
        self._quote_stack: list[bool] = []  # per open div: did it open a quote?
        self._lists: list[list[int]] = []  # per open list: [is_ordered, counter]
        self._links: list[tuple[str, int]] = []  # (href, length of text before the link)
        self._cells_in_row = 0

    # -- output helpers ---------------------------------------------------------------------------
    def _text_so_far(self) -> str:
        return "".join(self._current)

    def _end_line(self) -> None:
        text = "".join(self._current)
        self._current = []
        if self._pre_depth == 0:
            text = _SPACES.sub(" ", text).strip()
        else:
            text = text.rstrip()
        self.lines.append((self._quote_depth, text))

    def _break(self, paragraph: bool = False) -> None:
        if self._current and self._text_so_far().strip():
            self._end_line()
        else:
            self._current = []
        if paragraph and self.lines and self.lines[-1][1] != "":
            self.lines.append((self._quote_depth, ""))

    # -- parser callbacks -------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            if tag not in _VOID:
                self._skip_depth += 1
            return
        if self._skip_depth:
            return
        attributes = {name: value or "" for name, value in attrs}
        if tag == "br":
            if self._current:
                self._end_line()
            else:
                self.lines.append((self._quote_depth, ""))
            return
        if tag in _BLOCK:
            self._break(paragraph=tag in _PARAGRAPH)
        if tag == "blockquote":
            self._quote_depth += 1
        elif tag == "div":
            classes = attributes.get("class", "")
            # Gmail/Yahoo wrap the whole quoted history in one container; Thunderbird's attribution line
            # ("On ... wrote:") sits in its own container before a <blockquote>. Outlook's header block
            # ("From: ... Sent: ...") is left as text: trim_quoted cuts at it.
            opens_quote = any(name in classes.split() for name in _QUOTE_CLASSES)
            self._quote_stack.append(opens_quote)
            if opens_quote:
                self._quote_depth += 1
        elif tag == "pre":
            self._pre_depth += 1
        elif tag in ("ul", "ol"):
            self._lists.append([1 if tag == "ol" else 0, 0])
        elif tag == "li":
            if self._lists and self._lists[-1][0]:
                self._lists[-1][1] += 1
                self._current.append(f"{self._lists[-1][1]}. ")
            else:
                self._current.append("- ")
        elif tag == "tr":
            self._cells_in_row = 0
        elif tag in ("td", "th"):
            if self._cells_in_row:
                self._current.append(" | ")
            self._cells_in_row += 1
        elif tag == "a":
            self._links.append((attributes.get("href", "").strip(), len(self._text_so_far())))
        elif tag == "img":
            alt = attributes.get("alt", "").strip()
            if alt:
                self._current.append(f"[{alt}]")
        if tag == "hr":
            self._break(paragraph=True)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            if tag not in _VOID and self._skip_depth:
                self._skip_depth -= 1
            return
        if self._skip_depth:
            return
        if tag == "a" and self._links:
            href, start = self._links.pop()
            label = self._text_so_far()[start:].strip()
            target = href.removeprefix("mailto:") if href.startswith("mailto:") else href
            if target and href.startswith(("http://", "https://", "mailto:")) and target not in label:
                self._current.append(f" ({target})" if label else target)
        if tag in _BLOCK:
            self._break(paragraph=tag in _PARAGRAPH)
        if tag == "blockquote" and self._quote_depth:
            self._quote_depth -= 1
        elif tag == "div" and self._quote_stack:
            if self._quote_stack.pop() and self._quote_depth:
                self._quote_depth -= 1
        elif tag == "pre" and self._pre_depth:
            self._pre_depth -= 1
        elif tag in ("ul", "ol") and self._lists:
            self._lists.pop()

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if self._pre_depth:
            parts = data.split("\n")
            for index, part in enumerate(parts):
                if index:
                    self._end_line()
                self._current.append(part)
            return
        self._current.append(data)

    def close(self) -> None:
        super().close()
        if self._current:
            self._end_line()


def html_to_text(html: str) -> str:
    """Readable text of an HTML document or fragment (see the module docstring)."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    out: list[str] = []
    for depth, text in parser.lines:
        line = ("> " * depth + text).rstrip() if depth else text
        if line == "" and (not out or out[-1] == ""):
            continue
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out).replace("\u00a0", " ")
