"""`comptoir demo`: a demo brand with four accounts, agents and a team, on SQLite, with the demo corpus
streamed in through the public HTTP ingestion path over a few minutes."""

from __future__ import annotations

import json
import secrets
import threading
import time
from pathlib import Path
from typing import Any

import typer

from comptoir.actions import admin
from comptoir.commands.server import configure_logging
from comptoir.demo import DEMO_ACCOUNTS, DEMO_BRAND_NAME, demo_replay_items
from comptoir.domain.enums import AccountKind, Platform
from comptoir.replay.sender import ReplayOptions, run_replay
from comptoir.replay.sources import ReplayItem
from comptoir.replies.library import seed_starter_templates
from comptoir.runtime import build_runtime
from comptoir.settings import Settings, get_settings
from comptoir.web.ui.people import agent_id_by_email, set_password


def setup_demo(settings: Settings) -> dict[str, Any]:
    """Create the demo brand, its four accounts (family: corporate, care, two regions), a team and agents."""
    runtime = build_runtime(settings)
    db = runtime.db
    brand_id = admin.create_brand(db, DEMO_BRAND_NAME)
    accounts: dict[str, int] = {}
    for spec in sorted(
        DEMO_ACCOUNTS, key=lambda s: s.kind != AccountKind.CARE
    ):  # care first: redirect target
        accounts[str(spec.label)] = int(
            admin.create_account(
                db,
                brand_id=brand_id,
                platform=Platform.API,
                handle=f"@{spec.handle}",
                kind=spec.kind,
                region=spec.region,
                redirect_to=accounts.get("care") if spec.kind == AccountKind.REGIONAL else None,
            )["id"]
        )
    team_id = admin.create_team(db, brand_id, "Service client")
    for email, name, role in DEMO_AGENTS:
        admin.create_agent(db, brand_ids=[brand_id], email=email, name=name, role=role, team_ids=[team_id])
    token = admin.create_token(db, brand_id, label="demo")
    # First run: the demo agent can log in at once (its password is printed), and replies have templates.
    login = {"email": DEMO_AGENTS[0][0], "password": secrets.token_urlsafe(9)}
    for email, _name, _role in DEMO_AGENTS:
        agent_id = agent_id_by_email(db, email)
        if agent_id is not None:
            set_password(db, agent_id, login["password"])
    seed_starter_templates(db, brand_id)
    db.dispose()
    return {"brand_id": brand_id, "accounts": accounts, "token": token, "login": login}


DEMO_AGENTS = (
    ("lea@demo.comptoir", "Léa Martin", "agent"),
    ("sam@demo.comptoir", "Sam Carter", "agent"),
    ("nadia@demo.comptoir", "Nadia Benali", "supervisor"),
)


def stream_corpus(
    base_url: str, demo: dict[str, Any], speed: float, items: list[ReplayItem] | None = None
) -> None:
    """Send the demo corpus (or ``items``) through the public ingestion API, paced by its delays."""
    summary = run_replay(
        demo_replay_items() if items is None else items,
        url=base_url,
        token=demo["token"],
        account={label: str(account_id) for label, account_id in demo["accounts"].items()},
        options=ReplayOptions(speed=speed, concurrency=1, restamp=True),
    )
    result = summary.to_dict()
    typer.echo(
        f"demo: corpus streamed: {result['accepted']} accepted, {result['duplicates']} duplicates, "
        f"{result['errors']} errors",
        err=True,
    )


def demo(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    speed: float = typer.Option(1.0, help="Stream the corpus this many times faster (1 = about 4 minutes)."),
    data_dir: Path = typer.Option(
        Path("var/demo"), help="Where the demo's SQLite database lives (recreated)."
    ),
    simulators: bool = typer.Option(
        True,
        "--simulators/--no-simulators",
        help="Start the Meta and X simulators (ports PORT+81, PORT+82): the care account's social "
        "messages arrive as signed webhooks, and agents' replies appear in the simulators' timelines. "
        "Without them, the whole corpus goes through the generic HTTP API.",
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
    platform: dict[str, Any] | None = None
    if simulators:
        from comptoir.simulators.demo_feed import setup_platform_accounts

        setup_runtime = build_runtime(settings)
        platform = setup_platform_accounts(setup_runtime.db, settings, info["brand_id"])
        setup_runtime.db.dispose()
    typer.echo(
        "\n".join(
            [
                "",
                "Comptoir demo",
                f"  Open:       {base_url}/",
                f"  Log in:     {info['login']['email']} / {info['login']['password']}"
                " (same password for sam@ and nadia@demo.comptoir)",
                f"  API docs:   {base_url}/docs",
                f"  API token:  {info['token']}",
                f"  Accounts:   {json.dumps(info['accounts'])}",
                "  Demo messages stream in over the next few minutes. Ctrl-C to stop.",
                "",
            ]
        )
    )
    if platform is not None:
        typer.echo(
            f"  Simulators: Meta http://{host}:{port + 81}/_sim/timeline, X http://{host}:{port + 82}/_sim/timeline"
            f" (accounts {json.dumps(platform['accounts'])})\n"
        )
    stop = threading.Event()
    app = create_app(build_runtime(settings))
    # Open event streams (the workspace's live updates) never end by themselves: stop them after 2 s on Ctrl-C.
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2)
    )

    def feed() -> None:
        while not server.started and not stop.is_set():
            time.sleep(0.1)
        if stop.is_set():
            return
        if platform is None:
            stream_corpus(base_url, info, speed)
            return
        from comptoir.simulators.demo_feed import feed as feed_simulators
        from comptoir.simulators.demo_feed import is_simulated, running_simulators

        items = demo_replay_items()
        with running_simulators(base_url, platform, meta_port=port + 81, x_port=port + 82) as sims:
            via_api = threading.Thread(
                target=stream_corpus,
                args=(base_url, info, speed, [i for i in items if not is_simulated(i)]),
                daemon=True,
            )
            via_api.start()
            sent = feed_simulators(sims, [i for i in items if is_simulated(i)], speed=speed, stop=stop)
            typer.echo(f"demo: {sent} messages sent as signed webhooks by the simulators", err=True)
            via_api.join()
            stop.wait()  # keep the simulators up (agents' replies go to them) until the demo stops

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        server.run()
    finally:
        stop.set()
