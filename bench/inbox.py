"""Inbox and conversation page server time (p50/p95) with many stored messages. Prints JSON.

Usage: .venv/bin/python bench/inbox.py [--url sqlite:///...|postgresql+psycopg://...] [--conversations N] [--messages-per M]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from comptoir import clock
from comptoir.actions import admin
from comptoir.domain.enums import AccountKind, Platform
from comptoir.runtime import Runtime
from comptoir.settings import Settings
from comptoir.store import tables as t
from comptoir.store.db import Database
from comptoir.store.migrate import upgrade
from comptoir.web.app import create_app
from comptoir.web.ui.people import create_user

WORDS = "fibre coupure facture box réseau panne remboursement commande livraison merci bonjour internet mobile".split()


def fill(db: Database, brand_id: int, account_id: int, conversations: int, per: int) -> None:
    now = clock.now()
    rng = random.Random(7)
    batch = 2000
    with db.transaction() as tx:
        person_rows = [
            {"brand_id": brand_id, "display_name": f"Client {i}", "created_at": now}
            for i in range(conversations)
        ]
        for start in range(0, conversations, batch):
            tx.conn.execute(insert(t.persons), person_rows[start : start + batch])
        person_ids = list(tx.conn.execute(select(t.persons.c.id).order_by(t.persons.c.id)).scalars())
        contacts = [
            {
                "brand_id": brand_id,
                "person_id": pid,
                "platform": "api",
                "external_id": f"c{pid}",
                "handle": f"@c{pid}",
                "display_name": f"Client {pid}",
                "followers": rng.randint(0, 50000),
                "verified": False,
                "created_at": now,
                "updated_at": now,
            }
            for pid in person_ids
        ]
        for start in range(0, len(contacts), batch):
            tx.conn.execute(insert(t.contacts), contacts[start : start + batch])
        contact_ids = list(tx.conn.execute(select(t.contacts.c.id).order_by(t.contacts.c.id)).scalars())
        convs = []
        for i, cid in enumerate(contact_ids):
            waiting = now - timedelta(minutes=rng.randint(1, 5000))
            convs.append(
                {
                    "brand_id": brand_id,
                    "account_id": account_id,
                    "contact_id": cid,
                    "visibility": rng.choice(["public", "private"]),
                    "status": rng.choice(["open", "open", "pending", "resolved"]),
                    "priority": rng.randint(0, 100),
                    "tags": [],
                    "language": rng.choice(["fr", "en"]),
                    "intent": rng.choice(["complaint", "request", "praise"]),
                    "sentiment": rng.choice(["negative", "neutral"]),
                    "urgency": rng.choice(["high", "normal"]),
                    "noise": False,
                    "waiting_since": waiting,
                    "next_sla_deadline_at": waiting + timedelta(hours=4) if i % 2 else None,
                    "last_activity_at": waiting,
                    "created_at": waiting,
                }
            )
        for start in range(0, len(convs), batch):
            tx.conn.execute(insert(t.conversations), convs[start : start + batch])
        conv_ids = list(
            tx.conn.execute(select(t.conversations.c.id).order_by(t.conversations.c.id)).scalars()
        )
        rows = []
        for cid in conv_ids:
            for k in range(per):
                when = now - timedelta(minutes=per - k)
                rows.append(
                    {
                        "account_id": account_id,
                        "conversation_id": cid,
                        "direction": "inbound" if k % 2 == 0 else "outbound",
                        "visibility": "private",
                        "text": " ".join(rng.choice(WORDS) for _ in range(20)),
                        "attachments": [],
                        "sent_at": when,
                        "received_at": when,
                        "processing_state": "processed",
                    }
                )
                if len(rows) >= batch:
                    tx.conn.execute(insert(t.messages), rows)
                    rows = []
        if rows:
            tx.conn.execute(insert(t.messages), rows)


def timed(client: TestClient, url: str, n: int) -> dict[str, float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 1),
        "n": n,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--conversations", type=int, default=5000)
    parser.add_argument("--messages-per", type=int, default=4)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    url = args.url or f"sqlite:///{tmp / 'bench.db'}"
    db = Database(url)
    upgrade(db)
    runtime = Runtime(Settings(data_dir=tmp, database_url=url), db)
    brand = admin.create_brand(db, f"Bench {time.time()}")
    account = admin.create_account(
        db, brand_id=brand, platform=Platform.API, handle=f"bench{time.time()}", kind=AccountKind.CARE
    )["id"]
    create_user(
        db,
        brand_ids=[brand],
        email=f"b{time.time()}@bench.test",
        name="Bench Agent",
        role="agent",
        password="benchmark-pass",
    )
    with db.read() as conn:
        email = conn.execute(select(t.agents.c.email).order_by(t.agents.c.id.desc()).limit(1)).scalar_one()
    start = time.perf_counter()
    fill(db, brand, account, args.conversations, args.messages_per)
    fill_s = time.perf_counter() - start
    app = create_app(runtime, run_jobs=False)
    with TestClient(app) as client:
        import re

        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
        client.post("/login", data={"email": email, "password": "benchmark-pass", "csrf_token": token})
        client.get("/")  # builds the search index once
        with db.read() as conn:
            conv = conn.execute(
                select(t.conversations.c.id).where(t.conversations.c.brand_id == brand).limit(1)
            ).scalar_one()
        result = {
            "dialect": db.dialect,
            "conversations": args.conversations,
            "messages": args.conversations * args.messages_per,
            "fill_s": round(fill_s, 1),
            "inbox": timed(client, "/", args.requests),
            "inbox_search": timed(client, "/?q=remboursement", args.requests),
            "inbox_filtered": timed(client, "/?intent=complaint&sentiment=negative", args.requests),
            "conversation": timed(client, f"/c/{conv}", args.requests),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
