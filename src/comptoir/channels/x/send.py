"""Outbound to X through httpx: reply in thread, DM, and the mentions poll (degraded mode).

Auth: ``Authorization: Bearer <user access token>`` (OAuth 2.0 user context, scopes ``tweet.read
tweet.write users.read dm.read dm.write``).

Rate limits: every response's ``x-rate-limit-limit/remaining/reset`` is remembered per (account,
endpoint). While ``remaining == 0`` and the reset is ahead, no request is made; on that, or on a 429, the
connector sleeps until the reset when it is within ``max_rate_limit_wait`` seconds, else raises
:class:`comptoir.errors.RateLimited` (``retryable=True``; ``details["reset_at"]`` ISO 8601 UTC,
``details["retry_after_seconds"]``). 5xx, network errors and timeouts -> DeliveryFailed(retryable=True);
401 -> ChannelTokenInvalid; other 4xx (403 reply restriction, 400 invalid) -> DeliveryFailed(retryable=False).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from comptoir import clock
from comptoir.channels.base import (
    AccountCredentials,
    EchoEvent,
    MessageEvent,
    OutboundRequest,
    ReplyKind,
    SendResult,
)
from comptoir.channels.x.normalize import post_from_v2
from comptoir.channels.x.text import MAX_WEIGHTED_LENGTH, weighted_length
from comptoir.domain.enums import Platform
from comptoir.errors import (
    ChannelTokenInvalid,
    ConfigurationError,
    DeliveryFailed,
    MessageTooLong,
    RateLimited,
    ValidationFailed,
)

DEFAULT_RESET_SECONDS = 60


@dataclass(frozen=True, slots=True)
class RateLimitState:
    limit: int | None
    remaining: int | None
    reset_at: datetime | None


@dataclass(frozen=True, slots=True)
class MentionPoll:
    """One poll of ``GET /2/users/:id/mentions``: events oldest first, and the ``since_id`` to store."""

    events: tuple[MessageEvent | EchoEvent, ...]
    newest_id: str | None


def _rate_state(response: httpx.Response) -> RateLimitState | None:
    headers = response.headers
    if "x-rate-limit-reset" not in headers and "x-rate-limit-remaining" not in headers:
        return None

    def as_int(name: str) -> int | None:
        try:
            return int(headers[name])
        except (KeyError, ValueError):
            return None

    reset = as_int("x-rate-limit-reset")
    return RateLimitState(
        limit=as_int("x-rate-limit-limit"),
        remaining=as_int("x-rate-limit-remaining"),
        reset_at=datetime.fromtimestamp(reset, tz=UTC) if reset is not None else None,
    )


def _problem(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        if body.get("detail") or body.get("title"):
            return str(body.get("detail") or body.get("title"))
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message") or errors[0])
    return str(body)[:200]


class XConnector:
    """The :class:`~comptoir.channels.base.Connector` of X accounts."""

    platform = Platform.X

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        max_rate_limit_wait: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_rate_limit_wait = max_rate_limit_wait
        self._sleep = sleep
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)
        self._limits: dict[tuple[str, str], RateLimitState] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    def rate_limit(self, account_id: str, endpoint: str) -> RateLimitState | None:
        """The last ``x-rate-limit-*`` seen for (account, endpoint key: "tweets", "dm", "mentions")."""
        with self._lock:
            return self._limits.get((account_id, endpoint))

    # -- the protocol ------------------------------------------------------------------------------

    def send(self, account: AccountCredentials, request: OutboundRequest) -> SendResult:
        if request.kind is ReplyKind.DIRECT:
            if not request.recipient_id:
                raise ValidationFailed("a direct message needs recipient_id")
            return self.send_dm(account, request.recipient_id, request.text)
        if request.kind is ReplyKind.PUBLIC:
            if not request.in_reply_to:
                raise ValidationFailed("a public reply needs in_reply_to (the tweet id)")
            return self.reply(account, request.in_reply_to, request.text)
        raise DeliveryFailed(
            f"X has no {request.kind} reply; answer publicly or by DM",
            retryable=False,
            details={"reason": "unsupported_reply_kind"},
        )

    # -- operations --------------------------------------------------------------------------------

    def reply(self, account: AccountCredentials, in_reply_to_tweet_id: str, text: str) -> SendResult:
        """``POST /2/tweets`` in the thread of ``in_reply_to_tweet_id``; 280 weighted characters checked."""
        length = weighted_length(text)
        if length > MAX_WEIGHTED_LENGTH:
            raise MessageTooLong(
                f"X allows {MAX_WEIGHTED_LENGTH} characters; this reply counts {length} (URLs count 23)",
                details={"length": length, "limit": MAX_WEIGHTED_LENGTH},
            )
        if not text.strip():
            raise ValidationFailed("empty reply")
        body = {"text": text, "reply": {"in_reply_to_tweet_id": in_reply_to_tweet_id}}
        data = self._request(account, "POST", "/2/tweets", "tweets", json_body=body, operation="reply")
        return SendResult(provider_id=str(data["data"]["id"]), raw=data)

    def send_dm(self, account: AccountCredentials, participant_id: str, text: str) -> SendResult:
        """``POST /2/dm_conversations/with/:participant_id/messages``; the DM event id is the provider id."""
        if not text:
            raise ValidationFailed("empty direct message")
        path = f"/2/dm_conversations/with/{participant_id}/messages"
        data = self._request(
            account, "POST", path, "dm", json_body={"text": text}, operation="direct message"
        )
        inner = data["data"]
        return SendResult(
            provider_id=str(inner["dm_event_id"]),
            recipient_id=participant_id,
            conversation_id=inner.get("dm_conversation_id"),
            raw=data,
        )

    def poll_mentions(
        self, account: AccountCredentials, since_id: str | None, *, max_results: int = 100, max_pages: int = 8
    ) -> MentionPoll:
        """Degraded mode: mentions newer than ``since_id`` (all pages), oldest first.

        Store ``newest_id`` as the next ``since_id`` only after the events are persisted; dedupe by tweet id
        against webhook deliveries (the external ids are the same).
        """
        params: dict[str, Any] = {
            "max_results": max(5, min(100, max_results)),
            "tweet.fields": "created_at,author_id,conversation_id,in_reply_to_user_id,"
            "referenced_tweets,entities",
            "expansions": "author_id",
            "user.fields": "public_metrics,verified,username,name",
        }
        if since_id:
            params["since_id"] = since_id
        posts: list[dict[str, Any]] = []
        users: dict[str, dict[str, Any]] = {}
        newest_id: str | None = None
        for page in range(max_pages):
            data = self._request(
                account,
                "GET",
                f"/2/users/{account.external_id}/mentions",
                "mentions",
                params=params,
                operation="mentions poll",
            )
            meta = data.get("meta") or {}
            if page == 0:
                newest_id = meta.get("newest_id")
            posts.extend(data.get("data") or [])
            for user in (data.get("includes") or {}).get("users") or []:
                users[str(user["id"])] = user
            token = meta.get("next_token")
            if not token:
                break
            params["pagination_token"] = token
        posts.sort(key=lambda post: int(post["id"]))
        events = tuple(post_from_v2(post, users, account.external_id) for post in posts)
        return MentionPoll(events=events, newest_id=newest_id or since_id)

    def register_webhook(self, app_bearer_token: str, url: str) -> str:
        """``POST /2/webhooks``: X runs a CRC against ``url`` at once; returns the webhook id.

        Raises ConfigurationError when X refuses it (CrcValidationFailed, UrlValidationFailed...).
        """
        try:
            response = self._client.post(
                "/2/webhooks", json={"url": url}, headers={"Authorization": f"Bearer {app_bearer_token}"}
            )
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"webhook registration: {exc!r}", retryable=True) from exc
        if response.status_code >= 400:
            raise ConfigurationError(
                f"X refused the webhook {url}: {_problem(response)}", details={"status": response.status_code}
            )
        return str(response.json()["data"]["id"])

    # -- plumbing ----------------------------------------------------------------------------------

    def _wait_or_raise(
        self, account_id: str, endpoint: str, reset_at: datetime | None, operation: str
    ) -> None:
        reset = reset_at or clock.now() + timedelta(seconds=DEFAULT_RESET_SECONDS)
        wait = max(0.0, (reset - clock.now()).total_seconds())
        if wait <= self.max_rate_limit_wait:
            self._sleep(wait + 0.05)
            return
        raise RateLimited(
            f"{operation}: X rate limit reached for {endpoint}; retry after {clock.isoformat_z(reset)}",
            details={
                "reason": "rate_limited",
                "endpoint": endpoint,
                "reset_at": clock.isoformat_z(reset),
                "retry_after_seconds": round(wait, 3),
            },
        )

    def _request(
        self,
        account: AccountCredentials,
        method: str,
        path: str,
        endpoint: str,
        *,
        operation: str,
        json_body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        key = (account.external_id, endpoint)
        with self._lock:
            state = self._limits.get(key)
        if state and state.remaining == 0 and state.reset_at and state.reset_at > clock.now():
            self._wait_or_raise(account.external_id, endpoint, state.reset_at, operation)
        for attempt in range(2):
            try:
                response = self._client.request(
                    method,
                    path,
                    json=json_body,
                    params=params,
                    headers={"Authorization": f"Bearer {account.access_token}"},
                )
            except httpx.TimeoutException as exc:
                raise DeliveryFailed(
                    f"{operation}: X did not answer in time "
                    "(the post may have been accepted; its echo will tell)",
                    retryable=True,
                    details={"reason": "timeout", "outcome": "unknown"},
                ) from exc
            except httpx.HTTPError as exc:
                raise DeliveryFailed(
                    f"{operation}: {exc!r}", retryable=True, details={"reason": "network"}
                ) from exc
            new_state = _rate_state(response)
            if new_state is not None:
                with self._lock:
                    self._limits[key] = new_state
            if response.status_code == 429:
                reset_at = new_state.reset_at if new_state else None
                if attempt == 0:
                    self._wait_or_raise(account.external_id, endpoint, reset_at, operation)
                    continue
                self._wait_or_raise(account.external_id, endpoint, reset_at, operation)
                raise RateLimited(
                    f"{operation}: X still rate-limited after waiting", details={"endpoint": endpoint}
                )
            return self._check(response, operation)
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _check(response: httpx.Response, operation: str) -> dict[str, Any]:
        status = response.status_code
        if status >= 500:
            raise DeliveryFailed(
                f"{operation}: X answered {status}",
                retryable=True,
                details={"status": status, "reason": "server"},
            )
        if status == 401:
            raise ChannelTokenInvalid(
                f"{operation}: X rejected the access token, reauthorise the account ({_problem(response)})",
                details={"status": status, "reason": "token_invalid"},
            )
        if status >= 400:
            raise DeliveryFailed(
                f"{operation}: X refused ({status}): {_problem(response)}",
                retryable=False,
                details={"status": status, "reason": "rejected", "detail": _problem(response)},
            )
        data = response.json()
        if not isinstance(data, dict):
            raise DeliveryFailed(f"{operation}: unexpected response", retryable=False)
        if "data" not in data and data.get("errors"):
            raise DeliveryFailed(
                f"{operation}: {_problem(response)}", retryable=False, details={"errors": data["errors"]}
            )
        return data
