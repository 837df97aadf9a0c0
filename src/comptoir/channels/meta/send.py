"""Outbound to Meta through httpx: Send API, public comment replies, private replies, profiles.

Every call maps Graph errors to :mod:`comptoir.errors`: window closed -> MessagingWindowClosed, token
invalid (190) -> ChannelTokenInvalid, throttling (4, 17, 32, 613, 80001-80014) -> RateLimited,
transient (1, 2, 1200, 5xx, network errors, timeouts) -> DeliveryFailed(retryable=True), anything else ->
DeliveryFailed(retryable=False). A timeout means *outcome unknown*: the platform may have accepted the
message; the echo (carrying ``metadata`` = our idempotency key) reconciles it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx

from comptoir import clock
from comptoir.channels.base import AccountCredentials, OutboundRequest, ReplyKind, SendResult
from comptoir.channels.meta.window import check_private_reply_window, messaging_policy
from comptoir.domain.enums import Platform
from comptoir.domain.models import Author
from comptoir.errors import (
    ChannelTokenInvalid,
    DeliveryFailed,
    MessagingWindowClosed,
    RateLimited,
    ValidationFailed,
)

MAX_TEXT = 2000  # Send API: UTF-8 text under 2000 characters
RETRYABLE_CODES = frozenset({1, 2, 1200})
THROTTLING_CODES = frozenset({4, 17, 32, 613, *range(80001, 80015)})
WINDOW_SUBCODES = frozenset({2018278, 2534022, 2018065})


def appsecret_proof(access_token: str, app_secret: str) -> str:
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


def _usage_reset_seconds(response: httpx.Response) -> int | None:
    """``estimated_time_to_regain_access`` (minutes) of X-Business-Use-Case-Usage, in seconds."""
    raw = response.headers.get("x-business-use-case-usage")
    if not raw:
        return None
    try:
        usage = json.loads(raw)
    except json.JSONDecodeError:
        return None
    minutes = [
        entry.get("estimated_time_to_regain_access", 0)
        for entries in usage.values()
        if isinstance(entries, list)
        for entry in entries
        if isinstance(entry, dict)
    ]
    return int(max(minutes) * 60) if minutes else None


def graph_error(response: httpx.Response, *, operation: str) -> DeliveryFailed:
    """Translate a non-2xx Graph response into the error the outbox and the agent see."""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        retryable = response.status_code >= 500 or response.status_code == 429
        return DeliveryFailed(
            f"{operation}: HTTP {response.status_code} from Meta",
            retryable=retryable,
            details={"status": response.status_code},
        )
    code = error.get("code")
    subcode = error.get("error_subcode")
    message = str(error.get("message") or "Graph API error")
    details: dict[str, Any] = {"status": response.status_code, "code": code, "subcode": subcode}
    if error.get("fbtrace_id"):
        details["fbtrace_id"] = error["fbtrace_id"]
    if code == 10 and subcode in WINDOW_SUBCODES:
        details["reason"] = "window_closed"
        return MessagingWindowClosed(
            f"{operation}: Meta refused, messaging window closed ({message})", details=details
        )
    if code == 190:
        details["reason"] = "token_invalid"
        return ChannelTokenInvalid(
            f"{operation}: access token rejected, reauthorise the account ({message})", details=details
        )
    if code in THROTTLING_CODES:
        wait = _usage_reset_seconds(response) or 60
        details.update(
            reason="rate_limited",
            retry_after_seconds=wait,
            reset_at=clock.isoformat_z(clock.now() + timedelta(seconds=wait)),
        )
        return RateLimited(f"{operation}: Meta rate limit reached ({message})", details=details)
    retryable = code in RETRYABLE_CODES or response.status_code >= 500
    return DeliveryFailed(f"{operation}: {message} (code {code})", retryable=retryable, details=details)


class MetaConnector:
    """The :class:`~comptoir.channels.base.Connector` of Facebook Pages and Instagram accounts."""

    def __init__(
        self,
        platform: Platform,
        base_url: str,
        *,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.platform = platform
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)
        self._senders: dict[ReplyKind, Callable[[AccountCredentials, OutboundRequest], SendResult]] = {
            ReplyKind.DIRECT: self._send_direct,
            ReplyKind.PUBLIC: self._send_public,
            ReplyKind.PRIVATE_TO_COMMENT: self._send_private_reply,
        }

    def close(self) -> None:
        self._client.close()

    # -- the protocol ------------------------------------------------------------------------------

    def send(self, account: AccountCredentials, request: OutboundRequest) -> SendResult:
        if not request.text.strip():
            raise ValidationFailed("empty message")
        if len(request.text) >= MAX_TEXT:
            raise ValidationFailed(
                f"Meta accepts messages under {MAX_TEXT} characters",
                details={"length": len(request.text), "limit": MAX_TEXT},
            )
        return self._senders[request.kind](account, request)

    # -- operations --------------------------------------------------------------------------------

    def send_message(
        self,
        account: AccountCredentials,
        recipient_id: str,
        text: str,
        *,
        last_customer_message_at: datetime | None,
        metadata: str | None = None,
    ) -> SendResult:
        """Send API to a PSID / IGSID, with the messaging_type the window allows (checked before sending)."""
        policy = messaging_policy(last_customer_message_at, now=clock.now(), human_agent=account.human_agent)
        message: dict[str, Any] = {"text": text}
        if metadata:
            message["metadata"] = metadata
        body: dict[str, Any] = {
            "recipient": {"id": recipient_id},
            "messaging_type": policy.messaging_type,
            "message": message,
        }
        if policy.tag:
            body["tag"] = policy.tag
        data = self._post(
            account, f"/{account.external_id}/messages", json_body=body, operation="send message"
        )
        return SendResult(
            provider_id=str(data["message_id"]), recipient_id=data.get("recipient_id"), raw=data
        )

    def reply_publicly(self, account: AccountCredentials, comment_id: str, text: str) -> SendResult:
        """Facebook: POST /{comment-id}/comments; Instagram: POST /{ig-comment-id}/replies."""
        edge = "replies" if self.platform is Platform.INSTAGRAM else "comments"
        data = self._post(account, f"/{comment_id}/{edge}", form={"message": text}, operation="public reply")
        return SendResult(provider_id=str(data["id"]), raw=data)

    def reply_privately(
        self,
        account: AccountCredentials,
        comment_id: str,
        text: str,
        *,
        comment_created_at: datetime | None = None,
    ) -> SendResult:
        """Private reply: one message to the commenter, within 7 days of the comment."""
        check_private_reply_window(comment_created_at, now=clock.now())
        body = {"recipient": {"comment_id": comment_id}, "message": {"text": text}}
        data = self._post(
            account, f"/{account.external_id}/messages", json_body=body, operation="private reply"
        )
        return SendResult(
            provider_id=str(data["message_id"]), recipient_id=data.get("recipient_id"), raw=data
        )

    def fetch_profile(self, account: AccountCredentials, user_id: str) -> Author:
        """What the platform allows: Messenger name; Instagram username, follower count, verified flag."""
        fields = (
            "name,username,profile_pic,follower_count,is_verified_user"
            if self.platform is Platform.INSTAGRAM
            else "first_name,last_name,name,profile_pic"
        )
        params = {**self._auth(account), "fields": fields}
        try:
            response = self._client.get(f"/{user_id}", params=params)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"profile fetch: {exc!r}", retryable=True) from exc
        if response.status_code >= 400:
            raise graph_error(response, operation="profile fetch")
        data = response.json()
        name = (
            data.get("name")
            or " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p)
            or None
        )
        followers = data.get("follower_count")
        return Author(
            external_id=user_id,
            handle=data.get("username"),
            name=name,
            followers=int(followers) if isinstance(followers, int) else None,
            verified=bool(data.get("is_verified_user", False)),
        )

    def subscribe(self, account: AccountCredentials, fields: tuple[str, ...]) -> bool:
        """Subscribe the Page / IG account to the app's webhooks (``POST /{id}/subscribed_apps``)."""
        params = {**self._auth(account), "subscribed_fields": ",".join(fields)}
        try:
            response = self._client.post(f"/{account.external_id}/subscribed_apps", params=params)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"subscribe: {exc!r}", retryable=True) from exc
        if response.status_code >= 400:
            raise graph_error(response, operation="subscribe")
        return str(response.json().get("success")).lower() == "true"

    # -- plumbing ----------------------------------------------------------------------------------

    def _send_direct(self, account: AccountCredentials, request: OutboundRequest) -> SendResult:
        if not request.recipient_id:
            raise ValidationFailed("a direct message needs recipient_id")
        return self.send_message(
            account,
            request.recipient_id,
            request.text,
            last_customer_message_at=request.last_customer_message_at,
            metadata=request.idempotency_key,
        )

    def _send_public(self, account: AccountCredentials, request: OutboundRequest) -> SendResult:
        if not request.in_reply_to:
            raise ValidationFailed("a public reply needs in_reply_to (the comment id)")
        return self.reply_publicly(account, request.in_reply_to, request.text)

    def _send_private_reply(self, account: AccountCredentials, request: OutboundRequest) -> SendResult:
        if not request.in_reply_to:
            raise ValidationFailed("a private reply needs in_reply_to (the comment id)")
        return self.reply_privately(
            account, request.in_reply_to, request.text, comment_created_at=request.in_reply_to_created_at
        )

    @staticmethod
    def _auth(account: AccountCredentials) -> dict[str, str]:
        params = {"access_token": account.access_token}
        if account.app_secret:
            params["appsecret_proof"] = appsecret_proof(account.access_token, account.app_secret)
        return params

    def _post(
        self,
        account: AccountCredentials,
        path: str,
        *,
        operation: str,
        json_body: dict[str, Any] | None = None,
        form: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        try:
            response = self._client.post(path, params=self._auth(account), json=json_body, data=form)
        except httpx.TimeoutException as exc:
            raise DeliveryFailed(
                f"{operation}: Meta did not answer in time (the message may have been accepted; "
                "its echo will tell)",
                retryable=True,
                details={"reason": "timeout", "outcome": "unknown"},
            ) from exc
        except httpx.HTTPError as exc:
            raise DeliveryFailed(
                f"{operation}: {exc!r}", retryable=True, details={"reason": "network"}
            ) from exc
        if response.status_code >= 400:
            raise graph_error(response, operation=operation)
        data = response.json()
        if not isinstance(data, dict):
            raise DeliveryFailed(f"{operation}: unexpected response", retryable=False)
        return data
