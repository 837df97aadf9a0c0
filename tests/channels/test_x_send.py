"""X connector against the X simulator on loopback: replies, DMs, rate limits, faults, mentions polling."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from comptoir import clock
from comptoir.channels.base import (
    AccountCredentials,
    AppCredentials,
    EchoEvent,
    MessageEvent,
    OutboundRequest,
    ReplyKind,
)
from comptoir.channels.x import XConnector
from comptoir.errors import (
    ChannelTokenInvalid,
    ConfigurationError,
    DeliveryFailed,
    MessageTooLong,
    RateLimited,
)
from comptoir.simulators.common import serving
from comptoir.simulators.x import XSimConfig, XSimulator
from tests.channels.support import Receiver, running_receiver

SECRET = "x-secret"
TOKEN = "user-token"
BRAND = "2244994945"


@dataclass
class Env:
    sim: XSimulator
    receiver: Receiver
    connector: XConnector
    api: str
    sleeps: list[float] = field(default_factory=list)

    def account(self, token: str = TOKEN) -> AccountCredentials:
        return AccountCredentials(BRAND, token)

    def echoes(self) -> list[EchoEvent]:
        assert self.sim.drain(5)
        return [event for event in self.receiver.events if isinstance(event, EchoEvent)]


@pytest.fixture
def env() -> Iterator[Env]:
    with running_receiver({"7": AppCredentials(SECRET)}) as (receiver, receiver_url):
        sim = XSimulator(
            XSimConfig(consumer_secret=SECRET, webhook_url=f"{receiver_url}/webhooks/x/7", access_token=TOKEN)
        )
        with serving(sim.app) as url:
            sleeps: list[float] = []
            connector = XConnector(url, timeout=1.0, sleep=sleeps.append)
            yield Env(sim, receiver, connector, url, sleeps)
            connector.close()
        sim.close()


def reply(text: str, to: str) -> OutboundRequest:
    return OutboundRequest(ReplyKind.PUBLIC, text, in_reply_to=to)


def test_crc_against_the_receiver_and_webhook_registration(env: Env) -> None:
    assert env.sim.crc_check() is True
    registered = httpx.post(f"{env.api}/2/webhooks", json={"url": env.sim.config.webhook_url}).json()
    assert registered["data"]["valid"] is True
    bad = XSimulator(XSimConfig(consumer_secret="not-the-secret", webhook_url=env.sim.config.webhook_url))
    try:
        assert bad.crc_check() is False
        bad.customer_mentions("hello?", user_id="3001", screen_name="jordan_b")
        assert bad.webhooks.records == [] and env.receiver.events == []  # an invalid webhook gets nothing
    finally:
        bad.close()


def test_mention_reply_round_trip(env: Env) -> None:
    tweet_id = env.sim.customer_mentions(
        "my parcel is late", user_id="3001", screen_name="jordan_b", followers=5400
    )
    [inbound] = [event for event in env.receiver.events if isinstance(event, MessageEvent)]
    assert inbound.message.external_id == tweet_id
    assert inbound.message.text == "@YourBrand my parcel is late"
    assert inbound.message.author.followers == 5400
    result = env.connector.send(
        env.account(), reply("@jordan_b Sorry! Could you DM us your order number?", tweet_id)
    )
    [echo] = env.echoes()
    assert echo.message.external_id == result.provider_id
    assert echo.message.in_reply_to == tweet_id
    assert env.sim.timeline()[-1] == {**env.sim.timeline()[-1], "kind": "tweet", "in_reply_to": tweet_id}
    state = env.connector.rate_limit(BRAND, "tweets")
    assert state is not None and state.remaining == 99 and state.limit == 100


def test_reply_rules(env: Env) -> None:
    stranger = env.sim.customer_replies("nice weather", in_reply_to="0", user_id="3002", screen_name="sam")
    with pytest.raises(DeliveryFailed) as forbidden:
        env.connector.send(env.account(), reply("hello", stranger))
    assert forbidden.value.retryable is False and forbidden.value.details["status"] == 403
    tweet_id = env.sim.customer_mentions("help", user_id="3001", screen_name="jordan_b")
    with pytest.raises(MessageTooLong) as long:
        env.connector.send(env.account(), reply("日本" * 71, tweet_id))
    assert long.value.details == {"length": 284, "limit": 280}
    env.connector.send(env.account(), reply("a" * 250 + " https://example.com/" + "b" * 100, tweet_id))
    # a reply further down the thread the customer started is allowed
    follow_up = env.sim.customer_replies(
        "still waiting", in_reply_to=tweet_id, user_id="3001", screen_name="jordan_b"
    )
    env.connector.send(env.account(), reply("On it", follow_up))
    assert [item["kind"] for item in env.sim.timeline()] == ["tweet", "tweet"]


def test_dm_round_trip(env: Env) -> None:
    event_id = env.sim.customer_sends_dm("order 4411?", user_id="3001", screen_name="jordan_b", verified=True)
    [inbound] = [event for event in env.receiver.events if isinstance(event, MessageEvent)]
    assert inbound.message.external_id == event_id and inbound.message.author.verified is True
    result = env.connector.send(
        env.account(), OutboundRequest(ReplyKind.DIRECT, "It ships today", recipient_id="3001")
    )
    assert result.conversation_id == f"3001-{BRAND}"
    [echo] = env.echoes()
    assert (echo.message.external_id, echo.app_id, echo.message.thread_key) == (
        result.provider_id,
        "13090192",
        "dm:3001",
    )


def test_429_waits_until_reset_when_allowed(env: Env) -> None:
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    tweet_id = env.sim.customer_mentions("help", user_id="3001", screen_name="jordan_b")
    with clock.frozen(t0) as move:
        env.connector.max_rate_limit_wait = 30

        def sleep(seconds: float) -> None:
            env.sleeps.append(seconds)
            move(clock.now() + timedelta(seconds=seconds))

        env.connector._sleep = sleep
        env.sim.inject_fault("429", path="/2/tweets", reset_in=10)
        result = env.connector.send(env.account(), reply("after the wait", tweet_id))
    assert result.provider_id and 9 <= env.sleeps[0] <= 12


def test_429_raises_with_the_reset_time(env: Env) -> None:
    tweet_id = env.sim.customer_mentions("help", user_id="3001", screen_name="jordan_b")
    env.sim.inject_fault("429", path="/2/tweets", reset_in=600)
    with pytest.raises(RateLimited) as limited:
        env.connector.send(env.account(), reply("x", tweet_id))
    details = limited.value.details
    assert (
        limited.value.retryable
        and details["endpoint"] == "tweets"
        and 590 <= details["retry_after_seconds"] <= 601
    )
    reset = datetime.fromisoformat(details["reset_at"].replace("Z", "+00:00"))
    assert timedelta(seconds=590) <= reset - clock.now() <= timedelta(seconds=602)
    assert env.sleeps == []


def test_exhausted_window_is_not_called_again(env: Env) -> None:
    env.sim.limiter.limits["dm"] = (2, 900.0)
    env.sim.customer_sends_dm("hi", user_id="3001", screen_name="jordan_b")
    request = OutboundRequest(ReplyKind.DIRECT, "reply", recipient_id="3001")
    env.connector.send(env.account(), request)
    env.connector.send(env.account(), request)
    with pytest.raises(RateLimited):
        env.connector.send(env.account(), request)
    assert len(env.sim.timeline()) == 2
    assert env.sim.limiter.hit("dm", BRAND).allowed is False  # the simulator only saw the two accepted calls


def test_server_errors_timeouts_and_tokens(env: Env) -> None:
    env.sim.customer_sends_dm("hi", user_id="3001", screen_name="jordan_b")
    request = OutboundRequest(ReplyKind.DIRECT, "reply", recipient_id="3001")
    env.sim.inject_fault("5xx", status=503)
    with pytest.raises(DeliveryFailed) as down:
        env.connector.send(env.account(), request)
    assert down.value.retryable is True
    with pytest.raises(ChannelTokenInvalid):
        env.connector.send(env.account("revoked"), request)
    env.sim.inject_fault("timeout", path="/messages", delay=1.5, accept=True)
    with pytest.raises(DeliveryFailed) as timeout:
        env.connector.send(env.account(), request)
    assert timeout.value.retryable and timeout.value.details["outcome"] == "unknown"
    [echo] = env.echoes()  # accepted: the DM echo tells the outbox it went out
    assert echo.message.text == "reply"
    with pytest.raises(DeliveryFailed) as unsupported:
        env.connector.send(env.account(), OutboundRequest(ReplyKind.PRIVATE_TO_COMMENT, "x", in_reply_to="1"))
    assert unsupported.value.retryable is False


def test_mentions_polling_pages_and_since_id(env: Env) -> None:
    ids = [
        env.sim.customer_mentions(
            f"problem {n}", user_id=str(4000 + n % 3), screen_name=f"user{n % 3}", wait=True
        )
        for n in range(12)
    ]
    env.sim.brand_tweets_natively("a post of ours")
    poll = env.connector.poll_mentions(env.account(), None, max_results=5)
    assert [event.message.external_id for event in poll.events] == ids  # all pages, oldest first
    assert poll.newest_id == ids[-1]
    assert all(isinstance(event, MessageEvent) for event in poll.events)
    assert poll.events[0].message.author.handle == "user0"
    newer = env.sim.customer_mentions("one more", user_id="4000", screen_name="user0")
    second = env.connector.poll_mentions(env.account(), poll.newest_id)
    assert [event.message.external_id for event in second.events] == [newer]
    assert env.connector.poll_mentions(env.account(), second.newest_id).newest_id == newer


def test_register_webhook_runs_the_crc(env: Env) -> None:
    webhook_id = env.connector.register_webhook("app-bearer", env.sim.config.webhook_url or "")
    assert webhook_id == env.sim.webhook_id and env.sim.webhook_valid is True
    with pytest.raises(ConfigurationError):
        env.connector.register_webhook("app-bearer", "http://127.0.0.1:9/webhooks/x/7")
    assert env.sim.webhook_valid is False
