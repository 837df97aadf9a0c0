"""Deliver a reply to an API account's callback URL, signed with HMAC-SHA256.

The receiver checks ``X-Comptoir-Signature: sha256=<hex HMAC-SHA256(callback secret, raw body)>`` and may
dedupe on ``Idempotency-Key``. 2xx → sent; 4xx → permanent failure; 5xx, timeouts, connection errors → retry.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from comptoir.errors import DeliveryFailed

SIGNATURE_HEADER = "X-Comptoir-Signature"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Delivery:
    provider_id: str | None


def deliver(
    *,
    callback_url: str | None,
    secret: str | None,
    payload: dict[str, Any],
    idempotency_key: str,
    timeout: float,
) -> Delivery:
    if not callback_url or not secret:
        raise DeliveryFailed("this API account has no callback URL configured", retryable=False)
    body = orjson.dumps(payload)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(secret, body),
        "Idempotency-Key": idempotency_key,
        "User-Agent": "Comptoir",
    }
    try:
        response = httpx.post(callback_url, content=body, headers=headers, timeout=timeout)
    except httpx.TimeoutException as exc:
        raise DeliveryFailed(f"callback timed out after {timeout:g}s", retryable=True) from exc
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"callback unreachable: {exc}", retryable=True) from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise DeliveryFailed(f"callback answered {response.status_code}", retryable=True)
    if response.status_code >= 400:
        raise DeliveryFailed(
            f"callback refused the reply: HTTP {response.status_code} {response.text[:200]}", retryable=False
        )
    provider_id = None
    try:
        data = response.json()
        if isinstance(data, dict) and data.get("id") is not None:
            provider_id = str(data["id"])
    except ValueError:
        pass
    return Delivery(provider_id=provider_id)
