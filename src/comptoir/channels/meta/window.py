"""Meta messaging windows, as pure functions of the customer's last message time.

* standard window: 24 h after the customer's last message -> ``messaging_type=RESPONSE``;
* Human Agent tag (the app holds the feature): up to 7 days -> ``MESSAGE_TAG`` + ``tag=HUMAN_AGENT``;
* private reply to a comment: once, within 7 days of the comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from comptoir.clock import ensure_utc, isoformat_z
from comptoir.errors import MessagingWindowClosed

STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
PRIVATE_REPLY_WINDOW = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class MessagingPolicy:
    """How to send now: the Send API ``messaging_type`` and ``tag``, and when this option closes."""

    messaging_type: str
    tag: str | None
    closes_at: datetime


def window_closes_at(last_customer_message_at: datetime | None, *, human_agent: bool) -> datetime | None:
    """When the agent can no longer answer privately (None: the customer never wrote)."""
    if last_customer_message_at is None:
        return None
    return ensure_utc(last_customer_message_at) + (HUMAN_AGENT_WINDOW if human_agent else STANDARD_WINDOW)


def messaging_policy(
    last_customer_message_at: datetime | None, *, now: datetime, human_agent: bool
) -> MessagingPolicy:
    """The policy allowed at ``now``; raise MessagingWindowClosed (not retryable) when none is."""
    if last_customer_message_at is None:
        raise MessagingWindowClosed(
            "the customer has not written to this account: Meta allows no message outside a window",
            details={"reason": "no_customer_message"},
        )
    last = ensure_utc(last_customer_message_at)
    current = ensure_utc(now)
    if current < last + STANDARD_WINDOW:
        return MessagingPolicy("RESPONSE", None, last + STANDARD_WINDOW)
    if human_agent and current < last + HUMAN_AGENT_WINDOW:
        return MessagingPolicy("MESSAGE_TAG", "HUMAN_AGENT", last + HUMAN_AGENT_WINDOW)
    closed_at = last + (HUMAN_AGENT_WINDOW if human_agent else STANDARD_WINDOW)
    limit = "7 days (HUMAN_AGENT)" if human_agent else "24 hours"
    raise MessagingWindowClosed(
        f"the messaging window closed at {isoformat_z(closed_at)}: Meta allows replies within {limit} "
        "of the customer's last message; answer publicly or wait for the customer to write again",
        details={"reason": "window_closed", "closed_at": isoformat_z(closed_at), "human_agent": human_agent},
    )


def check_private_reply_window(comment_created_at: datetime | None, *, now: datetime) -> None:
    """A private reply must be sent within 7 days of the comment; raise MessagingWindowClosed after."""
    if comment_created_at is None:
        return
    closes = ensure_utc(comment_created_at) + PRIVATE_REPLY_WINDOW
    if ensure_utc(now) >= closes:
        raise MessagingWindowClosed(
            f"a private reply to this comment was possible until {isoformat_z(closes)} (7 days)",
            details={"reason": "private_reply_window_closed", "closed_at": isoformat_z(closes)},
        )
