"""Parts shared by the platform simulators: webhook delivery, faults, rate limits, timeline, server thread."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from comptoir import clock

SIGNATURE_MODES = ("valid", "missing", "forged", "truncated", "other_secret")


def encode(payload: dict[str, Any]) -> bytes:
    """Serialise as the platforms do: ASCII with ``\\uXXXX`` escapes (Meta signs exactly those bytes)."""
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode("ascii")


# --------------------------------------------------------------------------------------------------
# Webhook delivery: signed POSTs, redelivery on non-2xx, duplicates, hold and reorder
# --------------------------------------------------------------------------------------------------


@dataclass
class DeliveryRecord:
    id: int
    body: str
    attempts: list[str] = field(default_factory=list)  # "200", "500", "error: ConnectError", ...
    delivered: bool = False


class WebhookSender:
    """POSTs signed bodies to Comptoir; retries per ``retry_delays``; can duplicate, hold and reorder.

    ``sign(body) -> headers`` is given by the platform simulator (it applies the signature mode).
    Deliveries either run in the caller's thread (``wait=True``) or on one background worker thread, in
    order; :meth:`drain` waits for the worker.
    """

    def __init__(
        self,
        url: str | None,
        sign: Callable[[bytes], dict[str, str]],
        *,
        retry_delays: Sequence[float] = (),
        timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.sign = sign
        self.retry_delays = tuple(retry_delays)
        self.duplicate = False
        self.records: list[DeliveryRecord] = []
        self._ids = itertools.count(1)
        self._held: list[bytes] | None = None
        self._queue: deque[bytes] = deque()
        self._lock = threading.Lock()
        self._wakeup = threading.Condition(self._lock)
        self._busy = 0
        self._client = httpx.Client(timeout=timeout)
        self._stopped = False
        self._worker = threading.Thread(target=self._run, name="sim-webhooks", daemon=True)
        self._worker.start()

    def close(self) -> None:
        with self._wakeup:
            self._stopped = True
            self._wakeup.notify_all()
        self._worker.join(timeout=2)
        self._client.close()

    def send(self, payload: dict[str, Any], *, wait: bool = True) -> list[DeliveryRecord]:
        body = encode(payload)
        with self._lock:
            if self._held is not None:
                self._held.append(body)
                return []
        copies = 2 if self.duplicate else 1
        if wait:
            return [self._deliver(body) for _ in range(copies)]
        with self._wakeup:
            for _ in range(copies):
                self._queue.append(body)
            self._wakeup.notify_all()
        return []

    def hold(self) -> None:
        """Keep deliveries back until :meth:`release` (to reorder them)."""
        with self._lock:
            if self._held is None:
                self._held = []

    def release(self, order: str = "fifo", *, seed: int = 0) -> list[DeliveryRecord]:
        """Deliver the held bodies now, in ``fifo``, ``reverse`` or ``shuffle`` order."""
        with self._lock:
            held, self._held = self._held or [], None
        if order == "reverse":
            held.reverse()
        elif order == "shuffle":
            random.Random(seed).shuffle(held)
        records: list[DeliveryRecord] = []
        for body in held:
            records.extend(self._deliver(body) for _ in range(2 if self.duplicate else 1))
        return records

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until the background queue is empty; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._wakeup:
            while self._queue or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._wakeup.wait(remaining)
        return True

    def _run(self) -> None:
        while True:
            with self._wakeup:
                while not self._queue and not self._stopped:
                    self._wakeup.wait()
                if self._stopped:
                    return
                body = self._queue.popleft()
                self._busy += 1
            try:
                self._deliver(body)
            finally:
                with self._wakeup:
                    self._busy -= 1
                    self._wakeup.notify_all()

    def _deliver(self, body: bytes) -> DeliveryRecord:
        record = DeliveryRecord(id=next(self._ids), body=body.decode("ascii"))
        with self._lock:
            self.records.append(record)
        if not self.url:
            record.attempts.append("no webhook url configured")
            return record
        for delay in (0.0, *self.retry_delays):
            if delay:
                time.sleep(delay)
            headers = {"Content-Type": "application/json", **self.sign(body)}
            try:
                response = self._client.post(self.url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                record.attempts.append(f"error: {type(exc).__name__}")
                continue
            record.attempts.append(str(response.status_code))
            if 200 <= response.status_code < 300:
                record.delivered = True
                break
        return record


# --------------------------------------------------------------------------------------------------
# Faults, rate limits, timeline
# --------------------------------------------------------------------------------------------------


@dataclass
class Fault:
    """One injected failure, consumed by the next ``count`` API calls whose path contains ``path``.

    kind: ``429`` (rate limited, with reset headers ``reset_in`` seconds ahead), ``5xx`` (``status``),
    ``timeout`` (sleep ``delay`` seconds before answering; with ``accept`` the call is processed first, as
    when the platform accepted a message but the client gave up), ``error`` (a platform error body with
    ``code``/``subcode`` and ``status``).
    """

    kind: str
    path: str = ""
    count: int = 1
    status: int = 503
    reset_in: float = 2.0
    delay: float = 5.0
    accept: bool = False
    code: int | None = None
    subcode: int | None = None
    message: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in data.items() if key in known})


class FaultInjector:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path in path:
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(fault) for fault in self._faults]


@dataclass(frozen=True)
class LimitCheck:
    allowed: bool
    limit: int
    remaining: int
    reset_epoch: int


class RateLimiter:
    """Fixed windows per key: ``limits[endpoint] = (calls, window seconds)``; clock from comptoir.clock."""

    def __init__(self, limits: dict[str, tuple[int, float]]) -> None:
        self.limits = dict(limits)
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, endpoint: str, key: str) -> LimitCheck:
        limit, window = self.limits.get(endpoint, (10**9, 900.0))
        now = clock.now().timestamp()
        with self._lock:
            start, used = self._windows.get(f"{endpoint}:{key}", (now, 0))
            if now >= start + window:
                start, used = now, 0
            allowed = used < limit
            if allowed:
                used += 1
            self._windows[f"{endpoint}:{key}"] = (start, used)
        return LimitCheck(allowed, limit, max(0, limit - used), int(start + window) + 1)

    def exhaust(self, endpoint: str, key: str, reset_in: float) -> LimitCheck:
        """Force the window of ``endpoint`` to be used up until ``reset_in`` seconds from now."""
        limit, window = self.limits.get(endpoint, (10**9, 900.0))
        now = clock.now().timestamp()
        with self._lock:
            self._windows[f"{endpoint}:{key}"] = (now + reset_in - window, limit)
        return LimitCheck(False, limit, 0, int(now + reset_in) + 1)


class Timeline:
    """What the brand posted through the simulated API, in order (the JSON timeline endpoint)."""

    def __init__(self) -> None:
        self._items: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def add(self, kind: str, **data: Any) -> dict[str, Any]:
        item = {"kind": kind, "at": clock.isoformat_z(clock.now()), **data}
        with self._lock:
            self._items.append(item)
        return item

    def items(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._items)


# --------------------------------------------------------------------------------------------------
# The shared control API and the server thread
# --------------------------------------------------------------------------------------------------


class SimulatorBase:
    """State and control endpoints common to the Meta and X simulators."""

    name = "simulator"
    app: Starlette

    def __init__(self, sender: WebhookSender, limits: dict[str, tuple[int, float]]) -> None:
        self.webhooks = sender
        self.faults = FaultInjector()
        self.limiter = RateLimiter(limits)
        self.timeline_log = Timeline()
        self.signature_mode = "valid"
        self._ids = itertools.count(int(clock.now().timestamp() * 1000) % 10**9)
        self._lock = threading.RLock()

    # -- Python API --------------------------------------------------------------------------------

    def next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def timeline(self) -> list[dict[str, Any]]:
        return self.timeline_log.items()

    def inject_fault(self, kind: str, **options: Any) -> None:
        self.faults.add(Fault(kind=kind, **options))

    def set_signature_mode(self, mode: str) -> None:
        if mode not in SIGNATURE_MODES:
            raise ValueError(f"signature mode must be one of {SIGNATURE_MODES}")
        self.signature_mode = mode

    def drain(self, timeout: float = 10.0) -> bool:
        return self.webhooks.drain(timeout)

    def close(self) -> None:
        self.webhooks.close()

    def deliver(self, payload: dict[str, Any], *, wait: bool = True) -> list[DeliveryRecord]:
        return self.webhooks.send(payload, wait=wait)

    # -- control endpoints -------------------------------------------------------------------------

    def control_routes(self) -> list[BaseRoute]:
        async def timeline(request: Request) -> Response:
            return JSONResponse({"items": self.timeline()})

        async def faults(request: Request) -> Response:
            if request.method == "DELETE":
                self.faults.clear()
                return JSONResponse({"faults": []})
            if request.method == "POST":
                self.faults.add(Fault.from_json(await request.json()))
            return JSONResponse({"faults": self.faults.pending()})

        async def deliveries(request: Request) -> Response:
            return JSONResponse({"deliveries": [asdict(record) for record in self.webhooks.records]})

        async def config(request: Request) -> Response:
            data = await request.json()
            if "signature" in data:
                self.set_signature_mode(str(data["signature"]))
            if "duplicate" in data:
                self.webhooks.duplicate = bool(data["duplicate"])
            if "retry_delays" in data:
                self.webhooks.retry_delays = tuple(float(delay) for delay in data["retry_delays"])
            if data.get("hold"):
                self.webhooks.hold()
            return JSONResponse({"signature": self.signature_mode, "duplicate": self.webhooks.duplicate})

        async def release(request: Request) -> Response:
            data = await request.json() if await request.body() else {}
            records = await asyncio.to_thread(self.webhooks.release, str(data.get("order", "fifo")))
            return JSONResponse({"delivered": [asdict(record) for record in records]})

        return [
            Route("/_sim/timeline", timeline, methods=["GET"]),
            Route("/_sim/faults", faults, methods=["GET", "POST", "DELETE"]),
            Route("/_sim/deliveries", deliveries, methods=["GET"]),
            Route("/_sim/config", config, methods=["POST"]),
            Route("/_sim/release", release, methods=["POST"]),
        ]

    async def apply_fault(self, fault: Fault) -> Response | None:
        """Answer for a 5xx / timeout fault (429 and platform errors are answered by the subclass)."""
        if fault.kind == "5xx":
            return JSONResponse({"error": "injected server error"}, status_code=fault.status)
        if fault.kind == "timeout" and not fault.accept:
            await asyncio.sleep(fault.delay)
            return JSONResponse({"error": "injected timeout"}, status_code=504)
        return None


class ServerThread:
    """Run an ASGI app with uvicorn on loopback in a daemon thread (``port=0``: any free port)."""

    def __init__(self, app: Starlette, *, host: str = "127.0.0.1", port: int = 0) -> None:
        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", lifespan="off", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="sim-server", daemon=True)
        self.host = host

    def start(self, timeout: float = 10.0) -> str:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the simulator server did not start")
            time.sleep(0.01)
        return self.url

    @property
    def port(self) -> int:
        servers = getattr(self.server, "servers", [])
        return int(servers[0].sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


@contextmanager
def serving(app: Starlette, *, port: int = 0) -> Iterator[str]:
    """``with serving(app) as url:`` run ``app`` on loopback for the duration of the block."""
    thread = ServerThread(app, port=port)
    url = thread.start()
    try:
        yield url
    finally:
        thread.stop()
