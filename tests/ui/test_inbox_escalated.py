"""The inbox rows mark escalated conversations."""

from __future__ import annotations

from sqlalchemy import update

from comptoir import clock
from comptoir.store import tables as t
from tests.ui.conftest import Workspace


def test_an_escalated_conversation_is_marked_in_the_inbox(ws: Workspace) -> None:
    quiet = ws.ingest(ws.a, "esc-quiet", author={"external_id": "quiet", "handle": "@quiet", "name": "Quiet"})
    loud = ws.ingest(ws.a, "esc-loud", author={"external_id": "loud", "handle": "@loud", "name": "Loud"})
    client = ws.client("sue")
    assert 'class="badge escalated"' not in client.get("/ui/inbox/rows?status=all").text
    with ws.runtime.db.transaction() as tx:
        tx.conn.execute(update(t.conversations).where(t.conversations.c.id == loud).values(escalated_at=clock.now()))
    html = client.get("/ui/inbox/rows?status=all").text
    rows = {part.split('"', 1)[0]: part for part in html.split('data-id="')[1:]}
    assert 'class="badge escalated"' in rows[str(loud)]
    assert 'class="badge escalated"' not in rows[str(quiet)]
