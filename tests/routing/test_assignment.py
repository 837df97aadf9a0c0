"""Routing and assignment through the real pipeline, job queue, API and command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update

from comptoir.actions import admin, routing
from comptoir.actions.assignment import Candidate, assign_conversation, choose, set_availability
from comptoir.actions.conversations import change_conversation
from comptoir.runtime import Runtime
from comptoir.store import tables as t
from comptoir.web.app import create_app
from tests.support import Env, make_env, message

FRENCH = "Bonjour, ma box internet ne marche plus depuis ce matin, pouvez-vous m'aider ?"
ENGLISH = "Hello, my internet box has not worked since this morning, can you help me?"


@pytest.fixture
def env(runtime: Runtime) -> Iterator[Env]:
    brand_id, account_id, token, secret = make_env(runtime)
    with TestClient(create_app(runtime, run_jobs=False)) as client:
        yield Env(runtime, client, brand_id, account_id, token, secret)


def agent(env: Env, team: int, name: str, *, capacity: int = 10, languages: list[str] | None = None) -> int:
    agent_id = admin.create_agent(
        env.runtime.db, brand_ids=[env.brand_id], email=f"{name}@acme.test", name=name, team_ids=[team]
    )
    with env.runtime.db.transaction() as tx:
        tx.conn.execute(
            update(t.agents)
            .where(t.agents.c.id == agent_id)
            .values(capacity=capacity, skills={"languages": languages or []})
        )
    set_availability(env.runtime.db, agent_id, "online")
    return agent_id


def conversation_of(env: Env, author: str) -> Any:
    c, ct = t.conversations, t.contacts
    with env.runtime.db.read() as conn:
        return conn.execute(
            select(c).join(ct, ct.c.id == c.c.contact_id).where(ct.c.external_id == author)
        ).one()


def write(env: Env, author: str, text: str, n: int) -> Any:
    assert env.post(message(f"{author}-{n}", author=author, text=text)).status_code == 202
    env.process()
    return conversation_of(env, author)


def trail(env: Env, author: str) -> dict[str, str]:
    m = t.messages
    conv = conversation_of(env, author)
    with env.runtime.db.read() as conn:
        row = conn.execute(
            select(m.c.pipeline_trail).where(m.c.conversation_id == conv.id).order_by(m.c.id.desc())
        ).first()
    assert row is not None
    return {entry["step"]: entry["reason"] for entry in row.pipeline_trail}


def audit_actions(env: Env, conversation_id: int, action: str) -> list[dict[str, Any]]:
    a = t.audit_events
    with env.runtime.db.read() as conn:
        rows = conn.execute(
            select(a.c.data)
            .where(a.c.conversation_id == conversation_id, a.c.action == action)
            .order_by(a.c.id)
        )
        return [dict(r.data) for r in rows]


def test_route_by_language_then_round_robin(env: Env) -> None:
    db = env.runtime.db
    fr_team = admin.create_team(db, env.brand_id, "Francophones")
    en_team = admin.create_team(db, env.brand_id, "Anglophones")
    routing.create_rule(
        db, env.brand_id, "French", {"languages": ["fr"]}, {"team_id": fr_team, "assign": "round_robin"}
    )
    routing.create_rule(db, env.brand_id, "Everything else", {}, {"team_id": en_team})
    alice, bob = agent(env, fr_team, "alice"), agent(env, fr_team, "bob")

    first = write(env, "c1", FRENCH, 1)
    second = write(env, "c2", FRENCH, 1)
    third = write(env, "c3", FRENCH, 1)
    english = write(env, "c4", ENGLISH, 1)
    assert (first.team_id, second.team_id, third.team_id) == (fr_team, fr_team, fr_team)
    assert [first.assignee_id, second.assignee_id, third.assignee_id] == [alice, bob, alice]
    assert english.team_id == en_team and english.assignee_id is None
    steps = trail(env, "c1")
    assert "'French'" in steps["route"] and f"team {fr_team}" in steps["route"]
    assert "round-robin: alice" in steps["assign"]
    assert "manual assignment" in trail(env, "c4")["assign"]
    (assigned,) = audit_actions(env, first.id, "conversation.assigned")
    assert assigned["strategy"] == "round_robin" and assigned["assignee_id"] == alice
    assert "round-robin" in assigned["why"]

    # A conversation keeps its team and its assignee, even when an earlier rule now matches.
    other_team = admin.create_team(db, env.brand_id, "Escalations")
    routing.create_rule(db, env.brand_id, "All", {}, {"team_id": other_team, "assign": "load"}, position=1)
    again = write(env, "c1", FRENCH, 2)
    assert (again.team_id, again.assignee_id) == (fr_team, alice)
    steps = trail(env, "c1")
    assert steps["route"] == f"already in team {fr_team}: kept"
    assert steps["assign"] == f"already assigned to agent {alice}: kept"


def test_capacity_waiting_and_freed_capacity(env: Env) -> None:
    db = env.runtime.db
    team = admin.create_team(db, env.brand_id, "Care")
    routing.create_rule(db, env.brand_id, "All to care", {}, {"team_id": team, "assign": "load"})
    solo = agent(env, team, "solo", capacity=1)

    first = write(env, "c1", ENGLISH, 1)
    second = write(env, "c2", ENGLISH, 1)
    third = write(env, "c3", ENGLISH, 1)
    assert first.assignee_id == solo
    assert second.assignee_id is None and third.assignee_id is None
    assert "no eligible agent" in trail(env, "c2")["assign"]

    # Resolving frees capacity: the oldest waiting conversation of the team goes to the agent.
    change_conversation(db, env.brand_id, first.id, {"status": "resolved"}, actor="agent:solo")
    env.process()
    assert conversation_of(env, "c2").assignee_id == solo
    assert conversation_of(env, "c3").assignee_id is None
    (assigned,) = audit_actions(env, second.id, "conversation.assigned")
    assert "capacity freed" in assigned["trigger"]

    # Removing the assignee frees capacity too; the unassigned conversation itself is waiting again.
    change_conversation(db, env.brand_id, second.id, {"assignee_id": None}, actor="agent:solo")
    env.process()
    assert conversation_of(env, "c2").assignee_id == solo  # oldest waiting first


def test_coming_online_assigns_waiting_and_away_agents_get_nothing(env: Env) -> None:
    db = env.runtime.db
    team = admin.create_team(db, env.brand_id, "Care")
    routing.create_rule(db, env.brand_id, "All", {}, {"team_id": team, "assign": "round_robin"})
    late = agent(env, team, "late")
    set_availability(db, late, "away")
    waiting = write(env, "c1", ENGLISH, 1)
    assert waiting.assignee_id is None

    response = env.client.put(
        f"/api/v1/agents/{late}/availability", json={"availability": "online"}, headers=env.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["availability"] == "online"
    env.process()
    assert conversation_of(env, "c1").assignee_id == late
    got = env.client.get(f"/api/v1/agents/{late}/availability", headers=env.headers).json()
    assert got == {"id": late, "availability": "online", "capacity": 10, "open_assigned": 1}
    bad = env.client.put(
        f"/api/v1/agents/{late}/availability", json={"availability": "busy"}, headers=env.headers
    )
    assert bad.status_code == 422


def test_availability_of_another_brands_agent_is_not_found(env: Env) -> None:
    other_brand, _, other_token, _ = make_env(env.runtime, name="Other")
    team = admin.create_team(env.runtime.db, env.brand_id, "Care")
    mine = agent(env, team, "mine")
    headers = {"Authorization": f"Bearer {other_token}"}
    response = env.client.put(
        f"/api/v1/agents/{mine}/availability", json={"availability": "away"}, headers=headers
    )
    assert response.status_code == 404
    assert env.client.get(f"/api/v1/agents/{mine}/availability", headers=headers).status_code == 404
    assert (
        env.client.put(f"/api/v1/agents/{mine}/availability", json={"availability": "away"}).status_code
        == 401
    )
    assert other_brand != env.brand_id


def test_skill_prefers_the_language_then_load() -> None:
    fr = Candidate(1, "Fanny", open_count=5, capacity=10, last_assigned_at=None, languages=("fr", "en"))
    en = Candidate(2, "Ed", open_count=0, capacity=10, last_assigned_at=None, languages=("en",))
    fr_light = Candidate(3, "Fleur", open_count=2, capacity=10, last_assigned_at=None, languages=("fr",))
    choice = choose([fr, en, fr_light], "skill", "fr")
    assert choice is not None and choice.agent_id == 3 and "speaks 'fr'" in choice.why
    choice = choose([fr, en, fr_light], "load", "fr")
    assert choice is not None and choice.agent_id == 2
    choice = choose([fr, fr_light], "skill", "de")
    assert choice is not None and choice.agent_id == 3 and "nobody eligible speaks" in choice.why
    assert choose([], "load", "fr") is None
    assert choose([fr], "none", "fr") is None


def test_skill_through_the_pipeline(env: Env) -> None:
    db = env.runtime.db
    team = admin.create_team(db, env.brand_id, "Care")
    routing.create_rule(db, env.brand_id, "All", {}, {"team_id": team, "assign": "skill"})
    agent(env, team, "ed", languages=["en"])
    fanny = agent(env, team, "fanny", languages=["fr"])
    assert write(env, "c1", FRENCH, 1).assignee_id == fanny
    assert "speaks 'fr'" in trail(env, "c1")["assign"]


def cli(env: Env, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "COMPTOIR_DATABASE_URL": str(env.runtime.settings.database_url),
        "COMPTOIR_DATA_DIR": str(env.runtime.settings.data_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "comptoir.cli", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_command_line(env: Env) -> None:
    team = admin.create_team(env.runtime.db, env.brand_id, "Care")
    conditions = '{"languages": ["fr"], "intents": ["complaint"]}'
    target = json.dumps({"team_id": team, "assign": "load"})
    done = cli(
        env,
        "routing",
        "rule",
        "create",
        "--brand",
        str(env.brand_id),
        "--name",
        "French complaints",
        "--conditions",
        conditions,
        "--target",
        target,
    )
    assert done.returncode == 0, done.stderr
    created = json.loads(done.stdout)
    assert created["position"] == 1 and created["target"]["assign"] == "load"
    bad = cli(
        env, "routing", "rule", "create", "--brand", str(env.brand_id), "--name", "x", "--target", "{team"
    )
    assert bad.returncode == 1 and "not valid JSON" in bad.stderr
    listed = cli(env, "routing", "rule", "list", "--brand", str(env.brand_id))
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["rules"] == [created]
    mine = agent(env, team, "cli-agent")
    done = cli(env, "agent", "availability", "--user", str(mine), "--set", "away")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"id": mine, "availability": "away", "previous": "online"}
    bad = cli(env, "agent", "availability", "--user", str(mine), "--set", "asleep")
    assert bad.returncode == 1 and "unknown availability" in bad.stderr


def test_two_concurrent_assignments_respect_capacity(env: Env) -> None:
    db = env.runtime.db
    team = admin.create_team(db, env.brand_id, "Care")
    routing.create_rule(db, env.brand_id, "All", {}, {"team_id": team, "assign": "load"})
    first, second = write(env, "c1", ENGLISH, 1), write(env, "c2", ENGLISH, 1)  # nobody online yet: both wait
    solo = agent(env, team, "solo", capacity=1)
    with db.transaction() as tx:  # the job queued by coming online is not run: the race is played by hand
        tx.conn.execute(delete(t.jobs))
    a_assigned, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def holder() -> None:
        with db.transaction() as tx:
            results["a"] = assign_conversation(tx, first.id, team, "load")
            a_assigned.set()
            release.wait(10)

    def racer() -> None:
        a_assigned.wait(10)
        with db.transaction() as tx:
            results["b"] = assign_conversation(tx, second.id, team, "load")

    threads = [threading.Thread(target=holder), threading.Thread(target=racer)]
    for thread in threads:
        thread.start()
    a_assigned.wait(10)
    time.sleep(0.3)  # the racer is now blocked on the agent's lock (PostgreSQL) or the write lock (SQLite)
    release.set()
    for thread in threads:
        thread.join(15)
    assert results["a"] is not None and results["b"] is None
    assert conversation_of(env, "c1").assignee_id == solo
    assert conversation_of(env, "c2").assignee_id is None
