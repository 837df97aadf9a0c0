"""Automatic acknowledgements: the rules, the honesty marks, and that they never count as a response."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from tests.support import Env, message

from comptoir import clock
from comptoir.actions import acknowledgements, sla
from comptoir.store import tables as t

OFFICE = {
    "timezone": "Europe/Paris",
    "hours": {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
}
SATURDAY_NIGHT = datetime(2026, 11, 21, 21, 0, tzinfo=UTC)  # Saturday 22:00 in Paris
TUESDAY_MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Paris


def detail(env: Env, external_id: str) -> dict[str, Any]:
    with env.runtime.db.read() as conn:
        conv_id = conn.execute(
            sa.select(t.messages.c.conversation_id).where(t.messages.c.external_id == external_id)
        ).scalar_one()
    return dict(env.client.get(f"/api/v1/conversations/{conv_id}", headers=env.headers).json())


def automatic(conv: dict[str, Any]) -> list[str]:
    return [m["text"] for m in conv["messages"] if m["direction"] == "automatic"]


def test_out_of_hours_acknowledgement_names_the_next_opening(env: Env) -> None:
    sla.set_calendar(env.runtime.db, env.brand_id, OFFICE)
    acknowledgements.create_rule(
        env.runtime.db,
        env.brand_id,
        "closed",
        {
            "when": "out_of_hours",
            "kind": "receipt",
            "templates": {
                "fr": "Bonjour {name}, nous sommes fermés ; nous revenons {next_opening}.",
                "en": "Hi {name}, we are closed; we are back {next_opening}.",
            },
        },
    )
    with clock.frozen(SATURDAY_NIGHT):
        env.post(
            message(
                "fr1",
                author="ana",
                text="Bonjour, ma box ne marche plus depuis ce soir, aidez-moi svp",
                sent_at=clock.isoformat_z(SATURDAY_NIGHT),
            )
        )
        env.post(
            message(
                "en1",
                author="bob",
                text="Hello, my internet has been down all evening, please help",
                sent_at=clock.isoformat_z(SATURDAY_NIGHT),
            )
        )
        env.process()
        (fr,) = automatic(detail(env, "fr1"))
        (en,) = automatic(detail(env, "en1"))
    assert fr.startswith("Message automatique — Bonjour Ana") and "lundi 09:00" in fr
    assert en.startswith("Automatic reply — Hi Bob") and "Monday at 09:00" in en


def test_acknowledgement_is_not_a_response_and_is_not_repeated(env: Env) -> None:
    sla.create_policy(
        env.runtime.db,
        env.brand_id,
        name="p",
        targets={"first_response_minutes": 60, "business_hours": False},
    )
    acknowledgements.create_rule(
        env.runtime.db, env.brand_id, "hello", {"when": "first_contact", "kind": "receipt"}
    )
    with clock.frozen(TUESDAY_MORNING) as move:
        env.post(
            message(
                "a1",
                author="ana",
                text="Hello, where is my order?",
                sent_at=clock.isoformat_z(TUESDAY_MORNING),
            )
        )
        env.process()
        move(TUESDAY_MORNING + timedelta(minutes=5))
        env.post(
            message(
                "a2",
                author="ana",
                text="Any news?",
                sent_at=clock.isoformat_z(TUESDAY_MORNING + timedelta(minutes=5)),
            )
        )
        env.process()
        conv = detail(env, "a1")
    assert len(automatic(conv)) == 1
    assert conv["first_response_at"] is None
    assert conv["waiting_since"] == clock.isoformat_z(TUESDAY_MORNING)
    assert conv["sla"]["clocks"]["first_response"]["state"] == "running"
    actions = [e["action"] for e in conv["audit"]]
    assert actions.count("ack.sent") == 1


def test_no_acknowledgement_in_public_noise_or_to_automated_senders(env: Env) -> None:
    acknowledgements.create_rule(
        env.runtime.db, env.brand_id, "hello", {"when": "first_contact", "kind": "receipt"}
    )
    env.post(message("pub", author="ana", visibility="public", text="@brand my parcel is lost"))
    env.post(
        message(
            "bot",
            author="noreply",
            text="Out of office",
            raw={"auto_reply_allowed": False, "auto_reply_reason": "Auto-Submitted: auto-replied"},
        )
    )
    env.post(
        message(
            "spam", author="spammer", text="WIN a FREE iPhone!!! click http://bit.ly/x #giveaway #contest"
        )
    )
    env.process()
    for external_id, why in (("pub", "no rule applies"), ("bot", "automated sender"), ("spam", "noise")):
        conv = detail(env, external_id)
        assert automatic(conv) == []
        step = next(s for s in conv["messages"][0]["pipeline"] if s["step"] == "acknowledge")
        assert why in step["reason"]


def test_delay_is_announced_from_the_live_queue_and_redirect_is_recorded(env: Env) -> None:
    sla.create_policy(
        env.runtime.db,
        env.brand_id,
        name="p",
        targets={"first_response_minutes": 15, "business_hours": False},
    )
    acknowledgements.create_rule(
        env.runtime.db,
        env.brand_id,
        "slow",
        {
            "when": "wait_exceeds_target",
            "kind": "delay",
            "agents_at_opening": 1,
            "default_pace_per_agent_hour": 6,
        },
    )
    acknowledgements.create_rule(
        env.runtime.db,
        env.brand_id,
        "faq",
        {"when": "first_contact", "kind": "redirect", "redirect": "https://help.example/faq"},
    )
    with clock.frozen(TUESDAY_MORNING):
        env.post(
            [
                message(
                    f"q{i}",
                    author=f"c{i}",
                    text="Hello, I have a question about my bill",
                    sent_at=clock.isoformat_z(TUESDAY_MORNING + timedelta(seconds=i)),
                )
                for i in range(6)
            ]
        )
        env.process()
        first = automatic(detail(env, "q0"))
        last = automatic(detail(env, "q5"))
    assert first and "help.example/faq" in first[0]  # queue short: delay under target → the FAQ rule applies
    assert last and "answer you in about" in last[0]  # five ahead at 6/h with one agent: about an hour
    with env.runtime.db.read() as conn:
        redirects = conn.execute(
            sa.select(sa.func.count())
            .select_from(t.audit_events)
            .where(t.audit_events.c.action == "ack.redirect")
        ).scalar_one()
    assert redirects >= 1
