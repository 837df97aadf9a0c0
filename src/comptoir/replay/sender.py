"""Send replay items through the public ingestion API: paced or as fast as the server takes them.

One producer walks the (streaming) source, paces it with :class:`~comptoir.replay.timing.Pacer`, groups
items into batches and puts them on a bounded queue; ``concurrency`` workers POST them over one keep-alive
``httpx`` client. Connection errors, timeouts, 429 and 5xx are retried with exponential backoff and jitter —
safe because ingestion is idempotent on (account, external_id); any other 4xx is final and counted as errors.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from comptoir.clock import isoformat_z, now
from comptoir.errors import ValidationFailed
from comptoir.replay.sources import InvalidRecord, ReplayItem
from comptoir.replay.timing import Pacer

MAX_BATCH = 1000
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class ReplayOptions:
    """How to replay. ``speed`` None means ``--speed max``; ``batch`` 1 posts single objects, more posts
    arrays."""

    speed: float | None = None
    batch: int = 1
    concurrency: int = 8
    max_retries: int = 10  # with the backoff below: about 30 to 60 s of patience (a server restart)
    backoff_s: float = 0.25
    max_backoff_s: float = 10.0
    timeout_s: float = 30.0
    max_gap_s: float | None = None
    limit: int | None = None
    keep_errors: int = 5
    restamp: bool = False  # replace each sent_at by the moment of sending (an old stream looks live)

    def __post_init__(self) -> None:
        if not 1 <= self.batch <= MAX_BATCH:
            raise ValidationFailed(f"--batch must be between 1 and {MAX_BATCH}, got {self.batch}")
        if self.concurrency < 1:
            raise ValidationFailed(f"--concurrency must be at least 1, got {self.concurrency}")
        if self.max_retries < 0:
            raise ValidationFailed("--retries must be >= 0")
        if self.limit is not None and self.limit < 0:
            raise ValidationFailed("--limit must be >= 0")


@dataclass
class ReplaySummary:
    """Counts of a replay. ``sent`` counts messages posted (each once, however many retries); ``errors``
    counts messages not stored: final HTTP failures plus ``invalid`` records that could not be read."""

    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    errors: int = 0
    invalid: int = 0
    retries: int = 0
    requests: int = 0
    elapsed_s: float = 0.0
    error_samples: list[str] = field(default_factory=list)
    keep_errors: int = 5

    @property
    def rate_per_s(self) -> float:
        done = self.accepted + self.duplicates
        return done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def note_error(self, message: str) -> None:
        if len(self.error_samples) < self.keep_errors:
            self.error_samples.append(message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "errors": self.errors,
            "invalid": self.invalid,
            "retries": self.retries,
            "requests": self.requests,
            "elapsed_s": round(self.elapsed_s, 3),
            "rate_per_s": round(self.rate_per_s, 1),
            "error_samples": list(self.error_samples),
        }


AccountChoice = str | Mapping[str, str]


def _account_resolver(account: AccountChoice, default: str | None = None) -> Callable[[ReplayItem], str]:
    if isinstance(account, str):
        return lambda item: account
    mapping = dict(account)

    def resolve(item: ReplayItem) -> str:
        if item.account is not None and item.account in mapping:
            return mapping[item.account]
        if default is not None:
            return default
        if item.account is None or item.account not in mapping:
            raise ValidationFailed(
                f"line {item.line}: no account id for account label {item.account!r} "
                f"(known labels: {', '.join(sorted(mapping)) or 'none'})"
            )
        return mapping[item.account]

    return resolve


@dataclass(frozen=True, slots=True)
class _Job:
    account_id: str
    items: tuple[ReplayItem, ...]
    as_array: bool


def messages_path(account_id: str) -> str:
    return f"/api/v1/accounts/{account_id}/messages"


def _backoff(options: ReplayOptions, attempt: int, retry_after: str | None) -> float:
    delay = min(options.max_backoff_s, options.backoff_s * (2 ** (attempt - 1)))
    delay *= 0.5 + random.random() / 2  # jitter, not security
    if retry_after is not None:
        try:
            delay = max(delay, min(float(retry_after), 60.0))
        except ValueError:
            pass
    return delay


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
        error = body.get("error", {}) if isinstance(body, dict) else {}
        if isinstance(error, dict) and error:
            return f"{error.get('code')}: {error.get('message')}"
    except ValueError:
        pass
    return response.text[:200]


class _Replayer:
    def __init__(
        self,
        client: httpx.AsyncClient,
        token: str,
        options: ReplayOptions,
        summary: ReplaySummary,
        on_progress: Callable[[ReplaySummary], None] | None,
    ) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.options = options
        self.summary = summary
        self.on_progress = on_progress

    def _progress(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.summary)

    def _count_success(self, job: _Job, response: httpx.Response) -> None:
        summary = self.summary
        try:
            body = response.json()
        except ValueError:
            body = None
        if job.as_array:
            results = body.get("results") if isinstance(body, dict) else None
            if not isinstance(results, list):
                summary.accepted += len(job.items)
                return
            for result in results:
                status = result.get("status") if isinstance(result, dict) else None
                if status == "duplicate":
                    summary.duplicates += 1
                elif status == "accepted":
                    summary.accepted += 1
                else:
                    summary.errors += 1
                    summary.note_error(f"batch item {result!r}: unexpected status")
            missing = len(job.items) - len(results)
            if missing > 0:
                summary.errors += missing
                summary.note_error(f"batch of {len(job.items)}: only {len(results)} results returned")
            return
        status = body.get("status") if isinstance(body, dict) else None
        if status == "duplicate" or (status is None and response.status_code == 200):
            summary.duplicates += 1
        else:
            summary.accepted += 1

    async def send(self, job: _Job) -> None:
        options, summary = self.options, self.summary
        payloads = [item.payload for item in job.items]
        if options.restamp:
            stamp = isoformat_z(now())
            payloads = [{**payload, "sent_at": stamp} for payload in payloads]
        content = orjson.dumps(payloads if job.as_array else payloads[0])
        first = job.items[0]
        where = f"message {first.external_id!r} (line {first.line})"
        if job.as_array:
            where = f"batch of {len(job.items)} from {where}"
        summary.sent += len(job.items)
        attempt = 0
        while True:
            retry_after: str | None = None
            summary.requests += 1
            try:
                response = await self.client.post(
                    messages_path(job.account_id), content=content, headers=self.headers
                )
            except httpx.TransportError as error:
                failure = f"{where}: {type(error).__name__}: {error}"
            else:
                if response.status_code < 300:
                    self._count_success(job, response)
                    self._progress()
                    return
                failure = f"{where}: HTTP {response.status_code} {_error_text(response)}"
                if response.status_code not in RETRYABLE_STATUS:
                    summary.errors += len(job.items)
                    summary.note_error(failure)
                    self._progress()
                    return
                retry_after = response.headers.get("retry-after")
            attempt += 1
            if attempt > options.max_retries:
                summary.errors += len(job.items)
                summary.note_error(f"{failure} (gave up after {options.max_retries} retries)")
                self._progress()
                return
            summary.retries += 1
            await asyncio.sleep(_backoff(options, attempt, retry_after))

    async def worker(self, queue: asyncio.Queue[_Job | None]) -> None:
        while True:
            job = await queue.get()
            if job is None:
                return
            await self.send(job)

    async def produce(
        self,
        items: Iterable[ReplayItem | InvalidRecord],
        resolve: Callable[[ReplayItem], str],
        queue: asyncio.Queue[_Job | None],
        start: float,
    ) -> None:
        options, summary = self.options, self.summary
        loop = asyncio.get_running_loop()
        pacer = Pacer(speed=options.speed, max_gap_s=options.max_gap_s)
        pending: list[ReplayItem] = []
        pending_account: str | None = None
        taken = 0

        async def flush() -> None:
            nonlocal pending, pending_account
            if pending and pending_account is not None:
                await queue.put(_Job(pending_account, tuple(pending), as_array=options.batch > 1))
            pending, pending_account = [], None

        for entry in items:
            if isinstance(entry, InvalidRecord):
                summary.invalid += 1
                summary.errors += 1
                summary.note_error(entry.reason)
                self._progress()
                continue
            if options.limit is not None and taken >= options.limit:
                break
            taken += 1
            account_id = resolve(entry)
            due = start + pacer.offset(entry.sent_at, entry.delay_s)
            wait = due - loop.time()
            if wait > 0:
                await flush()
                await asyncio.sleep(wait)
            if pending and account_id != pending_account:
                await flush()
            pending.append(entry)
            pending_account = account_id
            if len(pending) >= options.batch:
                await flush()
        await flush()


async def replay_items(
    items: Iterable[ReplayItem | InvalidRecord],
    *,
    url: str,
    token: str,
    account: AccountChoice,
    options: ReplayOptions | None = None,
    on_progress: Callable[[ReplaySummary], None] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    default_account: str | None = None,
) -> ReplaySummary:
    """Send ``items`` to ``{url}/api/v1/accounts/{account}/messages`` and return the counts.

    ``account`` is one account id for every item, or a mapping from the items' account labels (demo corpus:
    "corporate", "care", "region-north", "region-south") to account ids; with a mapping, items whose label
    is missing or unknown go to ``default_account`` (an error when it is None). ``transport`` is for
    in-process servers.
    """
    options = options or ReplayOptions()
    summary = ReplaySummary(keep_errors=options.keep_errors)
    resolve = _account_resolver(account, default_account)
    limits = httpx.Limits(max_connections=options.concurrency, max_keepalive_connections=options.concurrency)
    started = time.perf_counter()
    async with httpx.AsyncClient(
        base_url=url.rstrip("/"),
        limits=limits,
        timeout=httpx.Timeout(options.timeout_s),
        transport=transport,
    ) as client:
        replayer = _Replayer(client, token, options, summary, on_progress)
        queue: asyncio.Queue[_Job | None] = asyncio.Queue(maxsize=options.concurrency * 2)
        workers = [asyncio.create_task(replayer.worker(queue)) for _ in range(options.concurrency)]
        try:
            await replayer.produce(items, resolve, queue, asyncio.get_running_loop().time())
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
    summary.elapsed_s = time.perf_counter() - started
    return summary


def run_replay(
    items: Iterable[ReplayItem | InvalidRecord],
    *,
    url: str,
    token: str,
    account: AccountChoice,
    options: ReplayOptions | None = None,
    on_progress: Callable[[ReplaySummary], None] | None = None,
    default_account: str | None = None,
) -> ReplaySummary:
    """Blocking form of :func:`replay_items` (runs its own event loop)."""
    return asyncio.run(
        replay_items(
            items,
            url=url,
            token=token,
            account=account,
            options=options,
            on_progress=on_progress,
            default_account=default_account,
        )
    )
