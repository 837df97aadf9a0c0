"""The learning loop from the database: agents' corrections → `comptoir triage train --from-db --brand B`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from tests.support import Env, message

from comptoir import clock
from comptoir.actions.corrections import corrections_for_brand
from comptoir.store import tables as t

TEXTS = [
    ("Votre appli plante à chaque ouverture depuis la mise à jour", "complaint"),
    ("Merci beaucoup pour votre aide rapide, au top", "praise"),
    ("Comment changer mon adresse de facturation ?", "request"),
    ("I was charged twice for my subscription this month", "complaint"),
    ("Thanks a lot, the technician was great", "praise"),
    ("How do I update my payment card?", "request"),
]


def test_corrections_are_read_back_and_train_a_brand_model(env: Env, tmp_path: Path) -> None:
    for i in range(4):
        for j, (text, _) in enumerate(TEXTS):
            env.post(message(f"m{i}-{j}", author=f"a{i}{j}", text=f"{text} ({i})"))
    env.process()
    with env.runtime.db.transaction() as tx:
        rows = tx.conn.execute(sa.select(t.messages.c.id, t.messages.c.text)).all()
        for row in rows:
            label = next(label for text, label in TEXTS if row.text.startswith(text))
            tx.conn.execute(
                sa.insert(t.triage_corrections).values(
                    brand_id=env.brand_id,
                    message_id=row.id,
                    judgement="intent",
                    old_value=None,
                    new_value=label,
                    at=clock.now(),
                )
            )
        tx.conn.execute(
            sa.insert(t.triage_corrections).values(
                brand_id=env.brand_id,
                message_id=rows[0].id,
                judgement="spam",
                old_value="false",
                new_value="false",
                at=clock.now(),
            )
        )
    corrections = corrections_for_brand(env.runtime.db, env.brand_id)
    assert len(corrections) == 24
    assert {c.intent for c in corrections} == {"complaint", "praise", "request"}
    assert corrections[0].spam is False
    environ = {
        **os.environ,
        "COMPTOIR_DATABASE_URL": env.runtime.db.url,
        "COMPTOIR_DATA_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "comptoir.cli",
            "triage",
            "train",
            "--from-db",
            "--brand",
            str(env.brand_id),
            "--data-dir",
            str(tmp_path / "no-shared-data"),
        ],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["brand_id"] == str(env.brand_id)
    assert report["n_train"] + report["n_holdout"] == 24
    assert isinstance(report["activated"], bool) and report["reason"]
