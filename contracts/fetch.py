"""One safe HTTP call for every tool: a total deadline, a size cap while streaming, no redirect followed, a
defensive JSON parse, and error texts that never show the URL's query (apikeys travel there).

A per-read socket timeout cannot bound a call (a server may drip a byte every few seconds for ever), so a
watchdog thread shuts the socket when the call's deadline passes. Connections are kept alive per thread:
conform and fuzz make thousands of calls (benchmarks/fetch_bench.py measures what that saves).
"""
from __future__ import annotations

import heapq
import http.client
import itertools
import json
import select
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlencode, urlsplit

from .safejson import MAX_DEPTH, BadJSON, depth, parse_json  # noqa: F401  (callers import them from here too)

DEADLINE = 20.0  # seconds for a whole call: connect, send, headers and body
MAX_BYTES = 16 * 1024 * 1024  # the largest answer taken; rent.php's largest (a full catalogue) is far below
_CHUNK = 64 * 1024
_USER_AGENT = "smspva-rent-mock"


class FetchError(Exception):
    """A call that gave no usable answer. `kind`: connect, deadline, too-large, redirect, protocol.

    `reason` is a few words; str() is `<scheme://host:port/path>: <reason>`, never the query.
    """

    def __init__(self, kind: str, where: str, reason: str):
        super().__init__(f"{where}: {reason}")
        self.kind, self.where, self.reason = kind, where, reason


@dataclass
class Response:
    """A whole answer: HTTP status, headers (case-insensitive `get`), body bytes, time taken."""

    status: int
    headers: Any
    body: bytes
    elapsed_ms: float
    where: str  # scheme://host:port/path, without the query

    def json(self, max_depth: int = MAX_DEPTH) -> Any:
        """The body as JSON, parsed defensively (BadJSON when it cannot be taken)."""
        return parse_json(self.body, max_depth)

    @property
    def text(self) -> str:
        """The body as text (undecodable bytes replaced)."""
        return self.body.decode("utf-8", "replace")


def where(url: str) -> str:
    """The URL without its query, fragment and user info: what an error text may show."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


# -- the watchdog ---------------------------------------------------------------------------------------
class _Alarm:
    __slots__ = ("at", "sock", "fired", "cancelled")

    def __init__(self, at: float, sock: socket.socket):
        self.at, self.sock, self.fired, self.cancelled = at, sock, False, False


class _Watchdog:
    """One thread for every call of the process: shuts a call's socket when its deadline passes."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Alarm]] = []
        self._seq = itertools.count()
        self._cv = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, at: float, sock: socket.socket) -> _Alarm:
        """Shut `sock` at monotonic time `at` unless disarmed first."""
        alarm = _Alarm(at, sock)
        with self._cv:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="fetch-watchdog", daemon=True)
                self._thread.start()
            heapq.heappush(self._heap, (at, next(self._seq), alarm))
            self._cv.notify()
        return alarm

    def disarm(self, alarm: _Alarm) -> bool:
        """Cancel the alarm; True when it had already fired (the socket is shut)."""
        with self._cv:
            alarm.cancelled = True
            return alarm.fired

    def _run(self) -> None:
        with self._cv:
            while True:
                while self._heap and self._heap[0][2].cancelled:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cv.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cv.wait(wait)
                    continue
                alarm = heapq.heappop(self._heap)[2]
                alarm.fired = True
                try:
                    alarm.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # already closed by its owner


_WATCHDOG = _Watchdog()


# -- calls ------------------------------------------------------------------------------------------------
def _connect_reason(exc: BaseException) -> str:
    """A short, query-free cause of a failure to connect."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "certificate verify failed"
    if isinstance(exc, ConnectionRefusedError):
        return "Connection refused"
    if isinstance(exc, socket.gaierror):
        return "Name or service not known" if exc.errno in (socket.EAI_NONAME, -2) else (exc.strerror or "DNS failure")
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__


def _stale(conn: http.client.HTTPConnection) -> bool:
    """True when a kept-alive connection was closed (or spoken on) by the server while idle."""
    sock = conn.sock
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class Fetcher:
    """Calls with a total deadline and a size cap; connections kept alive per thread and per origin."""

    def __init__(self, deadline: float = DEADLINE, max_bytes: int = MAX_BYTES,
                 headers: Mapping[str, str] | None = None):
        self.deadline, self.max_bytes = deadline, max_bytes
        self.headers = dict(headers or {})
        self._local = threading.local()
        self._all: set[http.client.HTTPConnection] = set()
        self._lock = threading.Lock()

    # -- connections ---------------------------------------------------------------------------------
    def _pool(self) -> dict:
        pool = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        return pool

    def _open(self, scheme: str, host: str, port: int | None, timeout: float) -> http.client.HTTPConnection:
        if scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(host, port, timeout=timeout)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
        with self._lock:
            self._all.add(conn)
        return conn

    def _drop(self, key: tuple, conn: http.client.HTTPConnection) -> None:
        conn.close()
        pool = self._pool()
        if pool.get(key) is conn:
            del pool[key]
        with self._lock:
            self._all.discard(conn)

    def close(self) -> None:
        """Close every connection this fetcher holds (all threads)."""
        with self._lock:
            conns, self._all = list(self._all), set()
        for conn in conns:
            conn.close()
        self._local = threading.local()

    # -- one call ------------------------------------------------------------------------------------
    def request(self, method: str, url: str, params: Mapping[str, Any] | None = None, json_body: Any = None,
                headers: Mapping[str, str] | None = None, deadline: float | None = None,
                max_bytes: int | None = None, fresh: bool = False) -> Response:
        """One call; a Response for any HTTP answer but a redirect, else FetchError (one line, no query).

        `fresh`: on a new connection, so a failure is never retried. A call that must not reach the server
        twice (one that spends money) takes it: a kept-alive connection closed under it is otherwise sent again.
        """
        deadline = self.deadline if deadline is None else deadline
        max_bytes = self.max_bytes if max_bytes is None else max_bytes
        parts = urlsplit(url)
        shown = where(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError("connect", shown, "not an http(s) URL")
        try:
            port = parts.port
        except ValueError:
            raise FetchError("connect", shown, "the port is not a number") from None
        target = parts.path or "/"
        query = parts.query
        if params:
            extra = urlencode([(k, v) for k, v in params.items() if v is not None], doseq=True)
            query = f"{query}&{extra}" if query else extra
        if query:
            target += "?" + query
        body = None
        send_headers = {"User-Agent": _USER_AGENT, "Accept": "application/json", **self.headers, **(headers or {})}
        if json_body is not None:
            body = json.dumps(json_body).encode()
            send_headers["Content-Type"] = "application/json"
        key = (parts.scheme, parts.hostname, port)
        started = time.monotonic()
        until = started + deadline
        if fresh and key in self._pool():
            self._drop(key, self._pool()[key])
        for attempt in (1, 2):
            conn, fresh = self._conn(key, until, shown)
            try:
                return self._exchange(conn, key, method, target, body, send_headers, until, max_bytes, shown,
                                      started, deadline)
            except _Stale:
                # the server closed a kept-alive connection as we reused it: the call never reached it
                if fresh or attempt == 2:
                    raise FetchError("protocol", shown, "the server closed the connection without an answer") \
                        from None
        raise AssertionError("unreachable")

    def get(self, url: str, params: Mapping[str, Any] | None = None, **kw) -> Response:
        """A GET."""
        return self.request("GET", url, params, **kw)

    def _conn(self, key: tuple, until: float, shown: str) -> tuple[http.client.HTTPConnection, bool]:
        pool = self._pool()
        conn = pool.get(key)
        if conn is not None and not _stale(conn):
            return conn, False
        if conn is not None:
            self._drop(key, conn)
        left = until - time.monotonic()
        conn = self._open(key[0], key[1], key[2], max(left, 0.001))
        try:
            conn.connect()
        except Exception as exc:  # noqa: BLE001  (every cause becomes one line without the query)
            self._drop(key, conn)
            raise FetchError("connect", shown, _connect_reason(exc)) from None
        pool[key] = conn
        return conn, True

    def _exchange(self, conn, key, method, target, body, headers, until, max_bytes, shown, started,
                  deadline) -> Response:
        left = until - time.monotonic()
        if left <= 0:
            self._drop(key, conn)
            raise FetchError("deadline", shown, f"no complete answer within {deadline:g} s")
        conn.sock.settimeout(left)
        alarm = _WATCHDOG.arm(until, conn.sock)
        got_status = False
        try:
            try:
                conn.request(method, target, body=body, headers=headers)
                resp = conn.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    ConnectionAbortedError):
                if _WATCHDOG.disarm(alarm):
                    raise _Deadline() from None
                self._drop(key, conn)
                raise _Stale() from None
            got_status = True
            if 300 <= resp.status < 400 and resp.getheader("Location"):
                location = resp.getheader("Location") or ""
                self._drop(key, conn)
                host = urlsplit(location).hostname or urlsplit(shown).hostname
                raise FetchError("redirect", shown, f"HTTP {resp.status} redirect to {host} not followed")
            declared = resp.getheader("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                self._drop(key, conn)
                raise FetchError("too-large", shown, f"answer of {int(declared)} bytes refused "
                                                     f"(more than {max_bytes})")
            chunks, total = [], 0
            while True:
                chunk = resp.read1(_CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                if total > max_bytes:
                    self._drop(key, conn)
                    raise FetchError("too-large", shown, f"answer refused at {total} bytes (more than {max_bytes})")
                chunks.append(chunk)
            # read1 takes an early end of a Content-Length answer (or a shut socket) quietly
            cut = resp.length is not None and resp.length > 0
            delimited_by_close = resp.length is None and not resp.chunked
            if _WATCHDOG.disarm(alarm) and (cut or delimited_by_close):
                raise _Deadline()
            if cut:
                self._drop(key, conn)
                raise FetchError("protocol", shown, "the answer was cut short")
        except FetchError:
            _WATCHDOG.disarm(alarm)
            raise
        except _Deadline:
            self._drop(key, conn)
            raise FetchError("deadline", shown, f"no complete answer within {deadline:g} s") from None
        except _Stale:
            raise
        except Exception as exc:  # noqa: BLE001  (http.client and the socket raise many kinds; none escapes)
            fired = _WATCHDOG.disarm(alarm)
            self._drop(key, conn)
            if fired or (isinstance(exc, (socket.timeout, TimeoutError)) and time.monotonic() >= until - 0.05):
                raise FetchError("deadline", shown, f"no complete answer within {deadline:g} s") from None
            raise FetchError("protocol", shown, _protocol_reason(exc, got_status)) from None
        resp.close()  # a whole answer read: the connection may carry the next request
        if alarm.fired or resp.will_close:
            self._drop(key, conn)
        return Response(resp.status, resp.headers, b"".join(chunks), round((time.monotonic() - started) * 1000, 3),
                        shown)


class _Stale(Exception):
    """A reused connection the server had closed: safe to send again on a new one."""


class _Deadline(Exception):
    """The watchdog shut the socket."""


def _protocol_reason(exc: BaseException, got_status: bool) -> str:
    """What went wrong mid-answer, in a few words without the query."""
    if isinstance(exc, http.client.IncompleteRead):
        return "the answer was cut short"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the server closed the connection without an answer"
    if isinstance(exc, (http.client.LineTooLong, http.client.BadStatusLine, http.client.HTTPException)):
        return "not an HTTP answer" if not got_status else "a malformed HTTP answer"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__


_DEFAULT = Fetcher()


def fetch(method: str, url: str, params: Mapping[str, Any] | None = None, **kw) -> Response:
    """One call through the shared fetcher (see Fetcher.request)."""
    return _DEFAULT.request(method, url, params, **kw)
