"""`comptoir simulate meta|x`: run a platform simulator on loopback against a Comptoir webhook URL."""

from __future__ import annotations

import threading
import time

import typer
import uvicorn

from comptoir.simulators.common import SimulatorBase
from comptoir.simulators.meta import MetaSimConfig, MetaSimulator
from comptoir.simulators.x import XSimConfig, XSimulator

app = typer.Typer(
    help="Local platform simulators (signed webhooks to Comptoir, send APIs for it).", no_args_is_help=True
)


def _serve(simulator: SimulatorBase, host: str, port: int, greet: str | None) -> None:
    config = uvicorn.Config(simulator.app, host=host, port=port, log_level="info", lifespan="off")
    server = uvicorn.Server(config)

    def after_start() -> None:
        while not server.started:
            time.sleep(0.05)
        typer.echo(f"{simulator.name} simulator on http://{host}:{port}  (timeline: /_sim/timeline)")
        if greet == "handshake" and isinstance(simulator, MetaSimulator):
            ok, status, _ = simulator.handshake()
            typer.echo(f"hub.* handshake with Comptoir: {'ok' if ok else f'FAILED ({status})'}")
        if greet == "crc" and isinstance(simulator, XSimulator):
            typer.echo(f"CRC with Comptoir: {'ok' if simulator.crc_check() else 'FAILED'}")

    if greet:
        threading.Thread(target=after_start, daemon=True).start()
    try:
        server.run()
    finally:
        simulator.close()


@app.command("meta")
def meta(
    port: int = typer.Option(8081, envvar="COMPTOIR_SIM_META_PORT", help="Port on loopback."),
    comptoir: str = typer.Option(
        ...,
        envvar="COMPTOIR_SIM_META_WEBHOOK",
        help="Comptoir's webhook URL, e.g. http://127.0.0.1:8000/webhooks/meta/1",
    ),
    app_secret: str = typer.Option(
        ..., envvar="COMPTOIR_SIM_META_APP_SECRET", help="Meta app secret (signs webhooks)."
    ),
    verify_token: str = typer.Option(
        "verify-me", envvar="COMPTOIR_SIM_META_VERIFY_TOKEN", help="hub.verify_token."
    ),
    page_id: str = typer.Option("1122334455", help="The Facebook Page id (entry id of page notifications)."),
    ig_account_id: str = typer.Option("17841400000000001", help="The Instagram professional account id."),
    access_token: str | None = typer.Option(
        None, envvar="COMPTOIR_SIM_META_ACCESS_TOKEN", help="Required token."
    ),
    retry: str = typer.Option(
        "1,5,30", help="Redelivery delays in seconds after a non-2xx, comma-separated."
    ),
    handshake: bool = typer.Option(True, help="Perform the hub.* handshake against Comptoir at start."),
    host: str = typer.Option("127.0.0.1", help="Bind address (loopback)."),
) -> None:
    """Simulate Meta (Facebook Page + Messenger, Instagram)."""
    config = MetaSimConfig(
        app_secret=app_secret,
        verify_token=verify_token,
        webhook_url=comptoir,
        page_id=page_id,
        ig_account_id=ig_account_id,
        access_token=access_token,
        retry_delays=tuple(float(delay) for delay in retry.split(",") if delay.strip()),
    )
    _serve(MetaSimulator(config), host, port, "handshake" if handshake else None)


@app.command("x")
def x(
    port: int = typer.Option(8082, envvar="COMPTOIR_SIM_X_PORT", help="Port on loopback."),
    comptoir: str = typer.Option(
        ...,
        envvar="COMPTOIR_SIM_X_WEBHOOK",
        help="Comptoir's webhook URL, e.g. http://127.0.0.1:8000/webhooks/x/2",
    ),
    app_secret: str = typer.Option(
        ...,
        "--app-secret",
        "--consumer-secret",
        envvar="COMPTOIR_SIM_X_CONSUMER_SECRET",
        help="X consumer secret.",
    ),
    user_id: str = typer.Option("2244994945", help="The brand's X user id (for_user_id)."),
    screen_name: str = typer.Option("YourBrand", help="The brand's handle."),
    access_token: str | None = typer.Option(
        None, envvar="COMPTOIR_SIM_X_ACCESS_TOKEN", help="Required bearer."
    ),
    retry: str = typer.Option("", help="Redelivery delays after a non-2xx (X documents none)."),
    crc: bool = typer.Option(True, help="Run a CRC against Comptoir at start."),
    host: str = typer.Option("127.0.0.1", help="Bind address (loopback)."),
) -> None:
    """Simulate X (Account Activity webhooks, v2 posts, DMs and mentions)."""
    config = XSimConfig(
        consumer_secret=app_secret,
        webhook_url=comptoir,
        brand_user_id=user_id,
        brand_screen_name=screen_name,
        access_token=access_token,
        retry_delays=tuple(float(delay) for delay in retry.split(",") if delay.strip()),
    )
    _serve(XSimulator(config), host, port, "crc" if crc else None)
