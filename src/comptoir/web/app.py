"""The ASGI application factory. Starts in-process job runners (always on SQLite) and the PostgreSQL listener."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from comptoir import __version__
from comptoir.jobs.worker import Worker, start_in_threads
from comptoir.runtime import Runtime, build_runtime
from comptoir.web import pages, ui
from comptoir.web.api import accounts, agents, conversations, ingest
from comptoir.web.api.group_commit import GroupCommitter
from comptoir.web.auth import TokenCache
from comptoir.web.channel_actions import router as channel_actions_router
from comptoir.web.errors import install_error_handlers
from comptoir.web.webchat import router as webchat_router
from comptoir.web.webhooks import WebhookFastPath
from comptoir.web.webhooks import router as webhooks_router

log = logging.getLogger(__name__)


def create_app(runtime: Runtime | None = None, *, run_jobs: bool | None = None) -> FastAPI:
    """Build the app. ``run_jobs`` defaults to settings.inprocess_workers > 0 (and is forced on SQLite)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = app.state.runtime
        workers: list[Worker] = []
        stop = threading.Event()
        count = rt.settings.inprocess_workers
        if rt.db.is_sqlite:
            count = 1
        if run_jobs is False:
            count = 0
        timers = None
        if count:
            from comptoir.jobs.timers import start_timer_thread

            workers = start_in_threads(rt, count)
            timers = start_timer_thread(rt)
        if not rt.db.is_sqlite:
            from comptoir.jobs.listener import start_listener

            start_listener(rt.db.url, stop)
        try:
            yield
        finally:
            stop.set()
            for worker in workers:
                worker.stop()
            if timers is not None:
                timers.stop()

    app = FastAPI(
        title="Comptoir",
        version=__version__,
        description="Social customer care desk: ingestion, conversations, replies.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime or build_runtime()
    app.state.token_cache = TokenCache()
    app.state.group_committer = GroupCommitter(app.state.runtime.db)
    app.state.account_brands = {}
    install_error_handlers(app)
    app.include_router(ingest.router)
    app.include_router(conversations.router)
    app.include_router(accounts.router)
    app.include_router(agents.router)
    app.include_router(pages.router)
    app.include_router(webhooks_router)
    app.include_router(webchat_router)
    app.include_router(channel_actions_router)
    app.add_middleware(WebhookFastPath)
    ui.install(app)
    return app
