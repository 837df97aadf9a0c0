"""SMTP failures mapped to DeliveryFailed(retryable=...), against real SMTP servers on loopback.

aiosmtpd (a real SMTP implementation) is run in-process with handlers that answer 4xx/5xx on purpose;
a raw TCP server stands in for a server that greets with 421 or hangs up.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from comptoir.channels.email import SmtpConfig, build_email, send_email
from comptoir.errors import DeliveryFailed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ScriptedHandler:
    """Accepts mail unless told to answer RCPT or DATA with a given reply."""

    def __init__(self) -> None:
        self.rcpt_reply: dict[str, str] = {}
        self.data_reply: str | None = None
        self.received: list[bytes] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        reply = self.rcpt_reply.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply:
            return self.data_reply
        self.received.append(envelope.original_content)
        return "250 Message accepted"


@pytest.fixture
def scripted() -> Iterator[tuple[ScriptedHandler, SmtpConfig]]:
    handler = ScriptedHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, SmtpConfig(host="127.0.0.1", port=port, security="none", timeout=5.0)
    finally:
        controller.stop()


def message(*recipients: str) -> Any:
    return build_email(
        from_address="care@shop.example",
        to=list(recipients or ["alice@example.com"]),
        subject="Your order",
        text="Hello",
        domain="shop.example",
        message_id="fixed-1@shop.example",
    )


def test_accepted_message_returns_its_message_id(scripted: tuple[ScriptedHandler, SmtpConfig]) -> None:
    handler, config = scripted
    result = send_email(config, message())
    assert result.message_id == "fixed-1@shop.example"
    assert result.refused == {}
    assert b"Message-ID: <fixed-1@shop.example>" in handler.received[0]


def test_partial_refusal_is_reported_not_raised(scripted: tuple[ScriptedHandler, SmtpConfig]) -> None:
    handler, config = scripted
    handler.rcpt_reply["gone@example.com"] = "550 5.1.1 No such user"
    result = send_email(config, message("alice@example.com", "gone@example.com"))
    assert result.refused == {"gone@example.com": (550, "5.1.1 No such user")}


@pytest.mark.parametrize(
    ("rcpt", "data", "retryable", "code"),
    [
        ("550 5.1.1 No such user", None, False, None),
        ("452 4.2.2 Mailbox full", None, True, None),
        (None, "451 4.7.1 Greylisted, try again later", True, 451),
        (None, "554 5.7.1 Message rejected as spam", False, 554),
        (None, "552 5.3.4 Message too big", False, 552),
    ],
)
def test_smtp_replies_map_to_retryable_or_permanent(
    scripted: tuple[ScriptedHandler, SmtpConfig],
    rcpt: str | None,
    data: str | None,
    retryable: bool,
    code: int | None,
) -> None:
    handler, config = scripted
    if rcpt:
        handler.rcpt_reply["alice@example.com"] = rcpt
    handler.data_reply = data
    with pytest.raises(DeliveryFailed) as caught:
        send_email(config, message())
    assert caught.value.retryable is retryable
    if code is not None:
        assert caught.value.details["smtp_code"] == code
    else:
        assert caught.value.details["refused"] == {"alice@example.com": int((rcpt or "0")[:3])}


class _OneLineServer(socketserver.BaseRequestHandler):
    greeting = b""

    def handle(self) -> None:
        if self.greeting:
            self.request.sendall(self.greeting)
        # then hang up


@pytest.mark.parametrize(
    ("greeting", "retryable"),
    [
        (b"421 4.3.2 Service not available, closing channel\r\n", True),
        (b"554 5.7.1 You are not welcome here\r\n", False),
        (b"", True),  # connection dropped before any greeting
    ],
)
def test_greeting_failures(greeting: bytes, retryable: bool) -> None:
    handler = type("Greeter", (_OneLineServer,), {"greeting": greeting})
    with socketserver.TCPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            port = server.server_address[1]
            with pytest.raises(DeliveryFailed) as caught:
                send_email(SmtpConfig(host="127.0.0.1", port=port, security="none", timeout=5.0), message())
            assert caught.value.retryable is retryable
        finally:
            server.shutdown()


def test_connection_refused_is_retryable() -> None:
    with pytest.raises(DeliveryFailed) as caught:
        send_email(SmtpConfig(host="127.0.0.1", port=free_port(), security="none", timeout=5.0), message())
    assert caught.value.retryable is True
    assert "connection" in caught.value.message


def test_starttls_required_but_not_offered_is_permanent(scripted: tuple[ScriptedHandler, SmtpConfig]) -> None:
    _, config = scripted
    tls_config = SmtpConfig(host=config.host, port=config.port, security="starttls", timeout=5.0)
    with pytest.raises(DeliveryFailed) as caught:
        send_email(tls_config, message())
    assert caught.value.retryable is False


def test_message_without_message_id_is_a_programming_error(
    scripted: tuple[ScriptedHandler, SmtpConfig],
) -> None:
    _, config = scripted
    msg = message()
    del msg["Message-ID"]
    with pytest.raises(ValueError):
        send_email(config, msg)
