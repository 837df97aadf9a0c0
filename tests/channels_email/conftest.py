"""Fixtures for the email channel: the loopback mail servers of scripts/services/mail.sh.

The servers are found through COMPTOIR_TEST_IMAP_* / COMPTOIR_TEST_SMTP_* (printed by mail.sh), with
mail.sh's defaults as fallback. When they are unreachable the tests that need them are skipped loudly,
or fail when COMPTOIR_REQUIRE_MAIL=1 (CI).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from comptoir.channels.email import ImapConfig, SmtpConfig


@dataclass(frozen=True)
class MailServers:
    host: str
    imap_port: int
    smtp_port: int
    care: str
    care_password: str
    customer: str
    customer_password: str

    def imap(self, user: str | None = None, password: str | None = None, **overrides: object) -> ImapConfig:
        settings: dict[str, object] = {
            "host": self.host,
            "port": self.imap_port,
            "username": user or self.care,
            "password": password or (self.customer_password if user == self.customer else self.care_password),
            "security": "none",
            "since_days": None,
            "timeout": 10.0,
        }
        settings.update(overrides)
        return ImapConfig(**settings)  # type: ignore[arg-type]

    def smtp(self, user: str | None = None, password: str | None = None) -> SmtpConfig:
        user = user or self.customer
        return SmtpConfig(
            host=self.host,
            port=self.smtp_port,
            username=user,
            password=password or (self.care_password if user == self.care else self.customer_password),
            security="none",
            timeout=10.0,
        )


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def mail_servers() -> MailServers:
    servers = MailServers(
        host=os.environ.get("COMPTOIR_TEST_IMAP_HOST", "127.0.0.1"),
        imap_port=int(os.environ.get("COMPTOIR_TEST_IMAP_PORT", "10143")),
        smtp_port=int(os.environ.get("COMPTOIR_TEST_SMTP_PORT", "10025")),
        care=os.environ.get("COMPTOIR_TEST_IMAP_USER", "care@comptoir.test"),
        care_password=os.environ.get("COMPTOIR_TEST_IMAP_PASSWORD", "comptoir-test-pw"),
        customer=os.environ.get("COMPTOIR_TEST_MAIL_CUSTOMER", "customer@comptoir.test"),
        customer_password=os.environ.get("COMPTOIR_TEST_MAIL_CUSTOMER_PASSWORD", "comptoir-test-pw"),
    )
    missing = [
        f"{kind} {servers.host}:{port}"
        for kind, port in (("IMAP", servers.imap_port), ("SMTP", servers.smtp_port))
        if not _reachable(servers.host, port)
    ]
    if missing:
        message = (
            "!!! email end-to-end tests SKIPPED: mail servers unreachable ("
            + ", ".join(missing)
            + '). Start them with: eval "$(sudo bash scripts/services/mail.sh)"'
        )
        if os.environ.get("COMPTOIR_REQUIRE_MAIL") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return servers


@pytest.fixture
def unique() -> Iterator[str]:
    """A token unique to one test, to find its own messages in a shared mailbox."""
    yield uuid.uuid4().hex[:12]
