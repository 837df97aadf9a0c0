"""The ingestion action alone (no HTTP): messages/s for single messages and 500-message batches.

Usage: .venv/bin/python bench/ingest_action.py --db sqlite|postgresql   (PostgreSQL: COMPTOIR_TEST_PG_URL)
Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from comptoir.actions import admin
from comptoir.actions.ingest import ingest
from comptoir.domain.enums import Platform, Visibility
from comptoir.domain.models import Author, InboundMessage
from comptoir.store.db import Database
from comptoir.store.migrate import upgrade


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()
    if args.db == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    else:
        admin_url = os.environ["COMPTOIR_TEST_PG_URL"]
        name = f"bench_action_{uuid.uuid4().hex[:6]}"
        engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    upgrade(db)
    brand = admin.create_brand(db, "Bench")
    account = int(admin.create_account(db, brand_id=brand, platform=Platform.API, handle="h")["id"])
    out: dict[str, object] = {
        "benchmark": "ingest_action",
        "database": args.db,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    for size in (1, 500):
        messages = [
            InboundMessage(
                account_id=account,
                external_id=f"{size}-{i}",
                author=Author(external_id=f"u{i % 100}", handle="@x", followers=3),
                text="Bonjour, ma box ne fonctionne plus depuis ce matin",
                sent_at=datetime.now(UTC),
                visibility=Visibility.PRIVATE,
            )
            for i in range(size * args.calls)
        ]
        started = time.perf_counter()
        for call in range(args.calls):
            ingest(db, messages[call * size : (call + 1) * size])
        elapsed = time.perf_counter() - started
        out[f"batch_{size}"] = {
            "msg_per_s": round(size * args.calls / elapsed),
            "ms_per_call": round(elapsed / args.calls * 1000, 2),
        }
    db.dispose()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
