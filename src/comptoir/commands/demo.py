"""`comptoir demo`: a demo brand with four accounts, agents and a team, on SQLite, with the demo corpus
streamed in through the public HTTP ingestion path over a few minutes."""

from __future__ import annotations

import json
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import typer

from comptoir.actions import admin
from comptoir.commands.server import configure_logging
from comptoir.domain.enums import AccountKind, Platform
from comptoir.runtime import build_runtime
from comptoir.settings import Settings, get_settings

DEMO_ONLY_FIELDS = ("account", "delay_s", "expected")


def load_demo_corpus() -> list[dict[str, Any]]:
    text = resources.files("comptoir.demo").joinpath("corpus.jsonl").read_text(encoding="utf-8")
    items = [json.loads(line) for line in text.splitlines() if line.strip()]
    return sorted(items, key=lambda item: float(item.get("delay_s", 0)))


def setup_demo(settings: Settings) -> dict[str, Any]:
    runtime = build_runtime(settings)
    db = runtime.db
    brand_id = admin.create_brand(db, "Comptoir Télécom")
    accounts = {
        "corporate": admin.create_account(
            db,
            brand_id=brand_id,
            platform=Platform.API,
            handle="@ComptoirTelecom",
            kind=AccountKind.CORPORATE,
        )["id"],
        "care": admin.create_account(
            db, brand_id=brand_id, platform=Platform.API, handle="@ComptoirCare", kind=AccountKind.CARE
        )["id"],
    }
    for key, region in (("region-north", "Nord"), ("region-south", "Sud")):
        accounts[key] = admin.create_account(
            db,
            brand_id=brand_id,
            platform=Platform.API,
            handle=f"@ComptoirTelecom{region}",
            kind=AccountKind.REGIONAL,
            region=region,
            redirect_to=accounts["care"],
        )["id"]
    team_id = admin.create_team(db, brand_id, "Service client")
    for email, name, role in (
        ("lea@demo.comptoir", "Léa Martin", "agent"),
        ("sam@demo.comptoir", "Sam Carter", "agent"),
        ("nadia@demo.comptoir", "Nadia Benali", "supervisor"),
    ):
        admin.create_agent(db, brand_ids=[brand_id], email=email, name=name, role=role, team_ids=[team_id])
    token = admin.create_token(db, brand_id, label="demo")
    db.dispose()
    return {"brand_id": brand_id, "accounts": accounts, "token": token}


def stream_corpus(base_url: str, demo: dict[str, Any], speed: float, stop: threading.Event) -> None:
    corpus = load_demo_corpus()
    headers = {"Authorization": f"Bearer {demo['token']}"}
    start = time.monotonic()
    sent = errors = 0
    with httpx.Client(base_url=base_url, headers=headers, timeout=10) as client:
        for item in corpus:
            due = start + float(item.get("delay_s", 0)) / speed
            if stop.wait(max(0.0, due - time.monotonic())):
                return
            account_id = demo["accounts"].get(item.get("account", "care"), demo["accounts"]["care"])
            body = {k: v for k, v in item.items() if k not in DEMO_ONLY_FIELDS}
            try:
                response = client.post(f"/api/v1/accounts/{account_id}/messages", json=body)
                sent += 1
                if response.status_code not in (200, 202):
                    errors += 1
                    typer.echo(
                        f"demo: message {body.get('external_id')} refused: {response.text[:200]}", err=True
                    )
            except httpx.HTTPError as exc:
                errors += 1
                typer.echo(f"demo: could not post: {exc}", err=True)
    typer.echo(f"demo: corpus streamed: {sent} messages sent, {errors} errors", err=True)


def demo(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    speed: float = typer.Option(1.0, help="Stream the corpus this many times faster (1 = about 4 minutes)."),
    data_dir: Path = typer.Option(
        Path("var/demo"), help="Where the demo's SQLite database lives (recreated)."
    ),
) -> None:
    """Start Comptoir on SQLite with a demo brand and demo messages flowing in through the HTTP API."""
    import uvicorn

    from comptoir.web.app import create_app

    configure_logging()
    data_dir.mkdir(parents=True, exist_ok=True)
    database = data_dir / "comptoir-demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    settings = get_settings().model_copy(
        update={"data_dir": data_dir, "database_url": f"sqlite:///{database}"}
    )
    info = setup_demo(settings)
    base_url = f"http://{host}:{port}"
    typer.echo(
        "\n".join(
            [
                "",
                "Comptoir demo",
                f"  Open:       {base_url}/",
                f"  API docs:   {base_url}/docs",
                f"  API token:  {info['token']}",
                f"  Accounts:   {json.dumps(info['accounts'])}",
                "  Demo messages stream in over the next few minutes. Ctrl-C to stop.",
                "",
            ]
        )
    )
    stop = threading.Event()
    app = create_app(build_runtime(settings))
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))

    def feed() -> None:
        while not server.started and not stop.is_set():
            time.sleep(0.1)
        stream_corpus(base_url, info, speed, stop)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        server.run()
    finally:
        stop.set()
