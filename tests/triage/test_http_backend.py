"""HTTP backends: a real local server speaking the contract decides any judgement; every failure falls back."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from comptoir.settings import Settings, reset_settings_cache
from comptoir.triage import TriageInput, analyze, analyze_batch, backends
from comptoir.triage.http_backend import HttpBackend
from tests.conftest import ThreadedServer

SEEN: list[dict[str, Any]] = []


def _keyword_answer(judgement: str, text: str) -> dict[str, float]:
    """A small rule classifier standing in for a local transformer or an LLM gateway."""
    low = text.lower()
    if judgement == "intent":
        return (
            {"praise": 0.9, "complaint": 0.1}
            if "merci" in low or "thanks" in low
            else {"complaint": 0.7, "other": 0.3}
        )
    if judgement == "spam":
        return {"yes": 0.95, "no": 0.05} if "promo" in low else {"yes": 0.1, "no": 0.9}
    if judgement == "urgency":
        return {"high": 0.8, "normal": 0.2} if "urgent" in low else {"low": 0.7, "normal": 0.3}
    if judgement == "needs_reply":
        return {"yes": 0.2, "no": 0.8}
    return {"positive": 0.6, "negative": 0.2, "neutral": 0.2}


async def classify(request: Request) -> Response:
    mode = request.path_params["mode"]
    if mode == "auth" and request.headers.get("authorization") != "Bearer s3cret":
        return PlainTextResponse("unauthorised", status_code=401)
    body = await request.json()
    SEEN.append({"mode": mode, **body})
    answers = [_keyword_answer(body["judgement"], item["text"]) for item in body["items"]]
    if mode == "slow":
        await asyncio.sleep(1.5)
    if mode == "error":
        return PlainTextResponse("boom", status_code=500)
    if mode == "html":
        return PlainTextResponse("<html>maintenance</html>")
    if mode == "short":
        answers = answers[:-1]
    if mode == "negative":
        answers = [{label: -1.0 for label in a} for a in answers]
    if mode == "unknown-labels":
        answers = [{"angry": 1.0} for _ in answers]
    if mode == "no-list":
        return JSONResponse({"predictions": "complaint"})
    return JSONResponse({"predictions": answers})


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    app = Starlette(routes=[Route("/{mode}", classify, methods=["POST"])])
    with ThreadedServer(app) as srv:
        yield srv


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    SEEN.clear()
    monkeypatch.delenv("COMPTOIR_TRIAGE_BACKENDS", raising=False)
    reset_settings_cache()
    backends.reset_configured()
    yield
    for judgement in backends.PLUGGABLE:
        for brand in (None, "brand-1"):
            backends.unregister(judgement, brand_id=brand)
    monkeypatch.delenv("COMPTOIR_TRIAGE_BACKENDS", raising=False)
    reset_settings_cache()
    backends.reset_configured()


def _configure(monkeypatch: pytest.MonkeyPatch, entries: list[dict[str, Any]]) -> None:
    monkeypatch.setenv("COMPTOIR_TRIAGE_BACKENDS", json.dumps(entries))
    reset_settings_cache()
    backends.reset_configured()


def test_a_configured_endpoint_decides_and_receives_the_contract(
    server: ThreadedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(monkeypatch, [{"judgement": "intent", "url": f"{server.url}/ok", "name": "gpu-box"}])
    results = analyze_batch(
        [TriageInput(text="Merci pour tout"), TriageInput(text="Thanks a lot, great team")]
    )
    assert [r.intent for r in results] == ["praise", "praise"]
    assert results[0].reasons["intent"][-1] == "by gpu-box"
    (request,) = SEEN
    assert request["judgement"] == "intent"
    assert request["labels"] == ["complaint", "request", "praise", "feedback", "spam", "other"]
    assert request["items"] == [
        {"text": "Merci pour tout", "lang": "fr"},
        {"text": "Thanks a lot, great team", "lang": "en"},
    ]


def test_a_brand_endpoint_serves_that_brand_only(
    server: ThreadedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(monkeypatch, [{"judgement": "intent", "url": f"{server.url}/ok", "brand": "brand-1"}])
    text = "Bonjour, comment changer mon adresse de facturation ?"
    assert analyze(TriageInput(text=text, brand_id="brand-1")).intent == "complaint"  # the endpoint's word
    assert analyze(TriageInput(text=text, brand_id="brand-2")).intent == "request"  # the default triage


def test_spam_urgency_and_needs_reply_are_pluggable_too(
    server: ThreadedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"{server.url}/ok"
    _configure(monkeypatch, [{"judgement": j, "url": url} for j in ("spam", "urgency", "needs_reply")])
    promo = analyze(TriageInput(text="Super promo sur les forfaits, profitez-en"))
    assert promo.spam is True and promo.reasons["spam"][-1] == f"by {url.split('/')[2]}"
    urgent = analyze(TriageInput(text="URGENT: my card was charged twice, please call me"))
    assert (urgent.spam, urgent.urgency, urgent.needs_reply) == (False, "high", False)
    calm = analyze(TriageInput(text="My invoice shows the wrong address"))
    assert calm.urgency == "low"
    # History the endpoint cannot see still counts: repeated unanswered contact, floods of the same text.
    waiting = analyze(TriageInput(text="My invoice shows the wrong address", previous_unanswered_inbound=3))
    assert waiting.urgency == "high"
    flood = analyze(TriageInput(text="My invoice shows the wrong address", recent_identical_from_author=4))
    assert flood.spam is True


@pytest.mark.parametrize(
    ("mode", "why"),
    [
        ("error", "HTTP 500"),
        ("html", "the answer is not JSON"),
        ("short", "1 answers for 2 messages"),
        ("negative", "no usable probability"),
        ("unknown-labels", "no usable probability"),
        ("no-list", 'no "predictions" list'),
        ("slow", "ReadTimeout"),
        ("auth", "HTTP 401"),
    ],
)
def test_every_failure_falls_back_to_the_default_triage_and_says_why(
    server: ThreadedServer, monkeypatch: pytest.MonkeyPatch, mode: str, why: str
) -> None:
    _configure(
        monkeypatch,
        [{"judgement": "sentiment", "url": f"{server.url}/{mode}", "name": "lab", "timeout_seconds": 0.5}],
    )
    results = analyze_batch(
        [TriageInput(text="Plus d'internet depuis hier, c'est nul"), TriageInput(text="ok")]
    )
    assert results[0].sentiment == "negative"  # the default triage answered
    decider = results[0].reasons["sentiment"][-1]
    assert decider.startswith("by ") and "backend lab failed" in decider and why in decider


def test_a_token_is_sent_as_a_bearer(server: ThreadedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    _configure(monkeypatch, [{"judgement": "intent", "url": f"{server.url}/auth", "token": "s3cret"}])
    assert analyze(TriageInput(text="thanks!")).intent == "praise"


def test_a_failing_rule_backend_is_named_beside_the_rules(
    server: ThreadedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _configure(monkeypatch, [{"judgement": "urgency", "url": f"{server.url}/error", "name": "lab"}])
    r = analyze(TriageInput(text="Plus d'internet depuis ce matin, la box clignote"))
    assert r.urgency == "high"
    assert (
        r.reasons["urgency"][-1].startswith("by ")
        and "backend lab failed: BackendAnswerError: HTTP 500" in r.reasons["urgency"][-1]
    )


@pytest.mark.parametrize(
    "entry",
    [
        {"judgement": "priority", "url": "http://127.0.0.1:9/x"},
        {"judgement": "intent", "url": "ftp://example.org/x"},
        {"judgement": "intent", "url": "http://127.0.0.1:9/x", "timeout_seconds": 0},
        {"judgement": "intent"},
    ],
)
def test_a_wrong_backend_setting_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, entry: dict[str, Any]
) -> None:
    monkeypatch.setenv("COMPTOIR_TRIAGE_BACKENDS", json.dumps([entry]))
    with pytest.raises(ValidationError) as info:
        Settings()
    assert "triage_backends" in str(info.value)


def test_an_http_backend_checks_its_own_judgement() -> None:
    from comptoir.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        HttpBackend(judgement="priority", url="http://127.0.0.1:9/x")
