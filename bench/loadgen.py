"""A small HTTP/1.1 keep-alive load generator on asyncio streams (lighter than an HTTP client library)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    messages: int = 0
    elapsed: float = 0.0


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def post(
        self, path: str, body: bytes, token: str | None = None, headers: dict[str, str] | None = None
    ) -> int:
        assert self.reader and self.writer
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        if token is not None:
            extra += f"Authorization: Bearer {token}\r\n"
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\n{extra}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
        if length:
            await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer:
            self.writer.close()


async def closed_loop(
    host: str, port: int, path: str, token: str, make_body: Callable[[int], tuple[bytes, int]],
    connections: int, duration: float,
) -> Results:
    """``connections`` clients each send as fast as answers come back, for ``duration`` seconds."""
    results = Results()
    counter = iter(range(10**12))
    conns = [Connection(host, port) for _ in range(connections)]
    await asyncio.gather(*(c.open() for c in conns))
    start = time.perf_counter()
    end = start + duration

    async def client(conn: Connection) -> None:
        while time.perf_counter() < end:
            body, count = make_body(next(counter))
            t0 = time.perf_counter()
            status = await conn.post(path, body, token)
            results.latencies.append(time.perf_counter() - t0)
            results.statuses[status] = results.statuses.get(status, 0) + 1
            if status in (200, 202):
                results.messages += count

    await asyncio.gather(*(client(c) for c in conns))
    results.elapsed = time.perf_counter() - start
    for c in conns:
        c.close()
    return results


async def open_loop(
    host: str, port: int, path: str, token: str, make_body: Callable[[int], tuple[bytes, int]],
    rate: float, duration: float, connections: int = 64,
) -> Results:
    """Send at a fixed offered rate (requests/s) regardless of answers; latency from the scheduled instant."""
    results = Results()
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        conn = Connection(host, port)
        await conn.open()
        pool.put_nowait(conn)
    start = time.perf_counter()
    total = int(rate * duration)
    tasks = []

    async def one(i: int, scheduled: float) -> None:
        conn = await pool.get()
        body, count = make_body(i)
        status = await conn.post(path, body, token)
        results.latencies.append(time.perf_counter() - scheduled)
        results.statuses[status] = results.statuses.get(status, 0) + 1
        if status in (200, 202):
            results.messages += count
        pool.put_nowait(conn)

    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, scheduled)))
    await asyncio.gather(*tasks)
    results.elapsed = time.perf_counter() - start
    while not pool.empty():
        pool.get_nowait().close()
    return results
