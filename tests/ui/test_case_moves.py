"""Escalate, snooze until a time, move to private and link, redirect, responsiveness and reply rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update

from comptoir import clock
from comptoir.actions import admin
from comptoir.domain.enums import AccountKind, Platform
from comptoir.jobs.timers import fire_due, next_fire_at
from comptoir.jobs.worker import Worker
from comptoir.store import tables as t
from tests.integration.callback_receiver import Receiver
from tests.ui.conftest import Workspace, page_csrf
from tests.ui.test_conversation import audit_actions


def conversation(ws: Workspace, conversation_id: int) -> dict[str, object]:
    with ws.runtime.db.read() as conn:
        row = conn.execute(select(t.conversations).where(t.conversations.c.id == conversation_id)).one()
    return dict(row._mapping)


def test_escalation_notifies_the_team_through_apprise_with_a_digest_and_a_link(ws: Workspace) -> None:
    c = ws.ingest(ws.a, "esc-1", text="Ma fibre est coupée depuis trois jours, je veux un technicien",
                  author={"external_id": "jd", "handle": "@jd", "name": "Julie Dupont", "followers": 321})
    team = admin.create_team(ws.runtime.db, ws.a.id, "Technique N2")
    with Receiver() as receiver:
        url = receiver.url.replace("http://", "json://")
        agent = ws.client("alice")
        assert "Technique N2 (no notification address)" in agent.get(f"/c/{c}").text
        # Only supervisors set where a team is notified.
        refused = agent.post(f"/c/{c}/escalation-urls", data={"team": team, "urls": url, "csrf_token": page_csrf(agent)})
        assert refused.status_code == 403
        sue = ws.client("sue")
        saved = sue.post(f"/c/{c}/escalation-urls", data={"team": team, "urls": url, "csrf_token": page_csrf(sue)},
                         follow_redirects=False)
        assert saved.headers["location"].endswith("done=escalation_urls")
        assert "Technique N2 (no notification address)" not in agent.get(f"/c/{c}").text
        assert url not in agent.get(f"/c/{c}").text and url in sue.get(f"/c/{c}").text  # URLs may hold secrets
        response = agent.post(f"/c/{c}/escalate",
                              data={"team": team, "note": "Client pro, 3e relance", "csrf_token": page_csrf(agent)},
                              follow_redirects=False)
        assert response.headers["location"] == f"/c/{c}?done=escalated"
        assert receiver.received == []  # nothing is sent inside the request: a job does it
        Worker(ws.runtime).run_until_idle()
        assert len(receiver.received) == 1
        sent = receiver.received[0]["json"]
    assert f"C-{c:06d}" in sent["title"] and "Technique N2" in sent["title"]
    body = sent["message"]
    for expected in ("Julie Dupont", "321 followers", "Ma fibre est coupée", "Client pro, 3e relance",
                     f"http://testserver/c/{c}", "Triage:", "SLA:"):
        assert expected in body, expected
    row = conversation(ws, c)
    assert row["escalated_at"] is not None and row["team_id"] == team
    actions = [(actor, action) for actor, action, _ in audit_actions(ws, c)]
    assert (f"agent:{ws.agents['alice']}", "conversation.escalated") in actions
    assert ("system", "conversation.escalation_sent") in actions
    page = agent.get(f"/c/{c}").text
    assert "escalated" in page and 'id="escalate-form"' in page


def test_escalation_to_another_brands_team_is_refused(ws: Workspace) -> None:
    c = ws.ingest(ws.a, "esc-2")
    other_team = admin.create_team(ws.runtime.db, ws.b.id, "Beta team")
    client = ws.client("alice")
    response = client.post(f"/c/{c}/escalate", data={"team": other_team, "note": "", "csrf_token": page_csrf(client)},
                           follow_redirects=False)
    assert "error=not_found" in response.headers["location"]
    assert conversation(ws, c)["escalated_at"] is None


def test_snooze_until_a_time_then_the_timer_service_wakes_the_conversation(ws: Workspace) -> None:
    start = datetime(2026, 11, 20, 10, 5, tzinfo=UTC)
    with clock.frozen(start) as move_to:
        c = ws.ingest(ws.a, "snz-1")
        with ws.runtime.db.transaction() as tx:
            tx.conn.execute(delete(t.sla_timers))  # only the snooze is due in this test
        client = ws.client("alice")
        token = page_csrf(client)
        bad = client.post(f"/c/{c}/snooze", data={"duration": "0h", "csrf_token": token}, follow_redirects=False)
        assert "error=validation_error" in bad.headers["location"]
        past = client.post(f"/c/{c}/snooze", data={"until": "2026-11-19T09:00", "csrf_token": token},
                           follow_redirects=False)
        assert "error=validation_error" in past.headers["location"]
        ok = client.post(f"/c/{c}/snooze", data={"duration": "", "until": "2026-11-20T14:30", "csrf_token": token},
                         follow_redirects=False)
        assert ok.headers["location"] == f"/c/{c}?done=snoozed"
        row = conversation(ws, c)
        until = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
        assert row["status"] == "snoozed" and clock.ensure_utc(row["snoozed_until"]) == until  # type: ignore[arg-type]
        assert next_fire_at(ws.runtime) == until
        assert "snoozed until" in client.get(f"/c/{c}").text
        move_to(until - timedelta(seconds=1))
        assert fire_due(ws.runtime) == 0 and conversation(ws, c)["status"] == "snoozed"
        move_to(until + timedelta(seconds=2))
        assert fire_due(ws.runtime) == 1
        row = conversation(ws, c)
        assert row["status"] == "open" and row["snoozed_until"] is None
        woken = [data for actor, action, data in audit_actions(ws, c) if action == "conversation.woken"]
        assert woken and woken[0]["late_ms"] == 2000
        assert next_fire_at(ws.runtime) is None
        # A duration works too.
        client.post(f"/c/{c}/snooze", data={"duration": "4h", "csrf_token": token})
        assert clock.ensure_utc(conversation(ws, c)["snoozed_until"]) == until + timedelta(hours=4, seconds=2)  # type: ignore[arg-type]


def test_move_to_private_invites_publicly_then_links_the_private_conversation_both_ways(ws: Workspace) -> None:
    author = {"external_id": "pm", "handle": "@pm", "name": "Paul Martin", "followers": 10}
    public = ws.ingest(ws.a, "pub-1", text="Mon compte est bloqué", visibility="public", author=author)
    client = ws.client("alice")
    assert 'id="private-form"' in client.get(f"/c/{public}").text
    response = client.post(f"/c/{public}/private", data={"text": "Écrivez-nous en message privé, Alice",
                                                         "csrf_token": page_csrf(client)}, follow_redirects=False)
    assert response.headers["location"] == f"/c/{public}?done=private"
    with ws.runtime.db.read() as conn:
        sent = conn.execute(
            select(t.messages.c.text, t.messages.c.visibility).where(
                t.messages.c.conversation_id == public, t.messages.c.direction == "outbound")
        ).one()
    assert sent.text == "Écrivez-nous en message privé, Alice" and sent.visibility == "public"
    assert "conversation.moved_to_private" in [a for _, a, _ in audit_actions(ws, public)]
    private = ws.ingest(ws.a, "dm-1", text="Voici mon numéro client", visibility="private", author=author)
    assert private != public
    page = client.get(f"/c/{public}").text
    assert 'id="link-form"' in page and f'value="{private}"' in page
    linked = client.post(f"/c/{public}/link", data={"other": private, "csrf_token": page_csrf(client)},
                         follow_redirects=False)
    assert linked.headers["location"] == f"/c/{public}?done=linked"
    assert conversation(ws, public)["linked_conversation_id"] == private
    assert conversation(ws, private)["linked_conversation_id"] == public
    assert f'href="/c/{private}"' in client.get(f"/c/{public}").text.split('id="linked-case"')[1][:400]
    assert f'href="/c/{public}"' in client.get(f"/c/{private}").text.split('id="linked-case"')[1][:400]
    # Two private conversations cannot be linked as a public/private pair.
    other = ws.ingest(ws.a, "dm-2", visibility="private", author={"external_id": "zz", "handle": "@zz"})
    refused = client.post(f"/c/{private}/link", data={"other": other, "csrf_token": page_csrf(client)},
                          follow_redirects=False)
    assert "error=validation_error" in refused.headers["location"]


def test_redirect_points_the_customer_to_the_care_account_in_their_language(ws: Workspace) -> None:
    care = admin.create_account(ws.runtime.db, brand_id=ws.a.id, platform=Platform.API, handle="@alpha_aide",
                                kind=AccountKind.CARE)
    client = ws.client("alice")
    c = ws.ingest(ws.a, "red-1", visibility="public", text="Bonjour, ma box ne fonctionne plus depuis hier soir")
    assert 'id="redirect-form"' not in client.get(f"/c/{c}").text
    refused = client.post(f"/c/{c}/redirect", data={"csrf_token": page_csrf(client)}, follow_redirects=False)
    assert "error=validation_error" in refused.headers["location"]
    with ws.runtime.db.transaction() as tx:
        tx.conn.execute(update(t.accounts).where(t.accounts.c.id == ws.a.account_id).values(redirect_to=care["id"]))
        tx.conn.execute(update(t.conversations).where(t.conversations.c.id == c).values(language="fr"))
    page = client.get(f"/c/{c}").text
    assert 'id="redirect-form"' in page and "@alpha_aide" in page
    response = client.post(f"/c/{c}/redirect", data={"csrf_token": page_csrf(client)}, follow_redirects=False)
    assert response.headers["location"] == f"/c/{c}?done=redirected"
    with ws.runtime.db.read() as conn:
        text = conn.execute(select(t.messages.c.text).where(
            t.messages.c.conversation_id == c, t.messages.c.direction == "outbound")).scalar_one()
    assert "@alpha_aide" in text and text.startswith("Bonjour")
    redirected = [d for _, a, d in audit_actions(ws, c) if a == "conversation.redirected"]
    assert redirected and redirected[0]["to_account_id"] == care["id"]


def test_the_responsiveness_page_lists_the_agents_accounts_only(ws: Workspace) -> None:
    ws.ingest(ws.a, "resp-1")
    client = ws.client("alice")
    page = client.get("/ui/responsiveness")
    assert page.status_code == 200
    assert "alpha-care" in page.text and "beta-care" not in page.text
    assert 'href="/ui/responsiveness"' in client.get("/").text
    client.post("/ui/language", data={"language": "fr", "next": "/", "csrf_token": page_csrf(client)})
    assert "Réactivité" in client.get("/ui/responsiveness").text


def test_the_composer_shows_the_channels_reply_rules(ws: Workspace) -> None:
    with clock.frozen(datetime(2026, 11, 20, 12, 0, tzinfo=UTC)):
        c = ws.ingest(ws.a, "rules-1", text="Bonjour")
        page_id = admin.create_account(ws.runtime.db, brand_id=ws.a.id, platform=Platform.FACEBOOK,
                                       handle="alpha.page", external_id="fb-page-1")
        with ws.runtime.db.transaction() as tx:  # the same conversation, as if it came from a Facebook Page
            tx.conn.execute(update(t.conversations).where(t.conversations.c.id == c).values(account_id=page_id["id"]))
            tx.conn.execute(update(t.messages).where(t.messages.c.conversation_id == c).values(account_id=page_id["id"]))
        rules = ws.client("alice").get(f"/c/{c}").text.split('id="reply-rules"')[1].split("</ul>")[0]
    assert "1999" in rules and "2026-11-21T10:00:00Z" in rules and "closes at" in rules


def test_move_to_private_on_a_facebook_comment_is_a_private_reply(ws: Workspace) -> None:
    c = ws.ingest(ws.a, "fb-comment-1", visibility="public", text="Mon forfait a été débité deux fois")
    fb_page = admin.create_account(ws.runtime.db, brand_id=ws.a.id, platform=Platform.FACEBOOK,
                                   handle="alpha.page", external_id="fb-page-2")
    with ws.runtime.db.transaction() as tx:  # the same conversation, as if it were a comment on a Facebook Page
        tx.conn.execute(update(t.conversations).where(t.conversations.c.id == c).values(account_id=fb_page["id"]))
        tx.conn.execute(update(t.messages).where(t.messages.c.conversation_id == c).values(account_id=fb_page["id"]))
    client = ws.client("alice")
    assert "private reply to the comment" in client.get(f"/c/{c}").text
    response = client.post(f"/c/{c}/private", data={"text": "Je vous écris en privé, Alice",
                                                    "csrf_token": page_csrf(client)}, follow_redirects=False)
    assert response.headers["location"] == f"/c/{c}?done=private"
    with ws.runtime.db.read() as conn:
        sent = conn.execute(
            select(t.messages.c.visibility, t.messages.c.raw, t.messages.c.in_reply_to).where(
                t.messages.c.conversation_id == c, t.messages.c.direction == "outbound")
        ).one()
    assert sent.visibility == "private" and sent.raw == {"reply_kind": "private_to_comment"}
    assert sent.in_reply_to == "fb-comment-1"
    moved = [d for _, a, d in audit_actions(ws, c) if a == "conversation.moved_to_private"]
    assert moved == [{"private_reply": True}]
