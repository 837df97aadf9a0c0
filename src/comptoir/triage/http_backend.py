"""A triage backend over HTTP: a local transformer server, an LLM gateway, any service answering this contract.

Request (one per chunk of up to 256 messages), ``POST <url>`` with ``Content-Type: application/json`` and, when a
token is configured, ``Authorization: Bearer <token>``::

    {"judgement": "intent", "labels": ["complaint", "request", ...],
     "items": [{"text": "...", "lang": "fr"}, ...]}

Answer, status 200::

    {"predictions": [{"complaint": 0.81, "request": 0.12, ...}, ...]}   # one object per item, same order

Boolean judgements (``spam``, ``needs_reply``) use the labels ``yes`` / ``no``. Anything else — a timeout, a
non-200 status, a body that is not this JSON, the wrong number of answers, no usable probability — makes the
default triage answer for that chunk, and the explanation says why ("backend gpu-box failed: ReadTimeout").
Configured with the setting ``COMPTOIR_TRIAGE_BACKENDS`` (a JSON list, see :class:`TriageBackendSetting`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from comptoir.errors import ConfigurationError
from comptoir.triage import backends


class BackendAnswerError(ValueError):
    """The endpoint answered, but not with the contract's JSON."""


@dataclass
class HttpBackend:
    judgement: str
    url: str
    name: str = ""
    token: str | None = None
    timeout_seconds: float = 2.0
    configured: bool = False  # installed from the settings (reset_configured removes it)
    _client: httpx.Client | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.judgement not in backends.LABELS:
            raise ConfigurationError(
                f"triage backend {self.url}: judgement {self.judgement!r} is not one of {backends.PLUGGABLE}"
            )
        if urlsplit(self.url).scheme not in ("http", "https"):
            raise ConfigurationError(f"triage backend URL must be http(s): {self.url!r}")
        self.name = self.name or urlsplit(self.url).netloc

    def client(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                headers = {"authorization": f"Bearer {self.token}"} if self.token else {}
                self._client = httpx.Client(timeout=self.timeout_seconds, headers=headers)
            return self._client

    def predict(self, texts: Sequence[str], langs: Sequence[str]) -> Sequence[Mapping[str, float]]:
        body = {
            "judgement": self.judgement,
            "labels": list(backends.LABELS[self.judgement]),
            "items": [{"text": text, "lang": lang} for text, lang in zip(texts, langs, strict=True)],
        }
        response = self.client().post(self.url, json=body)
        if response.status_code != 200:
            raise BackendAnswerError(f"HTTP {response.status_code}")
        try:
            data: Any = response.json()
        except ValueError as exc:
            raise BackendAnswerError("the answer is not JSON") from exc
        predictions = data.get("predictions") if isinstance(data, dict) else None
        if not isinstance(predictions, list):
            raise BackendAnswerError('no "predictions" list in the answer')
        return predictions

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None


def install_configured() -> list[HttpBackend]:
    """Register the HTTP backends of the setting ``COMPTOIR_TRIAGE_BACKENDS`` (called once, on first lookup)."""
    from comptoir.settings import get_settings

    installed: list[HttpBackend] = []
    for entry in get_settings().triage_backends:
        backend = HttpBackend(
            judgement=entry.judgement,
            url=entry.url,
            name=entry.name or "",
            token=entry.token,
            timeout_seconds=entry.timeout_seconds,
            configured=True,
        )
        backends.register(entry.judgement, backend, brand_id=entry.brand)
        installed.append(backend)
    return installed
