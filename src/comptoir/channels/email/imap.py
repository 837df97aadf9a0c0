"""Inbound mail by IMAP (stdlib imaplib): UID watermark, IDLE where supported, polling otherwise.

Delivery contract: each new message of the mailbox is handed to the callback *at least once*, in UID
order, and under normal operation exactly once:

- the poller keeps a :class:`Watermark` (``UIDVALIDITY`` + the last UID handed over) in a
  :class:`WatermarkStore`, saved after each message the callback accepted; a restarted poller resumes
  after it, so nothing is fetched twice and nothing is skipped;
- messages are read with ``BODY.PEEK[]`` and flagged ``\\Seen`` only after the callback returned;
- if the callback raises, the watermark stays before that message and it is offered again next time;
- a crash between the callback and the watermark save re-offers one message: the callback must be
  idempotent on the Message-ID (the ingestion layer dedupes on it anyway);
- when the server's ``UIDVALIDITY`` changes (mailbox rebuilt), UIDs are meaningless: the poller starts
  over from the messages received in the last ``since_days`` days, relying on the Message-ID dedupe.

IDLE (RFC 2177) is used when the server advertises it: the poller waits for an untagged ``EXISTS``
or until ``idle_timeout`` (default 25 minutes, under the 29-minute limit of the RFC), then leaves IDLE
with ``DONE`` and fetches. Without IDLE it polls every ``poll_interval`` seconds.
"""

from __future__ import annotations

import contextlib
import imaplib
import json
import logging
import os
import re
import select
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Literal, Protocol

from comptoir import clock
from comptoir.channels.email.smtp import xoauth2_string
from comptoir.errors import ComptoirError

log = logging.getLogger(__name__)

Security = Literal["ssl", "starttls", "none"]
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_UID = re.compile(rb"\bUID (\d+)")
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")


class ImapError(ComptoirError):
    """The IMAP server refused a command or the connection failed (the poller reconnects)."""


@dataclass(frozen=True, slots=True)
class ImapConfig:
    host: str
    port: int = 993
    username: str = ""
    password: str | None = field(default=None, repr=False)
    oauth2_token: str | None = field(default=None, repr=False)
    security: Security = "ssl"
    mailbox: str = "INBOX"
    timeout: float = 30.0
    since_days: int | None = 7  # first sync / UIDVALIDITY change: how far back; None = the whole mailbox
    batch_size: int = 50
    mark_seen: bool = True
    use_idle: bool = True
    idle_timeout: float = 25 * 60.0
    poll_interval: float = 60.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Watermark:
    uidvalidity: int
    last_uid: int


@dataclass(frozen=True, slots=True)
class FetchedEmail:
    uid: int
    uidvalidity: int
    raw: bytes


class WatermarkStore(Protocol):
    def load(self) -> Watermark | None: ...

    def save(self, watermark: Watermark) -> None: ...


class MemoryWatermarkStore:
    def __init__(self, watermark: Watermark | None = None) -> None:
        self.watermark = watermark

    def load(self) -> Watermark | None:
        return self.watermark

    def save(self, watermark: Watermark) -> None:
        self.watermark = watermark


class FileWatermarkStore:
    """A JSON file, replaced atomically on each save (fsync'd)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Watermark | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return Watermark(uidvalidity=int(data["uidvalidity"]), last_uid=int(data["last_uid"]))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as exc:
            raise ImapError(f"corrupt IMAP watermark file {self.path}: {exc}") from exc

    def save(self, watermark: Watermark) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"uidvalidity": watermark.uidvalidity, "last_uid": watermark.last_uid})
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise


def imap_date(days_ago: int) -> str:
    """An IMAP ``date`` (``25-Nov-2026``), locale-independent, ``days_ago`` days before clock.now()."""
    day = (clock.now() - timedelta(days=days_ago)).date()
    return f"{day.day}-{_MONTHS[day.month - 1]}-{day.year}"


def _check(result: tuple[str, Sequence[object]], what: str) -> Sequence[object]:
    status, data = result
    if status != "OK":
        detail = b" ".join(item for item in data if isinstance(item, bytes)).decode("utf-8", "replace")
        raise ImapError(f"IMAP {what} failed: {status} {detail}")
    return data


class ImapPoller:
    """Fetch new mail from one mailbox and hand each raw message to ``callback`` (see the module doc)."""

    def __init__(
        self, config: ImapConfig, store: WatermarkStore, callback: Callable[[FetchedEmail], None]
    ) -> None:
        self.config = config
        self.store = store
        self.callback = callback
        self._imap: imaplib.IMAP4 | None = None
        self._uidvalidity: int | None = None
        self._tag_counter = 0

    # -- connection -------------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._imap is not None

    @property
    def capabilities(self) -> tuple[str, ...]:
        if self._imap is None:
            return ()
        return tuple(str(item).upper() for item in self._imap.capabilities)

    @property
    def supports_idle(self) -> bool:
        return "IDLE" in self.capabilities

    def connect(self) -> None:
        config = self.config
        context = config.ssl_context or ssl.create_default_context()
        imap: imaplib.IMAP4
        try:
            if config.security == "ssl":
                imap = imaplib.IMAP4_SSL(
                    config.host, config.port, ssl_context=context, timeout=config.timeout
                )
            else:
                imap = imaplib.IMAP4(config.host, config.port, timeout=config.timeout)
                if config.security == "starttls":
                    _check(imap.starttls(ssl_context=context), "STARTTLS")
        except (OSError, imaplib.IMAP4.error) as exc:
            raise ImapError(f"IMAP connection to {config.host}:{config.port} failed: {exc}") from exc
        try:
            if config.oauth2_token:
                token = xoauth2_string(config.username, config.oauth2_token).encode("utf-8")
                imap.authenticate("XOAUTH2", lambda _challenge: token)
            else:
                imap.login(config.username, config.password or "")
            _check(imap.select(_quote(config.mailbox)), "SELECT")
            validity = imap.response("UIDVALIDITY")[1]
            if not validity or not isinstance(validity[0], bytes):
                raise ImapError("IMAP server did not report UIDVALIDITY")
            self._uidvalidity = int(validity[0])
            # Refresh the capabilities: servers advertise more (IDLE among them) once logged in.
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                caps = _check(imap.capability(), "CAPABILITY")
                if caps and isinstance(caps[0], bytes):
                    imap.capabilities = tuple(caps[0].decode("ascii", "replace").upper().split())
        except (imaplib.IMAP4.error, OSError, ValueError) as exc:
            with contextlib.suppress(Exception):
                imap.shutdown()
            raise ImapError(f"IMAP login/select failed for {config.username}: {exc}") from exc
        except BaseException:
            with contextlib.suppress(Exception):
                imap.shutdown()
            raise
        self._imap = imap

    def close(self) -> None:
        imap, self._imap = self._imap, None
        if imap is None:
            return
        with contextlib.suppress(Exception):
            imap.logout()
        with contextlib.suppress(Exception):
            imap.shutdown()

    def __enter__(self) -> ImapPoller:
        if self._imap is None:
            self.connect()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- fetching ---------------------------------------------------------------------------------
    def _require(self) -> imaplib.IMAP4:
        if self._imap is None:
            self.connect()
        assert self._imap is not None
        return self._imap

    def _new_uids(self, imap: imaplib.IMAP4, watermark: Watermark | None) -> list[int]:
        if watermark is not None:
            data = _check(imap.uid("SEARCH", f"UID {watermark.last_uid + 1}:*"), "UID SEARCH")
            floor = watermark.last_uid
        elif self.config.since_days is not None:
            data = _check(imap.uid("SEARCH", "SINCE", imap_date(self.config.since_days)), "UID SEARCH")
            floor = 0
        else:
            data = _check(imap.uid("SEARCH", "ALL"), "UID SEARCH")
            floor = 0
        uids: set[int] = set()
        for chunk in data:
            if isinstance(chunk, bytes):
                uids.update(int(token) for token in chunk.split() if token.isdigit())
        # "N:*" always matches the highest UID, even when it is below N: filter client-side.
        return sorted(uid for uid in uids if uid > floor)

    def _fetch_batch(self, imap: imaplib.IMAP4, uids: list[int]) -> dict[int, bytes]:
        spec = ",".join(str(uid) for uid in uids)
        data = _check(imap.uid("FETCH", spec, "(UID BODY.PEEK[])"), "UID FETCH")
        out: dict[int, bytes] = {}
        for item in data:
            if isinstance(item, tuple) and len(item) >= 2 and isinstance(item[0], bytes):
                match = _UID.search(item[0])
                if match and isinstance(item[1], bytes):
                    out[int(match.group(1))] = item[1]
        return out

    def poll_once(self) -> int:
        """Hand every message newer than the watermark to the callback; return how many were handed."""
        imap = self._require()
        assert self._uidvalidity is not None
        # Ask the server for news (NOOP makes it report new messages of the selected mailbox).
        _check(imap.noop(), "NOOP")
        watermark = self.store.load()
        if watermark is not None and watermark.uidvalidity != self._uidvalidity:
            log.warning(
                "IMAP UIDVALIDITY of %s changed (%s -> %s): resynchronising",
                self.config.mailbox,
                watermark.uidvalidity,
                self._uidvalidity,
            )
            watermark = None
        uids = self._new_uids(imap, watermark)
        handed = 0
        for start in range(0, len(uids), self.config.batch_size):
            batch = uids[start : start + self.config.batch_size]
            bodies = self._fetch_batch(imap, batch)
            for uid in batch:
                raw = bodies.get(uid)
                if raw is not None:  # None: expunged between SEARCH and FETCH; move past it
                    self.callback(FetchedEmail(uid=uid, uidvalidity=self._uidvalidity, raw=raw))
                    if self.config.mark_seen:
                        _check(imap.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Seen)"), "UID STORE")
                    handed += 1
                self.store.save(Watermark(uidvalidity=self._uidvalidity, last_uid=uid))
        if not uids and watermark is None:
            # First sync of an empty window: remember the UIDVALIDITY so that later polls use UIDs.
            self.store.save(
                Watermark(uidvalidity=self._uidvalidity, last_uid=self._highest_uid_below_window(imap))
            )
        return handed

    def _highest_uid_below_window(self, imap: imaplib.IMAP4) -> int:
        """With nothing recent to import, start after the newest existing message (never re-import old mail)."""
        if self.config.since_days is None:
            return 0
        return self._highest_uid(imap)

    def skip_to_end(self) -> Watermark:
        """Set the watermark after the newest message without fetching anything: import only future mail."""
        imap = self._require()
        assert self._uidvalidity is not None
        _check(imap.noop(), "NOOP")
        watermark = Watermark(uidvalidity=self._uidvalidity, last_uid=self._highest_uid(imap))
        self.store.save(watermark)
        return watermark

    def _highest_uid(self, imap: imaplib.IMAP4) -> int:
        data = _check(imap.uid("SEARCH", "ALL"), "UID SEARCH")
        uids = [
            int(token)
            for chunk in data
            if isinstance(chunk, bytes)
            for token in chunk.split()
            if token.isdigit()
        ]
        return max(uids, default=0)

    # -- IDLE -------------------------------------------------------------------------------------
    def idle(self, timeout: float, stop: threading.Event | None = None) -> bool:
        """Wait in IDLE until the server reports a change (True) or ``timeout``/``stop`` (False).

        imaplib (3.11) has no IDLE: the command is spoken on the socket directly. After the tagged
        completion the server sends nothing until the next command, so imaplib's reader stays in step.
        """
        imap = self._require()
        if not self.supports_idle:
            raise ImapError("the IMAP server does not advertise IDLE")
        sock = imap.socket()
        self._tag_counter += 1
        tag = f"CIDL{self._tag_counter}".encode("ascii")
        reader = _LineReader(sock)
        imap.send(tag + b" IDLE\r\n")
        first = reader.readline(self.config.timeout)
        if first is None or not first.startswith(b"+"):
            raise ImapError(f"IMAP IDLE refused: {first!r}")
        changed = False
        deadline = time.monotonic() + timeout
        while not changed:
            if stop is not None and stop.is_set():
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            line = reader.readline(min(remaining, 1.0))
            if line is None:
                continue
            if line.startswith(b"*") and (b"EXISTS" in line or b"RECENT" in line or b"EXPUNGE" in line):
                changed = b"EXISTS" in line or b"RECENT" in line
            elif line.startswith(b"* BYE"):
                raise ImapError(f"IMAP server closed the connection: {line!r}")
        imap.send(b"DONE\r\n")
        while True:
            line = reader.readline(self.config.timeout)
            if line is None:
                raise ImapError("IMAP server did not end IDLE")
            if line.startswith(tag + b" "):
                if not line[len(tag) + 1 :].upper().startswith(b"OK"):
                    raise ImapError(f"IMAP IDLE ended badly: {line!r}")
                return changed
            if line.startswith(b"*") and b"EXISTS" in line:
                changed = True

    # -- the loop ---------------------------------------------------------------------------------
    def run(self, stop: threading.Event, *, max_backoff: float = 300.0) -> None:
        """Poll (and IDLE) until ``stop`` is set; reconnect with exponential backoff on any failure.

        Connection problems and callback exceptions are logged and retried; nothing escapes but
        ``BaseException`` (KeyboardInterrupt, SystemExit).
        """
        backoff = 1.0
        while not stop.is_set():
            try:
                self._require()
                self.poll_once()
                backoff = 1.0
                if self.config.use_idle and self.supports_idle:
                    self.idle(self.config.idle_timeout, stop)
                else:
                    stop.wait(self.config.poll_interval)
            except (ImapError, imaplib.IMAP4.error, OSError) as exc:
                log.warning("IMAP poller for %s: %s (retrying in %.0fs)", self.config.username, exc, backoff)
                self.close()
                stop.wait(backoff)
                backoff = min(backoff * 2, max_backoff)
            except Exception:
                # The callback failed (storage down...): the watermark did not move, so the message is
                # offered again after the backoff. Never let one bad message kill the poller.
                log.exception(
                    "IMAP poller for %s: callback failed (retrying in %.0fs)", self.config.username, backoff
                )
                self.close()
                stop.wait(backoff)
                backoff = min(backoff * 2, max_backoff)
        self.close()


class _LineReader:
    """CRLF lines from a (possibly TLS) socket, waiting at most ``timeout`` seconds for each."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _pending(self) -> bool:
        return isinstance(self.sock, ssl.SSLSocket) and self.sock.pending() > 0

    def readline(self, timeout: float) -> bytes | None:
        end = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            remaining = max(0.0, end - time.monotonic())
            if not self._pending():
                readable, _, _ = select.select([self.sock], [], [], remaining)
                if not readable:
                    return None
            try:
                chunk = self.sock.recv(65536)
            except ssl.SSLWantReadError:
                continue
            if not chunk:
                raise ImapError("IMAP connection closed by the server")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.rstrip(b"\r")


def _quote(mailbox: str) -> str:
    if mailbox.isalnum():
        return mailbox
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'
