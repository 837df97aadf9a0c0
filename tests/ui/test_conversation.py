"""The conversation page and its actions: each one works, is brand-scoped and lands in the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from comptoir.jobs.worker import Worker
from comptoir.runtime import Runtime
from comptoir.store import tables as t
from tests.integration.callback_receiver import Receiver
from tests.ui.conftest import Workspace, make_workspace, page_csrf


def audit_actions(ws: Workspace, conversation_id: int) -> list[tuple[str, str, Any]]:
    with ws.runtime.db.read() as conn:
        rows = conn.execute(
            select(t.audit_events.c.actor, t.audit_events.c.action, t.audit_events.c.data)
            .where(t.audit_events.c.conversation_id == conversation_id)
            .order_by(t.audit_events.c.id)
        ).all()
    return [(r.actor, r.action, r.data) for r in rows]


def inbound_id(ws: Workspace, conversation_id: int) -> int:
    with ws.runtime.db.read() as conn:
        return int(
            conn.execute(
                select(t.messages.c.id).where(
                    t.messages.c.conversation_id == conversation_id, t.messages.c.direction == "inbound"
                )
            ).scalar_one()
        )


def test_the_page_shows_timeline_contact_and_triage(ws: Workspace) -> None:
    first = ws.ingest(ws.a, "p-0", text="Ancienne demande", author={"external_id": "jd", "handle": "@jd", "name": "Julie Dupont", "followers": 321})
    client = ws.client("alice")
    token = page_csrf(client)
    client.post(f"/c/{first}/status", data={"status": "resolved", "csrf_token": token})
    c = ws.ingest(ws.a, "p-1", text="Nouvelle panne, encore !", visibility="public",
                  author={"external_id": "jd", "handle": "@jd", "name": "Julie Dupont", "followers": 321})
    html = client.get(f"/c/{c}").text
    for expected in ("Nouvelle panne, encore !", "Julie Dupont", "321", "@jd", "Previous conversations", f"C-{first:06d}",
                     "resolved", "Triage", "Internal note", "Send", "public"):
        assert expected in html, expected
    # The customer's earlier messages, from their other conversations, are one click away.
    earlier = html[html.index('class="earlier"'):html.index('id="timeline"')]
    assert "Ancienne demande" in earlier and f'href="/c/{first}"' in earlier


def test_correcting_a_judgement_is_recorded_audited_and_shown(ws: Workspace) -> None:
    c = ws.ingest(ws.a, "tri-1", text="Merci pour la réparation rapide")
    m = inbound_id(ws, c)
    client = ws.client("alice")
    response = client.post(
        f"/c/{c}/triage",
        data={"message_id": m, "judgement": "intent", "value": "complaint", "csrf_token": page_csrf(client)},
        follow_redirects=False,
    )
    assert response.headers["location"] == f"/c/{c}?done=corrected"
    with ws.runtime.db.read() as conn:
        fix = conn.execute(select(t.triage_corrections)).one()
        summary = conn.execute(select(t.conversations.c.intent).where(t.conversations.c.id == c)).scalar_one()
    assert (fix.message_id, fix.judgement, fix.new_value, fix.agent_id) == (m, "intent", "complaint", ws.agents["alice"])
    assert summary == "complaint"
    assert (f"agent:{ws.agents['alice']}", "triage.corrected") in [(a, b) for a, b, _ in audit_actions(ws, c)]
    html = client.get(f"/c/{c}").text
    assert 'value="complaint" class="chip current"' in html and "corrected" in html
    # Invalid values are refused with a message, nothing stored.
    bad = client.post(
        f"/c/{c}/triage",
        data={"message_id": m, "judgement": "intent", "value": "bogus", "csrf_token": page_csrf(client)},
        follow_redirects=False,
    )
    assert "error=validation_error" in bad.headers["location"]
    spam = client.post(
        f"/c/{c}/triage",
        data={"message_id": m, "judgement": "spam", "value": "true", "csrf_token": page_csrf(client)},
        follow_redirects=False,
    )
    assert spam.headers["location"].endswith("done=corrected")
    with ws.runtime.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(t.triage_corrections)).scalar_one() == 2
        assert conn.execute(select(t.conversations.c.noise).where(t.conversations.c.id == c)).scalar_one() is True


def test_notes_stay_internal(ws: Workspace) -> None:
    c = ws.ingest(ws.a, "note-1")
    client = ws.client("alice")
    client.post(f"/c/{c}/note", data={"text": "Client connu, geste commercial OK", "csrf_token": page_csrf(client)})
    with ws.runtime.db.read() as conn:
        note = conn.execute(select(t.messages).where(t.messages.c.direction == "note")).one()
        jobs = conn.execute(select(func.count()).select_from(t.jobs).where(t.jobs.c.kind == "deliver_message")).scalar_one()
    assert note.delivery_status is None and jobs == 0 and note.author_agent_id == ws.agents["alice"]
    assert "msg-note" in client.get(f"/c/{c}").text
    assert (f"agent:{ws.agents['alice']}", "note.added") in [(a, b) for a, b, _ in audit_actions(ws, c)]


def test_status_assign_team_tags(ws: Workspace) -> None:
    from comptoir.actions.admin import create_team

    team = create_team(ws.runtime.db, ws.a.id, "Niveau 2")
    c = ws.ingest(ws.a, "act-1")
    client = ws.client("alice")
    token = page_csrf(client)
    assert client.post(f"/c/{c}/assign", data={"assignee": "me", "csrf_token": token}, follow_redirects=False).headers["location"].endswith("done=assigned")
    assert client.post(f"/c/{c}/team", data={"team": str(team), "csrf_token": token}, follow_redirects=False).headers["location"].endswith("done=team")
    client.post(f"/c/{c}/tags", data={"tags": "Fibre, VIP ,", "csrf_token": token})
    client.post(f"/c/{c}/status", data={"status": "snoozed", "csrf_token": token})
    with ws.runtime.db.read() as conn:
        row = conn.execute(select(t.conversations).where(t.conversations.c.id == c)).one()
    assert (row.assignee_id, row.team_id, row.tags, row.status) == (ws.agents["alice"], team, ["fibre", "vip"], "snoozed")
    # Another brand's agent cannot be assigned; a resolved conversation cannot be snoozed.
    refused = client.post(f"/c/{c}/assign", data={"assignee": str(ws.agents["bob"]), "csrf_token": token}, follow_redirects=False)
    assert "error=not_found" in refused.headers["location"]
    resolved = client.post(f"/c/{c}/status", data={"status": "resolved", "csrf_token": token}, follow_redirects=False)
    assert resolved.headers["location"] == "/?done=resolved"
    invalid = client.post(f"/c/{c}/status", data={"status": "pending", "csrf_token": token}, follow_redirects=False)
    assert "error=invalid_transition" in invalid.headers["location"]
    assert "That status change is not allowed." in client.get(invalid.headers["location"]).text
    actor = f"agent:{ws.agents['alice']}"
    changed = [data for a, action, data in audit_actions(ws, c) if a == actor and action == "conversation.changed"]
    assert {k for d in changed for k in d} >= {"assignee_id", "team_id", "tags", "status"}


def test_reply_is_delivered_and_a_failure_can_be_retried(runtime: Runtime) -> None:
    with Receiver(statuses=[400]) as receiver:
        ws = make_workspace(runtime, callback_url=receiver.url)
        c = ws.ingest(ws.a, "rep-1")
        client = ws.client("alice")
        token = page_csrf(client)
        form = {"text": "Bonjour, je regarde. Alice", "idempotency_key": "once", "csrf_token": token}
        assert client.post(f"/c/{c}/reply", data=form, follow_redirects=False).headers["location"].endswith("done=replied")
        client.post(f"/c/{c}/reply", data=form)  # a double submit sends once
        assert 'data-delivery="queued"' in client.get(f"/c/{c}").text
        Worker(ws.runtime).run_until_idle()
        html = client.get(f"/c/{c}").text
        assert 'data-delivery="failed"' in html and "Retry" in html
        with ws.runtime.db.read() as conn:
            reply = conn.execute(select(t.messages).where(t.messages.c.direction == "outbound")).one()
        assert reply.author_agent_id == ws.agents["alice"]
        retry = client.post(f"/c/{c}/messages/{reply.id}/retry", data={"csrf_token": token}, follow_redirects=False)
        assert retry.headers["location"].endswith("done=retried")
        Worker(ws.runtime).run_until_idle()
        assert 'data-delivery="sent"' in client.get(f"/c/{c}").text
        assert [r["json"]["text"] for r in receiver.received] == ["Bonjour, je regarde. Alice"] * 2
        again = client.post(f"/c/{c}/messages/{reply.id}/retry", data={"csrf_token": token}, follow_redirects=False)
        assert "error=validation_error" in again.headers["location"]  # only failed replies are retried
        actions = [b for a, b, _ in audit_actions(ws, c)]
        assert actions.count("reply.queued") == 1 and "reply.retried" in actions and "reply.sent" in actions


def test_the_coach_and_templates_for_this_conversation(ws: Workspace) -> None:
    c = ws.ingest(ws.a, "coach-1", author={"external_id": "jd", "handle": "@jd", "name": "Julie Dupont"})
    from sqlalchemy import update

    with ws.runtime.db.transaction() as tx:
        tx.conn.execute(update(t.conversations).where(t.conversations.c.id == c).values(intent="complaint", language="fr"))
    client = ws.client("alice")
    token = page_csrf(client)
    advice = client.post(f"/ui/c/{c}/coach", data={"text": "Bonjour Julie, je regarde. Alice"}, headers={"X-CSRF-Token": token}).text
    assert 'data-code="apology"' in advice
    fixed = client.post(f"/ui/c/{c}/coach", data={"text": "Bonjour Julie, désolée, je regarde. Alice"}, headers={"X-CSRF-Token": token}).text
    assert 'data-code="apology"' not in fixed
    suggestions = client.get(f"/ui/c/{c}/templates?q=").json()
    assert suggestions[0]["name"] == "excuses"
    assert suggestions[0]["text"].startswith("Bonjour Julie,") and suggestions[0]["text"].endswith("Alice")
    copied = client.post(f"/ui/c/{c}/coach", data={"text": suggestions[0]["text"]}, headers={"X-CSRF-Token": token}).text
    assert 'data-code="template_copy"' in copied


def test_language_follows_the_browser_then_the_agents_choice(ws: Workspace) -> None:
    anonymous = ws.client()
    assert "Mot de passe" in anonymous.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}).text
    assert "Password" in anonymous.get("/login", headers={"Accept-Language": "de, en;q=0.5"}).text
    client = ws.client("alice")
    assert "Answer next" in client.get("/", headers={"Accept-Language": "en"}).text
    response = client.post("/ui/language", data={"language": "fr", "next": "/", "csrf_token": page_csrf(client)}, follow_redirects=False)
    assert response.headers["location"] == "/"
    html = client.get("/", headers={"Accept-Language": "en"}).text
    assert "À traiter" in html and '<html lang="fr">' in html
    with ws.runtime.db.read() as conn:
        assert conn.execute(select(t.agents.c.language).where(t.agents.c.id == ws.agents["alice"])).scalar_one() == "fr"


def test_supervisors_manage_templates_and_agents_use_them(ws: Workspace) -> None:
    sue = ws.client("sue")
    token = page_csrf(sue)
    form = {"brand_id": ws.a.id, "name": "Panne Fibre", "language": "fr", "body": "Bonjour {customer.first_name}, la panne est connue.", "csrf_token": token}
    assert sue.post("/ui/templates", data=form, follow_redirects=False).headers["location"] == "/ui/templates"
    assert "error=conflict" in sue.post("/ui/templates", data=form, follow_redirects=False).headers["location"]
    assert "error=validation_error" in sue.post("/ui/templates", data=form | {"name": "x", "language": "de"}, follow_redirects=False).headers["location"]
    alice = ws.client("alice")
    assert "/panne-fibre" in alice.get("/ui/templates").text
    refused = alice.post("/ui/templates", data=form | {"name": "mine", "csrf_token": page_csrf(alice)}, follow_redirects=False)
    assert refused.status_code == 403
    c = ws.ingest(ws.a, "tpl-1", author={"external_id": "jd", "handle": "@jd", "name": "Julie Dupont"})
    found = alice.get(f"/ui/c/{c}/templates?q=panne").json()
    assert [f["text"] for f in found] == ["Bonjour Julie, la panne est connue."]


def test_personal_api_tokens(ws: Workspace) -> None:
    alice = ws.client("alice")
    page = alice.post("/ui/tokens", data={"brand_id": ws.a.id, "label": "my script", "csrf_token": page_csrf(alice)}).text
    import re

    token = re.search(r'<code id="new-token">(cpt_[^<]+)</code>', page)
    assert token and "my script" in page
    api = ws.client()
    assert api.get("/api/v1/conversations", headers={"Authorization": f"Bearer {token.group(1)}"}).status_code == 200
    with ws.runtime.db.read() as conn:
        row = conn.execute(select(t.api_tokens).where(t.api_tokens.c.label == "my script")).one()
    assert row.agent_id == ws.agents["alice"] and token.group(1) not in str(row.token_hash)
    # A second token, revoked before any use, is refused.
    page = alice.post("/ui/tokens", data={"brand_id": ws.a.id, "label": "old", "csrf_token": page_csrf(alice)}).text
    second = re.search(r'<code id="new-token">(cpt_[^<]+)</code>', page)
    assert second
    with ws.runtime.db.read() as conn:
        old_id = conn.execute(select(t.api_tokens.c.id).where(t.api_tokens.c.label == "old")).scalar_one()
    sue = ws.client("sue")
    assert sue.post(f"/ui/tokens/{old_id}/revoke", data={"csrf_token": page_csrf(sue)}).status_code == 404
    alice.post(f"/ui/tokens/{old_id}/revoke", data={"csrf_token": page_csrf(alice)})
    assert api.get("/api/v1/conversations", headers={"Authorization": f"Bearer {second.group(1)}"}).status_code == 401
    assert "revoked" in alice.get("/ui/tokens").text
