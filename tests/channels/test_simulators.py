"""Simulator behaviours towards Comptoir: signatures, redelivery, duplicates, reordering, control API, CLI."""

from __future__ import annotations

import httpx
import pytest
from typer.testing import CliRunner

from comptoir.channels.base import AppCredentials, MessageEvent
from comptoir.cli import app as comptoir_app
from comptoir.simulators.common import serving
from comptoir.simulators.meta import MetaSimConfig, MetaSimulator
from comptoir.simulators.x import XSimConfig, XSimulator
from tests.channels.support import external_ids, running_receiver

SECRET = "s3cret"


@pytest.mark.parametrize("mode", ["missing", "forged", "truncated", "other_secret"])
def test_badly_signed_meta_deliveries_are_rejected_and_nothing_is_stored(mode: str) -> None:
    with running_receiver({"1": AppCredentials(SECRET, "t")}) as (receiver, url):
        sim = MetaSimulator(
            MetaSimConfig(app_secret=SECRET, webhook_url=f"{url}/webhooks/meta/1", retry_delays=())
        )
        try:
            sim.set_signature_mode(mode)
            sim.customer_sends_dm("7001", "hello")
            [record] = sim.webhooks.records
            assert record.attempts == ["401"] and not record.delivered
            assert receiver.events == [] and receiver.rejected == [401]
            sim.set_signature_mode("valid")
            sim.customer_sends_dm("7001", "hello again")
            assert len(receiver.events) == 1
        finally:
            sim.close()


@pytest.mark.parametrize("mode", ["missing", "forged", "truncated", "other_secret"])
def test_badly_signed_x_deliveries_are_rejected(mode: str) -> None:
    with running_receiver({"1": AppCredentials(SECRET)}) as (receiver, url):
        sim = XSimulator(XSimConfig(consumer_secret=SECRET, webhook_url=f"{url}/webhooks/x/1"))
        try:
            sim.set_signature_mode(mode)
            sim.customer_sends_dm("hi", user_id="1", screen_name="a")
            assert receiver.events == [] and receiver.rejected == [401]
        finally:
            sim.close()


def test_non_2xx_is_redelivered_until_accepted() -> None:
    with running_receiver({"1": AppCredentials(SECRET)}) as (receiver, url):
        sim = MetaSimulator(
            MetaSimConfig(
                app_secret=SECRET, webhook_url=f"{url}/webhooks/meta/1", retry_delays=(0.01, 0.01, 0.01)
            )
        )
        try:
            receiver.fail_next = 2
            mid = sim.customer_sends_dm("7001", "are you there?")
            [record] = sim.webhooks.records
            assert record.attempts == ["500", "500", "200"] and record.delivered
            assert external_ids(receiver.events) == [mid]
            receiver.fail_next = 5
            sim.customer_sends_dm("7001", "lost")
            assert sim.webhooks.records[-1].attempts == ["500"] * 4 and not sim.webhooks.records[-1].delivered
        finally:
            sim.close()


def test_duplicates_and_reordering() -> None:
    with running_receiver({"1": AppCredentials(SECRET)}) as (receiver, url):
        sim = XSimulator(XSimConfig(consumer_secret=SECRET, webhook_url=f"{url}/webhooks/x/1"))
        try:
            sim.webhooks.duplicate = True
            first = sim.customer_mentions("one", user_id="1", screen_name="a")
            assert external_ids(receiver.events) == [first, first]
            sim.webhooks.duplicate = False
            sim.webhooks.hold()
            root = sim.customer_mentions("root", user_id="1", screen_name="a")
            child = sim.customer_replies("child", in_reply_to=root, user_id="2", screen_name="b")
            assert external_ids(receiver.events) == [first, first]
            sim.webhooks.release("reverse")
            assert external_ids(receiver.events)[2:] == [child, root]
            messages = [e.message for e in receiver.events[2:] if isinstance(e, MessageEvent)]
            assert messages[0].in_reply_to == root == messages[1].thread_key
        finally:
            sim.close()


def test_control_endpoints_drive_the_meta_simulator() -> None:
    with running_receiver({"1": AppCredentials(SECRET, "tok")}) as (receiver, url):
        sim = MetaSimulator(
            MetaSimConfig(app_secret=SECRET, verify_token="tok", webhook_url=f"{url}/webhooks/meta/1")
        )
        try:
            with serving(sim.app) as api:
                assert httpx.post(f"{api}/_sim/handshake").json()["ok"] is True
                mid = httpx.post(f"{api}/_sim/customer/dm", json={"user_id": "7001", "text": "hi"}).json()[
                    "mid"
                ]
                comment = httpx.post(
                    f"{api}/_sim/customer/comment", json={"user_id": "7002", "text": "hey"}
                ).json()
                assert sim.drain(5)
                assert external_ids(receiver.events) == [mid, comment["comment_id"]]
                httpx.post(f"{api}/_sim/faults", json={"kind": "5xx", "path": "/messages", "count": 2})
                assert len(httpx.get(f"{api}/_sim/faults").json()["faults"]) == 1
                statuses = [httpx.post(f"{api}/v25.0/me/messages", json={}).status_code for _ in range(3)]
                assert statuses == [503, 503, 400]
                deliveries = httpx.get(f"{api}/_sim/deliveries").json()["deliveries"]
                assert all(d["delivered"] for d in deliveries)
                assert httpx.get(f"{api}/_sim/timeline").json()["items"][0]["kind"] == "handshake"
        finally:
            sim.close()


def test_control_endpoints_drive_the_x_simulator() -> None:
    with running_receiver({"1": AppCredentials(SECRET)}) as (receiver, url):
        sim = XSimulator(XSimConfig(consumer_secret=SECRET, webhook_url=f"{url}/webhooks/x/1"))
        try:
            with serving(sim.app) as api:
                assert httpx.post(f"{api}/_sim/crc").json() == {"valid": True}
                body = {"user_id": "31", "screen_name": "kim", "text": "help", "followers": 900}
                tweet = httpx.post(f"{api}/_sim/customer/mention", json=body).json()["id"]
                dm = httpx.post(f"{api}/_sim/customer/dm", json={**body, "text": "psst"}).json()["id"]
                httpx.post(f"{api}/_sim/config", json={"duplicate": True})
                assert sim.drain(5)
                assert external_ids(receiver.events) == [tweet, dm]
                assert sim.webhooks.duplicate is True
        finally:
            sim.close()


def test_cli_is_registered() -> None:
    runner = CliRunner()
    result = runner.invoke(comptoir_app, ["simulate", "--help"])
    assert result.exit_code == 0 and "meta" in result.output and "x" in result.output
    result = runner.invoke(comptoir_app, ["simulate", "x", "--help"])
    assert result.exit_code == 0 and "--app-secret" in result.output
    result = runner.invoke(comptoir_app, ["simulate", "meta"])
    assert result.exit_code != 0  # --comptoir and --app-secret are required
