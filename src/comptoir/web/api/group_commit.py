"""Group commit for ingestion: concurrent requests share one transaction.

Each request still gets its answer only after the commit that stored its messages. While one transaction
is being written, the requests that arrive queue up and go together into the next one, so a busy server
commits (and fsyncs) once per group instead of once per message, and an idle server adds no delay. If a
group fails, each request of the group is retried alone, so one bad request cannot fail its neighbours.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from starlette.concurrency import run_in_threadpool

from comptoir.actions.ingest import IngestOutcome, ingest
from comptoir.domain.models import InboundMessage
from comptoir.store.db import Database

log = logging.getLogger(__name__)

Pending = tuple[Sequence[InboundMessage], "asyncio.Future[list[IngestOutcome]]"]


class GroupCommitter:
    def __init__(self, db: Database, max_messages: int = 2000) -> None:
        self.db = db
        self.max_messages = max_messages
        self._queue: asyncio.Queue[Pending] | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def submit(self, messages: Sequence[InboundMessage]) -> list[IngestOutcome]:
        loop = asyncio.get_running_loop()
        if self._queue is None or self._task is None or self._task.done() or self._loop is not loop:
            self._loop = loop
            self._queue = asyncio.Queue()
            self._task = loop.create_task(self._run(self._queue))
        future: asyncio.Future[list[IngestOutcome]] = loop.create_future()
        await self._queue.put((messages, future))
        return await future

    async def _run(self, queue: asyncio.Queue[Pending]) -> None:
        while True:
            group = [await queue.get()]
            size = len(group[0][0])
            while not queue.empty() and size < self.max_messages:
                item = queue.get_nowait()
                group.append(item)
                size += len(item[0])
            await self._commit(group)

    async def _commit(self, group: list[Pending]) -> None:
        messages = [message for batch, _ in group for message in batch]
        try:
            outcomes = await run_in_threadpool(ingest, self.db, messages)
        except Exception as exc:
            if len(group) == 1:
                _, future = group[0]
                if not future.done():
                    future.set_exception(exc)
                return
            log.warning("group commit of %s requests failed; retrying them one by one", len(group))
            for item in group:
                await self._commit([item])
            return
        offset = 0
        for batch, future in group:
            if not future.done():
                future.set_result(outcomes[offset : offset + len(batch)])
            offset += len(batch)

