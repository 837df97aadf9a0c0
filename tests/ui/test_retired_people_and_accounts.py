"""Archived accounts and disabled agents in the everyday screens: an archived account stays filterable in the inbox
(its conversations are kept) but is marked; a disabled agent is no longer offered in the assign menu."""

from __future__ import annotations

from sqlalchemy import update

from comptoir import clock
from comptoir.store import tables as t
from tests.ui.conftest import Workspace


def test_an_archived_account_is_marked_and_listed_last_in_the_inbox_filter(ws: Workspace) -> None:
    ws.ingest(ws.a, "ret-1")
    with ws.runtime.db.transaction() as tx:
        tx.conn.execute(
            update(t.accounts).where(t.accounts.c.id == ws.a.account_id).values(archived_at=clock.now())
        )
    page = ws.client("alice").get("/").text
    option = page[page.index(f'<option value="{ws.a.account_id}"') :]
    option = option[: option.index("</option>")]
    assert "archived on" in option
    french = ws.client("alice", headers={"Accept-Language": "fr"}).get("/").text
    assert "archiv" in french[french.index(f'<option value="{ws.a.account_id}"') :][:300]


def test_a_disabled_agent_is_not_offered_for_assignment_unless_already_assigned(ws: Workspace) -> None:
    first = ws.ingest(ws.a, "ret-2")
    second = ws.ingest(
        ws.a,
        "ret-3",
        author={"external_id": "cust-9", "handle": "@cust9", "name": "Cust Nine", "followers": 3},
    )
    assert second != first
    with ws.runtime.db.transaction() as tx:
        tx.conn.execute(
            update(t.agents).where(t.agents.c.id == ws.agents["both"]).values(disabled_at=clock.now())
        )
        tx.conn.execute(
            update(t.conversations)
            .where(t.conversations.c.id == second)
            .values(assignee_id=ws.agents["both"])
        )
    sue = ws.client("sue")
    assert f'<option value="{ws.agents["both"]}"' not in sue.get(f"/c/{first}").text
    assert f'<option value="{ws.agents["both"]}"' in sue.get(f"/c/{second}").text
    assert f'<option value="{ws.agents["alice"]}"' in sue.get(f"/c/{first}").text
