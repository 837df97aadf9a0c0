"""Meta connector against the Meta simulator on loopback (and the simulator's webhooks to a receiver)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
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
from comptoir.channels.meta import MetaConnector
from comptoir.domain.enums import Direction, Platform
from comptoir.errors import ChannelTokenInvalid, DeliveryFailed, MessagingWindowClosed, RateLimited
from comptoir.simulators.common import serving
from comptoir.simulators.meta import MetaSimConfig, MetaSimulator
from tests.channels.support import Receiver, running_receiver

SECRET = "meta-secret"
TOKEN = "page-token"
PAGE = "1122334455"
IG = "17841400000000001"


@dataclass
class Env:
    sim: MetaSimulator
    receiver: Receiver
    facebook: MetaConnector
    instagram: MetaConnector
    api: str

    def page(self, human_agent: bool = False, token: str = TOKEN) -> AccountCredentials:
        return AccountCredentials(PAGE, token, app_secret=SECRET, human_agent=human_agent)

    def ig(self) -> AccountCredentials:
        return AccountCredentials(IG, TOKEN)

    def echoes(self) -> list[EchoEvent]:
        assert self.sim.drain(5)
        return [event for event in self.receiver.events if isinstance(event, EchoEvent)]


@pytest.fixture
def env() -> Iterator[Env]:
    with running_receiver({"1": AppCredentials(SECRET, "verify-tok")}) as (receiver, receiver_url):
        sim = MetaSimulator(
            MetaSimConfig(
                app_secret=SECRET,
                verify_token="verify-tok",
                webhook_url=f"{receiver_url}/webhooks/meta/1",
                access_token=TOKEN,
                retry_delays=(0.01, 0.01),
            )
        )
        with serving(sim.app) as url:
            facebook = MetaConnector(Platform.FACEBOOK, f"{url}/v25.0", timeout=1.0)
            instagram = MetaConnector(Platform.INSTAGRAM, f"{url}/v25.0", timeout=1.0)
            yield Env(sim, receiver, facebook, instagram, url)
            facebook.close()
            instagram.close()
        sim.close()


def dm(text: str, at: datetime | None = None, key: str | None = None, to: str = "7001") -> OutboundRequest:
    return OutboundRequest(
        ReplyKind.DIRECT, text, recipient_id=to, last_customer_message_at=at, idempotency_key=key
    )


def test_handshake_against_the_receiver(env: Env) -> None:
    assert env.sim.handshake()[0] is True
    ok, status, _ = env.sim.handshake(verify_token="wrong")
    assert (ok, status) == (False, 403)


def test_dm_round_trip_with_echo_carrying_our_key(env: Env) -> None:
    mid = env.sim.customer_sends_dm("7001", "Où est ma commande ?")
    inbound = [event for event in env.receiver.events if isinstance(event, MessageEvent)]
    assert [event.message.external_id for event in inbound] == [mid]
    assert inbound[0].message.text == "Où est ma commande ?"
    result = env.facebook.send(
        env.page(), dm("Bonjour, on regarde.", inbound[0].message.sent_at, "desk:msg:1")
    )
    assert result.provider_id.startswith("m_") and result.recipient_id == "7001"
    [echo] = env.echoes()
    assert echo.message.external_id == result.provider_id
    assert (echo.metadata, echo.app_id, echo.message.direction) == (
        "desk:msg:1",
        "1517776481860111",
        Direction.OUTBOUND,
    )
    [posted] = env.sim.timeline()[-1:]
    assert (posted["kind"], posted["messaging_type"], posted["tag"]) == ("message", "RESPONSE", None)


def test_window_closed_is_refused_before_sending(env: Env) -> None:
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with clock.frozen(t0) as move:
        env.sim.customer_sends_dm("7001", "hello")
        move(t0 + timedelta(hours=25))
        with pytest.raises(MessagingWindowClosed) as closed:
            env.facebook.send(env.page(), dm("late answer", t0))
        assert closed.value.retryable is False and "24 hours" in closed.value.message
        result = env.facebook.send(env.page(human_agent=True), dm("human answer", t0))
        assert result.provider_id
        assert (env.sim.timeline()[-1]["messaging_type"], env.sim.timeline()[-1]["tag"]) == (
            "MESSAGE_TAG",
            "HUMAN_AGENT",
        )
        move(t0 + timedelta(days=7, seconds=1))
        with pytest.raises(MessagingWindowClosed):
            env.facebook.send(env.page(human_agent=True), dm("too late", t0))
    assert [item["text"] for item in env.sim.timeline() if item["kind"] == "message"] == ["human answer"]


def test_platform_side_window_error_maps_to_window_closed(env: Env) -> None:
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with clock.frozen(t0) as move:
        env.sim.customer_sends_dm("5301", "hi", platform="instagram")
        move(t0 + timedelta(hours=30))
        # Our stored time is wrong (claims a recent message): Meta itself refuses, subcode 2534022 on Instagram.
        with pytest.raises(MessagingWindowClosed) as closed:
            env.instagram.send(env.ig(), dm("x", t0 + timedelta(hours=29), to="5301"))
    assert closed.value.details["subcode"] == 2534022


def test_retired_tags_and_unknown_users_are_refused_by_the_simulator(env: Env) -> None:
    env.sim.customer_sends_dm("7001", "hello")
    body = {
        "recipient": {"id": "7001"},
        "messaging_type": "MESSAGE_TAG",
        "tag": "ACCOUNT_UPDATE",
        "message": {"text": "x"},
    }
    response = httpx.post(f"{env.api}/v25.0/me/messages", params={"access_token": TOKEN}, json=body)
    assert response.status_code == 400 and response.json()["error"]["code"] == 100
    # form fields holding JSON, as in the docs' curl samples
    form = {
        "recipient": '{"id": "7001"}',
        "messaging_type": "RESPONSE",
        "message": '{"text": "hi"}',
        "access_token": TOKEN,
    }
    assert "message_id" in httpx.post(f"{env.api}/v25.0/{PAGE}/messages", data=form).json()
    with pytest.raises(DeliveryFailed) as unknown:
        env.facebook.send(env.page(), dm("x", clock.now(), to="9999"))
    assert unknown.value.retryable is False and unknown.value.details["subcode"] == 2018001


def test_public_and_private_replies_to_a_comment(env: Env) -> None:
    comment_id = env.sim.customer_comments("@YourBrand refund?", user_id="7002", name="Jane Doe")
    public = env.facebook.send(
        env.page(), OutboundRequest(ReplyKind.PUBLIC, "We've sent you a DM.", in_reply_to=comment_id)
    )
    private = env.facebook.send(
        env.page(),
        OutboundRequest(
            ReplyKind.PRIVATE_TO_COMMENT,
            "Hi Jane, your order number?",
            in_reply_to=comment_id,
            in_reply_to_created_at=clock.now(),
        ),
    )
    assert private.recipient_id == "7002"  # the private conversation's customer
    with pytest.raises(DeliveryFailed) as twice:
        env.facebook.send(
            env.page(), OutboundRequest(ReplyKind.PRIVATE_TO_COMMENT, "again", in_reply_to=comment_id)
        )
    assert twice.value.retryable is False and twice.value.details["code"] == 10900
    echoes = env.echoes()
    public_echo = next(echo for echo in echoes if echo.message.external_id == public.provider_id)
    assert public_echo.message.thread_key == comment_id and public_echo.message.in_reply_to == comment_id
    assert [item["kind"] for item in env.sim.timeline()] == ["comment_reply", "private_reply"]


def test_private_reply_after_7_days_is_refused_before_sending(env: Env) -> None:
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with clock.frozen(t0) as move:
        comment_id = env.sim.customer_comments("hello", user_id="7002")
        move(t0 + timedelta(days=8))
        request = OutboundRequest(
            ReplyKind.PRIVATE_TO_COMMENT, "x", in_reply_to=comment_id, in_reply_to_created_at=t0
        )
        with pytest.raises(MessagingWindowClosed):
            env.facebook.send(env.page(), request)
        with pytest.raises(MessagingWindowClosed):  # and Meta refuses it too
            env.facebook.send(
                env.page(), OutboundRequest(ReplyKind.PRIVATE_TO_COMMENT, "x", in_reply_to=comment_id)
            )


def test_instagram_comment_reply_and_profile(env: Env) -> None:
    comment_id = env.sim.customer_comments("Stock?", user_id="5302", name="ana.k", platform="instagram")
    env.sim.customer("5302", platform="instagram", followers=12000, verified=True)
    reply = env.instagram.send(env.ig(), OutboundRequest(ReplyKind.PUBLIC, "Yes!", in_reply_to=comment_id))
    [echo] = env.echoes()
    assert echo.platform is Platform.INSTAGRAM and echo.message.external_id == reply.provider_id
    author = env.instagram.fetch_profile(env.ig(), "5302")
    assert (author.handle, author.followers, author.verified) == ("ana.k", 12000, True)
    env.sim.customer("7001", name="Jane Doe")
    assert env.facebook.fetch_profile(env.page(), "7001").name == "Jane Doe"


def test_faults(env: Env) -> None:
    env.sim.customer_sends_dm("7001", "hello")
    env.sim.inject_fault("429", path="/messages", reset_in=120)
    with pytest.raises(RateLimited) as limited:
        env.facebook.send(env.page(), dm("a", clock.now()))
    assert limited.value.retryable and limited.value.details["retry_after_seconds"] == 120
    assert limited.value.details["reset_at"].endswith("Z")
    env.sim.inject_fault("5xx", status=503)
    with pytest.raises(DeliveryFailed) as down:
        env.facebook.send(env.page(), dm("b", clock.now()))
    assert down.value.retryable is True
    env.sim.inject_fault("error", code=2, status=500, message="Service temporarily unavailable")
    with pytest.raises(DeliveryFailed) as transient:
        env.facebook.send(env.page(), dm("c", clock.now()))
    assert transient.value.retryable is True and transient.value.details["code"] == 2
    with pytest.raises(ChannelTokenInvalid):
        env.facebook.send(env.page(token="revoked"), dm("d", clock.now()))
    assert env.sim.timeline() == []


def test_timeout_after_acceptance_is_reconciled_by_the_echo(env: Env) -> None:
    env.sim.customer_sends_dm("7001", "hello")
    env.sim.inject_fault("timeout", path="/messages", delay=1.5, accept=True)
    with pytest.raises(DeliveryFailed) as timeout:
        env.facebook.send(env.page(), dm("accepted but late", clock.now(), key="desk:msg:77"))
    assert timeout.value.retryable and timeout.value.details["outcome"] == "unknown"
    [echo] = env.echoes()
    assert echo.metadata == "desk:msg:77"  # the outbox can mark message 77 sent without sending again
    assert len(env.sim.timeline()) == 1


def test_send_rate_limit_of_the_simulator(env: Env) -> None:
    env.sim.limiter.limits["send"] = (2, 60.0)
    env.sim.customer_sends_dm("7001", "hello")
    env.facebook.send(env.page(), dm("1", clock.now()))
    env.facebook.send(env.page(), dm("2", clock.now()))
    with pytest.raises(RateLimited) as limited:
        env.facebook.send(env.page(), dm("3", clock.now()))
    assert limited.value.details["code"] == 32


def test_subscribe_the_page(env: Env) -> None:
    assert env.facebook.subscribe(env.page(), ("messages", "message_echoes", "feed")) is True
    assert env.sim.timeline()[-1]["fields"] == ["messages", "message_echoes", "feed"]
    with pytest.raises(ChannelTokenInvalid):
        env.facebook.subscribe(env.page(token="bad"), ("feed",))
