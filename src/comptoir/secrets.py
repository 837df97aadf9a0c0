"""Secrets at rest: platform app secrets, access tokens and mailbox passwords, encrypted with Fernet.

The key is derived from ``settings.secret_key`` (SHA-256, base64url), so rotating ``COMPTOIR_SECRET_KEY``
makes stored secrets unreadable: re-enter them after a rotation. Plain values are never logged.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from comptoir.errors import ConfigurationError
from comptoir.settings import Settings, get_settings


@lru_cache(maxsize=8)
def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"comptoir-secrets-v1:" + secret_key.encode("utf-8")).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def fernet(settings: Settings | None = None) -> Fernet:
    return _fernet((settings or get_settings()).secret_key)


def encrypt(value: str, settings: Settings | None = None) -> str:
    return fernet(settings).encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str, settings: Settings | None = None) -> str:
    try:
        return fernet(settings).decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ConfigurationError(
            "a stored secret cannot be decrypted: COMPTOIR_SECRET_KEY changed since it was saved"
        ) from exc


def encrypt_json(value: dict[str, Any], settings: Settings | None = None) -> str:
    return encrypt(json.dumps(value, sort_keys=True), settings)


def decrypt_json(token: str, settings: Settings | None = None) -> dict[str, Any]:
    data = json.loads(decrypt(token, settings))
    if not isinstance(data, dict):
        raise ConfigurationError("a stored secret bundle is not an object")
    return data
