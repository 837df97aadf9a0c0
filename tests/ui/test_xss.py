"""Customer texts, names, handles and attachment names are untrusted: every page renders them inert."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.ui.conftest import Workspace, page_csrf

PAYLOADS = [
    "<script>alert('x1')</script>",
    '"><img src=x onerror=alert("x2")>',
    "<svg/onload=alert('x3')>",
    "'><iframe src=javascript:alert('x4')></iframe>",
    "<a href=\"javascript:alert('x5')\">clique</a>",
    "{{ 7*7 }}<b onmouseover=alert('x6')>survol</b>",
    "</textarea><script>alert('x7')</script>",
    "<style>body{display:none}</style>x8",
    "<details open ontoggle=alert('x9')>",
    "%3Cscript%3Ealert('x10')%3C/script%3E <math><mtext></p><script>alert('x11')</script>",
]
OUR_SCRIPTS = {"/static/htmx.min.js", "/static/comptoir.js"}


class Inspector(HTMLParser):
    """Collects what would run: script elements, event-handler attributes, javascript: URLs, style tags."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src") not in OUR_SCRIPTS:
            self.problems.append(f"script {values}")
        if tag in ("iframe", "svg", "math", "style", "img"):
            self.problems.append(f"unexpected <{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"handler {name}={value}")
            if name in ("href", "src", "action") and value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript url {name}={value}")


def assert_inert(html: str) -> None:
    inspector = Inspector()
    inspector.feed(html)
    assert inspector.problems == []
    for payload in PAYLOADS:
        assert payload not in html


def test_xss_corpus_renders_inert_everywhere(ws: Workspace) -> None:
    conversations = []
    for index, payload in enumerate(PAYLOADS):
        conversations.append(
            ws.ingest(
                ws.a,
                f"xss-{index}",
                text=f"Bonjour {payload} ma commande",
                author={
                    "external_id": f"evil-{index}",
                    "handle": f"@{payload}",
                    "name": payload,
                    "followers": 10,
                },
                attachments=[{"kind": "image", "url": "javascript:alert('u')", "name": payload}],
            )
        )
    client = ws.client("sue")
    token = page_csrf(client)
    pages = [
        client.get("/").text,
        client.get("/?status=all&noise=all").text,
        client.get("/ui/inbox/rows?noise=all").text,
        client.get("/ui/audit").text,
    ]
    for c in conversations:
        pages.append(client.get(f"/c/{c}").text)
        pages.append(client.get(f"/ui/c/{c}/timeline").text)
    for payload in PAYLOADS:
        pages.append(client.post(f"/ui/c/{conversations[0]}/coach", data={"text": payload}, headers={"X-CSRF-Token": token}).text)
        pages.append(client.get(f"/?q={payload}").text)
        pages.append(client.get(f"/login?next={payload}").text)
        client.post(f"/c/{conversations[0]}/note", data={"text": payload, "csrf_token": token})
        client.post(f"/c/{conversations[0]}/tags", data={"tags": payload, "csrf_token": token})
    pages.append(client.get(f"/c/{conversations[0]}").text)
    for html in pages:
        assert_inert(html)
    # The text is still there, escaped, for the agent to read.
    assert "&lt;script&gt;alert(&#39;x1&#39;)&lt;/script&gt;" in pages[-1]


def test_template_suggestions_are_json_not_html(ws: Workspace) -> None:
    c = ws.ingest(ws.a, "xss-json", author={"external_id": "e", "handle": "@e", "name": "<b>Eve</b>"})
    response = ws.client("alice").get(f"/ui/c/{c}/templates?q=")
    assert response.headers["content-type"].startswith("application/json")
    assert any("<b>Eve</b>" in item["text"] for item in response.json())  # inserted as text by the script


def test_pages_carry_a_strict_content_security_policy(ws: Workspace) -> None:
    response = ws.client("alice").get("/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["x-frame-options"] == "DENY"
