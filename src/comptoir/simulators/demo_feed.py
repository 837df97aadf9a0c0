"""`comptoir demo --simulators`: the care account's social messages arrive as signed X and Meta webhooks.

:func:`setup_platform_accounts` registers a Meta app and an X app and the brand's Facebook Page,
Instagram account and X handle (the simulators' default ids); :func:`running_simulators` starts both
simulators on loopback, pointed at Comptoir's webhook routes, and points Comptoir's connectors at them
(agents' replies then show in ``GET /_sim/timeline``); :func:`feed` plays the corpus items through them,
paced by their delays: X mentions and replies in threads, X DMs, Messenger, Instagram DMs, Facebook and
Instagram comments (threaded under the comments they answer).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from comptoir.actions import admin
from comptoir.channels.apps import create_platform_app
from comptoir.channels.registry import ConnectorConfig, configure
from comptoir.domain.enums import AccountKind, Platform
from comptoir.replay.sources import ReplayItem
from comptoir.secrets import encrypt
from comptoir.settings import Settings
from comptoir.simulators.common import serving
from comptoir.simulators.meta import MetaSimConfig, MetaSimulator
from comptoir.simulators.x import XSimConfig, XSimulator
from comptoir.store.db import Database

log = logging.getLogger(__name__)

SIMULATED_CHANNELS = frozenset({"x", "x_dm", "messenger", "ig_dm", "fb", "ig"})
META_SECRET = "demo-meta-app-secret"
VERIFY_TOKEN = "demo-verify-token"
X_SECRET = "demo-x-consumer-secret"
ACCESS_TOKEN = "demo-access-token"
PAGE_ID = "1122334455"
IG_ID = "17841400000000001"
X_USER_ID = "2244994945"


def is_simulated(item: ReplayItem) -> bool:
    """Inbound social messages of the care account go through the simulators; the rest through the API."""
    payload = item.payload
    raw = payload.get("raw") if isinstance(payload.get("raw"), dict) else {}
    return (
        item.account == "care"
        and payload.get("direction") == "inbound"
        and str((raw or {}).get("channel")) in SIMULATED_CHANNELS
    )


def numeric_id(value: str) -> str:
    """Platforms use numeric user ids: a stable one per corpus author."""
    return str(10**9 + int(hashlib.sha256(value.encode()).hexdigest()[:10], 16) % 10**9)


def setup_platform_accounts(db: Database, settings: Settings, brand_id: int) -> dict[str, Any]:
    token = encrypt(ACCESS_TOKEN, settings)
    meta = create_platform_app(
        db,
        settings,
        platform="meta",
        name="Lumeo Meta (simulated)",
        secrets={"app_secret": META_SECRET, "verify_token": VERIFY_TOKEN},
    )
    x = create_platform_app(
        db,
        settings,
        platform="x",
        name="Lumeo X (simulated)",
        secrets={"consumer_key": "demo-consumer-key", "consumer_secret": X_SECRET},
    )
    accounts = {}
    for platform, external_id, handle, app in (
        (Platform.FACEBOOK, PAGE_ID, "Lumeo Care (Page)", meta["id"]),
        (Platform.INSTAGRAM, IG_ID, "lumeocare", meta["id"]),
        (Platform.X, X_USER_ID, "@LumeoCare", x["id"]),
    ):
        accounts[platform.value] = int(
            admin.create_account(
                db,
                brand_id=brand_id,
                platform=platform,
                handle=handle,
                external_id=external_id,
                kind=AccountKind.CARE,
                app_id=app,
                access_token_enc=token,
            )["id"]
        )
    return {"apps": {"meta": meta["id"], "x": x["id"]}, "accounts": accounts}


@dataclass
class DemoSimulators:
    meta: MetaSimulator
    x: XSimulator
    meta_url: str
    x_url: str
    ids: dict[str, str] = field(default_factory=dict)  # corpus external id -> platform id


@contextmanager
def running_simulators(
    comptoir_url: str, platform: dict[str, Any], *, meta_port: int = 0, x_port: int = 0
) -> Iterator[DemoSimulators]:
    apps = platform["apps"]
    with ExitStack() as stack:
        meta = MetaSimulator(
            MetaSimConfig(
                app_secret=META_SECRET,
                verify_token=VERIFY_TOKEN,
                page_id=PAGE_ID,
                ig_account_id=IG_ID,
                page_name="Lumeo Care",
                ig_username="lumeocare",
                access_token=ACCESS_TOKEN,
                webhook_url=f"{comptoir_url}/webhooks/meta/{apps['meta']}",
            )
        )
        stack.callback(meta.close)
        xsim = XSimulator(
            XSimConfig(
                consumer_secret=X_SECRET,
                webhook_url=f"{comptoir_url}/webhooks/x/{apps['x']}",
                brand_user_id=X_USER_ID,
                brand_screen_name="LumeoCare",
                brand_name="Lumeo Care",
                access_token=ACCESS_TOKEN,
            )
        )
        stack.callback(xsim.close)
        meta_url = stack.enter_context(serving(meta.app, port=meta_port))
        x_url = stack.enter_context(serving(xsim.app, port=x_port))
        configure(ConnectorConfig(meta_graph_url=f"{meta_url}/v25.0", x_api_url=x_url))
        stack.callback(configure, ConnectorConfig.from_settings())
        yield DemoSimulators(meta, xsim, meta_url, x_url)


def send_one(sims: DemoSimulators, item: ReplayItem) -> str:
    """Play one corpus message through its simulator; returns the platform id it got."""
    payload = item.payload
    channel = str(payload["raw"]["channel"])
    author = payload["author"]
    user_id = numeric_id(str(author["external_id"]))
    name = author.get("name") or author.get("handle") or user_id
    screen = str(author.get("handle") or f"user{user_id}").lstrip("@")
    text = str(payload["text"])
    parent = sims.ids.get(str(payload.get("in_reply_to") or ""))
    if channel == "x":
        sims.x.user(
            user_id,
            screen,
            name=name,
            followers=author.get("followers") or 0,
            verified=bool(author.get("verified")),
        )
        if parent:
            return sims.x.customer_replies(text, in_reply_to=parent, user_id=user_id, screen_name=screen)
        return sims.x.customer_mentions(
            text,
            user_id=user_id,
            screen_name=screen,
            followers=author.get("followers") or 0,
            verified=bool(author.get("verified")),
        )
    if channel == "x_dm":
        return sims.x.customer_sends_dm(text, user_id=user_id, screen_name=screen, name=name)
    if channel in ("messenger", "ig_dm"):
        platform = "instagram" if channel == "ig_dm" else "facebook"
        sims.meta.customer(
            user_id, platform=platform, name=name, username=screen, followers=author.get("followers") or 0
        )
        return sims.meta.customer_sends_dm(user_id, text, platform=platform)
    platform = "instagram" if channel == "ig" else "facebook"
    parent_comment = parent if parent in sims.meta.comments else None
    return sims.meta.customer_comments(
        text, user_id=user_id, name=name, platform=platform, parent_id=parent_comment
    )


def feed(
    sims: DemoSimulators,
    items: Sequence[ReplayItem],
    *,
    speed: float = 1.0,
    stop: threading.Event | None = None,
) -> int:
    """Send ``items`` through the simulators, paced by ``delay_s / speed``; returns how many were sent."""
    start = time.monotonic()
    sent = 0
    for item in items:
        if stop is not None and stop.is_set():
            break
        wait = start + (item.delay_s or 0.0) / max(speed, 1e-6) - time.monotonic()
        if wait > 0:
            if stop is None:
                time.sleep(wait)
            elif stop.wait(wait):
                break
        try:
            sims.ids[str(item.payload["external_id"])] = send_one(sims, item)
            sent += 1
        except Exception:  # one odd message must not stop the demo
            log.exception("demo: could not send %s through the simulator", item.payload.get("external_id"))
    return sent
