"""Short replies are judged with the brand's message they answer (the real ingestion and pipeline, both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from tests.integration.pipeline_messages import receive

from comptoir.actions import admin
from comptoir.domain.enums import Direction, Platform
from comptoir.domain.models import Author
from comptoir.runtime import Runtime
from comptoir.store import tables as t

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
CUSTOMER = Author("701", "@nina", "Nina Petit", 80)


def _receive(
    runtime: Runtime,
    account_id: int,
    external_id: str,
    author: Author,
    text: str,
    *,
    at: datetime,
    direction: Direction = Direction.INBOUND,
    in_reply_to: str | None = None,
) -> int:
    return receive(
        runtime,
        account_id,
        external_id,
        author=author,
        at=at,
        direction=direction,
        in_reply_to=in_reply_to,
        text=text,
    )


def _triage(runtime: Runtime, message_id: int) -> dict:
    with runtime.db.read() as conn:
        return dict(
            conn.execute(select(t.messages.c.triage).where(t.messages.c.id == message_id)).scalar_one()
        )


@pytest.mark.parametrize(
    ("brand_says", "customer_says", "intent", "why"),
    [
        (
            "@nina Is everything working now?",
            "@Fibro no, still the same",
            "complaint",
            "the problem is still there",
        ),
        ("@nina Is everything working now?", "@Fibro yes thanks!", "praise", "yes → praise"),
        (
            "@nina Sorry! Could you DM us your account number?",
            "@Fibro done, sent it",
            "request",
            "request for details",
        ),
    ],
)
def test_a_short_reply_is_read_with_the_brand_message_it_answers(
    runtime: Runtime, brand_says: str, customer_says: str, intent: str, why: str
) -> None:
    brand = admin.create_brand(runtime.db, "Fibro")
    account = admin.create_account(
        runtime.db, brand_id=brand, platform=Platform.X, handle="@Fibro", external_id="x-fibro"
    )
    brand_author = Author("x-fibro", "@Fibro", "Fibro")
    _receive(
        runtime, int(account["id"]), "t1", CUSTOMER, "@Fibro my internet keeps dropping every evening", at=T0
    )
    _receive(
        runtime,
        int(account["id"]),
        "t2",
        brand_author,
        brand_says,
        at=T0 + timedelta(minutes=20),
        direction=Direction.OUTBOUND,
        in_reply_to="t1",
    )
    reply = _receive(
        runtime,
        int(account["id"]),
        "t3",
        CUSTOMER,
        customer_says,
        at=T0 + timedelta(minutes=40),
        in_reply_to="t2",
    )
    triage = _triage(runtime, reply)
    assert triage["intent"] == intent
    assert any(why in reason for reason in triage["reasons"]["intent"])


def test_a_customer_answering_the_brand_reply_stays_in_the_conversation(runtime: Runtime) -> None:
    brand = admin.create_brand(runtime.db, "Fibro")
    account = int(
        admin.create_account(
            runtime.db, brand_id=brand, platform=Platform.X, handle="@Fibro", external_id="x-f"
        )["id"]
    )
    first = _receive(runtime, account, "t1", CUSTOMER, "@Fibro no signal since noon", at=T0)
    _receive(
        runtime,
        account,
        "t2",
        Author("x-f", "@Fibro", "Fibro"),
        "@nina Is everything working now?",
        at=T0 + timedelta(minutes=5),
        direction=Direction.OUTBOUND,
        in_reply_to="t1",
    )
    answer = _receive(
        runtime, account, "t3", CUSTOMER, "@Fibro yes!", at=T0 + timedelta(minutes=9), in_reply_to="t2"
    )
    with runtime.db.read() as conn:
        rows = dict(
            conn.execute(
                select(t.messages.c.id, t.messages.c.conversation_id).where(
                    t.messages.c.id.in_([first, answer])
                )
            ).all()
        )
    assert rows[first] == rows[answer]
