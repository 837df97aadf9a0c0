"""Responsiveness per account through the API: objectives, and the Facebook badge computed from stored messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from tests.support import Env, message

from comptoir import clock
from comptoir.store import tables as t


def test_objective_counts_human_answers_only(env: Env) -> None:
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    with clock.frozen(now):
        env.post(message("a1", author="ana", sent_at="2026-11-20T11:00:00Z"))
        env.post(message("b1", author="bob", sent_at="2026-11-20T11:50:00Z"))
        env.post(
            message(
                "a2", author="brand", in_reply_to="a1", direction="outbound", sent_at="2026-11-20T11:05:00Z"
            )
        )
        env.process()
        with (
            env.runtime.db.transaction() as tx
        ):  # an API account has no platform objective: pretend it is Facebook
            tx.conn.execute(sa.update(t.accounts).values(platform="facebook"))
        report = env.client.get(
            f"/api/v1/accounts/{env.account_id}/responsiveness", headers=env.headers
        ).json()
    private = next(o for o in report["objectives"] if o["visibility"] == "private")
    assert private["objective"] == "90% within 15 min over 7 days"
    assert private["within"] == 1 and private["pending"] == 1 and private["met"] is True
    fb = report["facebook"]
    assert fb["counted"] == 2 and fb["answered"] == 1 and fb["waiting"] == 1
    assert fb["median_response_seconds"] == 300
    assert isinstance(fb["forecast"], str) and fb["forecast"]


def test_other_brands_account_is_404(env: Env) -> None:
    from tests.support import make_env

    _, other_account, _, _ = make_env(env.runtime, name="Other")
    response = env.client.get(f"/api/v1/accounts/{other_account}/responsiveness", headers=env.headers)
    assert response.status_code == 404


def test_lookback_is_bounded(env: Env) -> None:
    old = clock.now() - timedelta(days=30)
    env.post(message("old", author="ana", sent_at=clock.isoformat_z(old)))
    env.process()
    report = env.client.get(f"/api/v1/accounts/{env.account_id}/responsiveness", headers=env.headers).json()
    assert report["objectives"] == []  # the API channel has no platform objective
