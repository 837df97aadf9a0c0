"""Outbound mail through SMTP (smtplib), with failures mapped to :class:`comptoir.errors.DeliveryFailed`.

Retryable (the outbox tries again later): 4xx replies (greylisting, mailbox busy, rate limits),
refused or dropped connections, timeouts, DNS failures. Permanent: 5xx replies (unknown recipient,
rejected content, failed authentication), a server without STARTTLS when it is required, a TLS
certificate that does not verify.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Literal

from comptoir.channels.email.parse import parse_msgids
from comptoir.errors import DeliveryFailed

Security = Literal["ssl", "starttls", "none"]


def xoauth2_string(username: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (Gmail, Microsoft 365), before base64."""
    return f"user={username}\x01auth=Bearer {token}\x01\x01"


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and how to send. ``security``: "ssl" (port 465), "starttls" (587), "none" (loopback tests)."""

    host: str
    port: int = 587
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    oauth2_token: str | None = field(default=None, repr=False)
    security: Security = "starttls"
    timeout: float = 30.0
    local_hostname: str | None = None
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class SendResult:
    message_id: str  # bare: store it as the outbound message's provider id (source_id)
    refused: dict[str, tuple[int, str]]  # recipients the server refused while accepting others


def _code_failure(code: int, text: bytes | str, *, what: str) -> DeliveryFailed:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    retryable = 400 <= code < 500
    return DeliveryFailed(
        f"SMTP {what} failed: {code} {message}".strip(),
        retryable=retryable,
        details={"smtp_code": code, "smtp_message": message},
    )


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    context = config.ssl_context or ssl.create_default_context()
    client: smtplib.SMTP
    if config.security == "ssl":
        client = smtplib.SMTP_SSL(
            config.host,
            config.port,
            timeout=config.timeout,
            local_hostname=config.local_hostname,
            context=context,
        )
    else:
        client = smtplib.SMTP(
            config.host, config.port, timeout=config.timeout, local_hostname=config.local_hostname
        )
    try:
        client.ehlo()
        if config.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if config.oauth2_token and config.username:
            token = xoauth2_string(config.username, config.oauth2_token)
            auth: Callable[..., str] = lambda challenge=None: token  # noqa: E731
            client.auth("XOAUTH2", auth, initial_response_ok=True)
        elif config.username and config.password is not None:
            client.login(config.username, config.password)
    except BaseException:
        client.close()
        raise
    return client


def send_email(config: SmtpConfig, message: EmailMessage) -> SendResult:
    """Send ``message`` (envelope from its From, to its To/Cc/Bcc); raise DeliveryFailed on failure."""
    msgids = parse_msgids(message.get("Message-ID"))
    if not msgids:
        raise ValueError("outbound mail must carry a Message-ID (see compose.build_email)")
    try:
        client = _connect(config)
        try:
            refused = client.send_message(message)
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()
    except smtplib.SMTPRecipientsRefused as exc:
        codes = {rcpt: code for rcpt, (code, _) in exc.recipients.items()}
        retryable = all(400 <= code < 500 for code in codes.values())
        detail = "; ".join(
            f"{rcpt}: {code} {text.decode('utf-8', 'replace')}"
            for rcpt, (code, text) in exc.recipients.items()
        )
        raise DeliveryFailed(
            f"SMTP recipients refused: {detail}", retryable=retryable, details={"refused": codes}
        ) from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise _code_failure(exc.smtp_code, exc.smtp_error, what="authentication") from exc
    except smtplib.SMTPSenderRefused as exc:
        raise _code_failure(exc.smtp_code, exc.smtp_error, what="MAIL FROM") from exc
    except smtplib.SMTPDataError as exc:
        raise _code_failure(exc.smtp_code, exc.smtp_error, what="DATA") from exc
    except smtplib.SMTPConnectError as exc:
        code = exc.smtp_code if 400 <= exc.smtp_code < 600 else 421
        raise _code_failure(code, exc.smtp_error, what="connection") from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryFailed(f"SMTP server lacks a required extension: {exc}", retryable=False) from exc
    except smtplib.SMTPResponseException as exc:
        raise _code_failure(exc.smtp_code, exc.smtp_error, what="command") from exc
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryFailed(f"SMTP TLS certificate rejected: {exc}", retryable=False) from exc
    except smtplib.SMTPServerDisconnected as exc:
        raise DeliveryFailed(f"SMTP server disconnected: {exc}", retryable=True) from exc
    except smtplib.SMTPException as exc:
        raise DeliveryFailed(f"SMTP error: {exc}", retryable=True) from exc
    except (TimeoutError, socket.gaierror, OSError) as exc:
        raise DeliveryFailed(
            f"SMTP connection to {config.host}:{config.port} failed: {exc}", retryable=True
        ) from exc
    return SendResult(
        message_id=msgids[0],
        refused={rcpt: (code, text.decode("utf-8", "replace")) for rcpt, (code, text) in refused.items()},
    )
