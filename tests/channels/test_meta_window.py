"""Meta messaging windows as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from comptoir.channels.meta.window import check_private_reply_window, messaging_policy, window_closes_at
from comptoir.errors import MessagingWindowClosed

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_inside_24_hours_is_a_response() -> None:
    policy = messaging_policy(T0, now=T0 + timedelta(hours=23, minutes=59), human_agent=False)
    assert (policy.messaging_type, policy.tag, policy.closes_at) == (
        "RESPONSE",
        None,
        T0 + timedelta(hours=24),
    )


def test_after_24_hours_human_agent_tag_until_7_days() -> None:
    policy = messaging_policy(T0, now=T0 + timedelta(hours=24), human_agent=True)
    assert (policy.messaging_type, policy.tag) == ("MESSAGE_TAG", "HUMAN_AGENT")
    assert policy.closes_at == T0 + timedelta(days=7)
    with pytest.raises(MessagingWindowClosed) as closed:
        messaging_policy(T0, now=T0 + timedelta(hours=24), human_agent=False)
    assert closed.value.retryable is False
    assert closed.value.details["closed_at"] == "2026-03-03T09:00:00Z"
    with pytest.raises(MessagingWindowClosed):
        messaging_policy(T0, now=T0 + timedelta(days=7), human_agent=True)


def test_no_customer_message_means_closed_and_naive_times_refused() -> None:
    with pytest.raises(MessagingWindowClosed):
        messaging_policy(None, now=T0, human_agent=True)
    with pytest.raises(ValueError):
        messaging_policy(datetime(2026, 3, 2), now=T0, human_agent=False)  # noqa: DTZ001


def test_window_closes_at_and_private_reply_rule() -> None:
    assert window_closes_at(T0, human_agent=False) == T0 + timedelta(hours=24)
    assert window_closes_at(None, human_agent=True) is None
    check_private_reply_window(T0, now=T0 + timedelta(days=6, hours=23))
    with pytest.raises(MessagingWindowClosed):
        check_private_reply_window(T0, now=T0 + timedelta(days=7))
