"""The "answer next" inbox: order, row content, filters, full-text search, saved views."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from comptoir import clock
from comptoir.store import tables as t
from tests.ui.conftest import Workspace, page_csrf


def set_conversation(ws: Workspace, conversation_id: int, **values: Any) -> None:
    with ws.runtime.db.transaction() as tx:
        tx.conn.execute(update(t.conversations).where(t.conversations.c.id == conversation_id).values(**values))


def order(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<tr class="row[^"]*" data-id="(\d+)"', html)]


def test_answer_next_orders_by_deadline_then_priority_then_waiting(ws: Workspace) -> None:
    now = clock.now()
    ids = [ws.ingest(ws.a, f"o-{i}", author={"external_id": f"cust-{i}", "handle": f"@c{i}", "name": f"C{i}"}) for i in range(5)]
    set_conversation(ws, ids[0], next_sla_deadline_at=now + timedelta(hours=2), priority=1, noise=False)
    set_conversation(ws, ids[1], next_sla_deadline_at=now + timedelta(minutes=5), priority=1, noise=False)
    set_conversation(ws, ids[2], next_sla_deadline_at=None, priority=90, waiting_since=now - timedelta(hours=1), noise=False)
    set_conversation(ws, ids[3], next_sla_deadline_at=None, priority=90, waiting_since=now - timedelta(hours=3), noise=False)
    set_conversation(ws, ids[4], next_sla_deadline_at=None, priority=10, waiting_since=now - timedelta(days=1), noise=False)
    answered = ws.ingest(ws.a, "o-answered", author={"external_id": "cust-a", "handle": "@ca", "name": "CA"})
    set_conversation(ws, answered, waiting_since=None, priority=99, next_sla_deadline_at=None, noise=False)
    html = ws.client("alice").get("/").text
    assert order(html) == [ids[1], ids[0], ids[3], ids[2], ids[4], answered]
    # Breached deadlines carry their instant for the live countdown.
    assert 'data-deadline="' in html and "data-since=" in html


def test_rows_show_what_an_agent_needs(ws: Workspace) -> None:
    c = ws.ingest(
        ws.a,
        "row-1",
        text="Ma fibre est coupée depuis hier soir",
        visibility="public",
        author={"external_id": "julie", "handle": "@julie", "name": "Julie Dupont", "followers": 15400, "verified": True},
    )
    set_conversation(ws, c, language="fr", intent="complaint", sentiment="negative", urgency="high", assignee_id=ws.agents["alice"])
    html = ws.client("alice").get("/").text
    row = html[html.index(f'data-id="{c}"'):]
    row = row[: row.index("</tr>")]
    for expected in ("api", "alpha-care", "public", "Julie Dupont", "15400", "✔", ">fr<", "complaint", "negative", "high",
                     "Alice Test", "Ma fibre est coupée depuis hier soir"):
        assert expected in row, expected


def test_filters(ws: Workspace) -> None:
    a1 = ws.ingest(ws.a, "f-1", visibility="public", author={"external_id": "p1", "handle": "@p1", "name": "P1"})
    a2 = ws.ingest(ws.a, "f-2", author={"external_id": "p2", "handle": "@p2", "name": "P2"})
    a3 = ws.ingest(ws.a, "f-3", author={"external_id": "p3", "handle": "@p3", "name": "P3"})
    set_conversation(ws, a1, intent="complaint", language="fr", sentiment="negative", urgency="high", noise=False)
    set_conversation(ws, a2, intent="praise", language="en", assignee_id=ws.agents["alice"], tags=["vip"], noise=False)
    set_conversation(ws, a3, noise=True, status="pending")
    with ws.runtime.db.transaction() as tx:
        tx.conn.execute(t.conversation_tags.insert().values(conversation_id=a2, tag="vip"))
    client = ws.client("alice")
    assert order(client.get("/?visibility=public").text) == [a1]
    assert order(client.get("/?intent=complaint").text) == [a1]
    assert order(client.get("/?language=en").text) == [a2]
    assert order(client.get("/?sentiment=negative&urgency=high").text) == [a1]
    assert order(client.get("/?assignee=me").text) == [a2]
    assert order(client.get("/?assignee=none").text) == [a1]
    assert order(client.get("/?tag=VIP").text) == [a2]
    assert a3 not in order(client.get("/?status=all").text)  # noise hidden by default
    assert order(client.get("/?status=pending&noise=only").text) == [a3]
    assert set(order(client.get("/?status=all&noise=all").text)) == {a1, a2, a3}
    assert order(client.get(f"/?account_id={ws.a.account_id}&platform=api&brand_id={ws.a.id}").text)
    # Nonsense values are dropped, never an error.
    assert client.get("/?status=bogus&limit=abc&brand_id=x").status_code == 200


def test_full_text_search(ws: Workspace) -> None:
    fibre = ws.ingest(ws.a, "s-1", text="Ma fibre optique est coupée à Lille", author={"external_id": "s1", "name": "Anne"})
    ws.ingest(ws.a, "s-2", text="Invoice question about my subscription", author={"external_id": "s2", "name": "Bob"})
    client = ws.client("alice")
    assert order(client.get("/?q=fibre").text) == [fibre]
    assert order(client.get("/?q=Lille fibre").text) == [fibre]
    assert order(client.get("/?q=anne").text) == [fibre]  # customer name
    assert order(client.get('/?q="fibre* (-:').text) == [fibre]  # FTS syntax is never interpreted
    assert order(client.get("/?q=tokyo").text) == []
    if ws.runtime.db.dialect == "postgresql":
        # French and English stemming on PostgreSQL.
        assert order(client.get("/?q=subscriptions").text) != []
        assert order(client.get("/?q=optiques").text) == [fibre]
    else:
        assert order(client.get("/?q=coupee").text) == [fibre]  # accents folded by FTS5


def test_search_finds_messages_stored_before_the_index_existed(ws: Workspace) -> None:
    from comptoir.web.ui import queries

    queries._search_ready.discard(id(ws.runtime.db))
    if ws.runtime.db.is_sqlite:
        with ws.runtime.db.transaction() as tx:
            for statement in ("DROP TRIGGER IF EXISTS messages_fts_ai", "DROP TABLE IF EXISTS messages_fts"):
                tx.conn.exec_driver_sql(statement)
    early = ws.ingest(ws.a, "early", text="Colis jamais arrivé")
    assert order(ws.client("alice").get("/?q=colis").text) == [early]


def test_saved_views_with_counts(ws: Workspace) -> None:
    c = ws.ingest(ws.a, "v-1")
    set_conversation(ws, c, intent="complaint")
    ws.ingest(ws.a, "v-2", author={"external_id": "v2", "name": "V2"})
    client = ws.client("alice")
    response = client.post(
        "/ui/views", data={"name": "Réclamations", "query": "intent=complaint", "csrf_token": page_csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/?intent=complaint"
    html = client.get("/").text
    assert re.search(r'href="/\?intent=complaint">Réclamations</a> <span class="count">1</span>', html)
    # Views are personal.
    assert "Réclamations" not in ws.client("sue").get("/").text


def test_rows_fragment_for_live_refresh(ws: Workspace) -> None:
    ws.ingest(ws.a, "live-1", text="Première ligne")
    fragment = ws.client("alice").get("/ui/inbox/rows").text
    assert "<html" not in fragment and "Première ligne" in fragment
