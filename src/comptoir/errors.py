"""One error hierarchy with stable machine-readable codes, mapped to HTTP in one place (web.errors)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    """Stable codes returned to API clients; never rename one."""

    INTERNAL = "internal_error"
    INVALID_JSON = "invalid_json"
    INVALID_UTF8 = "invalid_utf8"
    VALIDATION = "validation_error"
    BODY_TOO_LARGE = "body_too_large"
    BATCH_TOO_LARGE = "batch_too_large"
    EMPTY_BATCH = "empty_batch"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    ACCOUNT_NOT_FOUND = "account_not_found"
    CONVERSATION_NOT_FOUND = "conversation_not_found"
    INVALID_TRANSITION = "invalid_transition"
    CONFLICT = "conflict"
    BAD_SIGNATURE = "bad_signature"
    DELIVERY_FAILED = "delivery_failed"
    CONFIGURATION = "configuration_error"
    INVALID_WEBHOOK_PAYLOAD = "invalid_webhook_payload"
    MESSAGING_WINDOW_CLOSED = "messaging_window_closed"
    RATE_LIMITED = "rate_limited"
    MESSAGE_TOO_LONG = "message_too_long"
    CHANNEL_TOKEN_INVALID = "channel_token_invalid"


class ComptoirError(Exception):
    """Base of every error Comptoir raises on purpose."""

    code: ErrorCode = ErrorCode.INTERNAL
    http_status: int = 500

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": str(self.code), "message": self.message}
        if self.details:
            body["details"] = self.details
        return {"error": body}


class BadRequest(ComptoirError):
    code = ErrorCode.VALIDATION
    http_status = 400


class InvalidJson(BadRequest):
    code = ErrorCode.INVALID_JSON


class InvalidUtf8(BadRequest):
    code = ErrorCode.INVALID_UTF8


class ValidationFailed(ComptoirError):
    code = ErrorCode.VALIDATION
    http_status = 422


class BodyTooLarge(ComptoirError):
    code = ErrorCode.BODY_TOO_LARGE
    http_status = 413


class BatchTooLarge(ComptoirError):
    code = ErrorCode.BATCH_TOO_LARGE
    http_status = 413


class EmptyBatch(ValidationFailed):
    code = ErrorCode.EMPTY_BATCH


class Unauthenticated(ComptoirError):
    code = ErrorCode.UNAUTHENTICATED
    http_status = 401


class Forbidden(ComptoirError):
    code = ErrorCode.FORBIDDEN
    http_status = 403


class BadSignature(ComptoirError):
    code = ErrorCode.BAD_SIGNATURE
    http_status = 401


class NotFound(ComptoirError):
    code = ErrorCode.NOT_FOUND
    http_status = 404


class AccountNotFound(NotFound):
    code = ErrorCode.ACCOUNT_NOT_FOUND


class ConversationNotFound(NotFound):
    code = ErrorCode.CONVERSATION_NOT_FOUND


class InvalidTransition(ComptoirError):
    code = ErrorCode.INVALID_TRANSITION
    http_status = 409


class Conflict(ComptoirError):
    code = ErrorCode.CONFLICT
    http_status = 409


class DeliveryFailed(ComptoirError):
    """A connector could not deliver an outbound message.

    ``retryable`` tells the outbox whether to try again (5xx, timeouts) or give up (4xx).
    """

    code = ErrorCode.DELIVERY_FAILED
    http_status = 502

    def __init__(self, message: str, *, retryable: bool, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, details=details)
        self.retryable = retryable


class ConfigurationError(ComptoirError):
    code = ErrorCode.CONFIGURATION
    http_status = 500


class InvalidWebhookPayload(BadRequest):
    """A signed webhook body that the platform cannot have sent (wrong shape, missing required fields)."""

    code = ErrorCode.INVALID_WEBHOOK_PAYLOAD


class MessageTooLong(ValidationFailed):
    """An outbound text over the platform's limit (X: 280 weighted characters), refused before sending."""

    code = ErrorCode.MESSAGE_TOO_LONG


class MessagingWindowClosed(DeliveryFailed):
    """The platform's messaging window is closed (Meta 24 h / HUMAN_AGENT 7 days, private reply 7 days)."""

    code = ErrorCode.MESSAGING_WINDOW_CLOSED
    http_status = 409

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, retryable=False, details=details)


class RateLimited(DeliveryFailed):
    """The platform throttled us; ``details["reset_at"]`` (ISO 8601 UTC) says when to try again."""

    code = ErrorCode.RATE_LIMITED
    http_status = 429

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, retryable=True, details=details)


class ChannelTokenInvalid(DeliveryFailed):
    """The platform rejected the account's access token (revoked or expired): reauthorise the account."""

    code = ErrorCode.CHANNEL_TOKEN_INVALID

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, retryable=False, details=details)


class NoBusinessTime(ConfigurationError):
    """A business calendar has no opening time in the searched horizon, so a deadline cannot be computed."""
