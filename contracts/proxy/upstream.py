"""Talking to the upstream service through contracts.fetch: a total deadline, a size cap, no redirect
followed, a defensive JSON parse; what goes wrong is stated in the answer (never with the URL), not raised."""
from __future__ import annotations

import contextlib
import contextvars
import re
import time
from dataclasses import dataclass
from typing import Any, Iterator

from ..fetch import BadJSON, FetchError, Fetcher

MAX_ANSWER = 4 * 1024 * 1024  # bytes: --max-answer-bytes' default, far above any rent.php answer
# fetch's kinds as the summary counts them (the words it has always used first)
KINDS = {"deadline": "timeout", "connect": "connection", "protocol": "connection", "too-large": "too-large",
         "redirect": "redirect"}
PLAIN_TYPE = re.compile(r"[\x20-\x7e]{1,200}\Z")  # a Content-Type safe to pass on as it came
# the moment (time.monotonic) by which the client's whole call must be answered: set per call by the proxy
_CALL_ENDS: contextvars.ContextVar[float | None] = contextvars.ContextVar("call_ends", default=None)


@dataclass
class Answer:
    """What the upstream said (or why it said nothing usable)."""

    http_status: int | None
    payload: Any
    body: bytes
    elapsed_ms: float
    error: str | None = None  # "timeout: …", "connection: …", "malformed: …", "too-large: …", "redirect: …"
    content_type: str = "application/json"


@contextlib.contextmanager
def call_deadline(seconds: float) -> Iterator[None]:
    """Every upstream call made inside shares one deadline, `seconds` from now (the client's call is one)."""
    token = _CALL_ENDS.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _CALL_ENDS.reset(token)


def time_left() -> float | None:
    """Seconds left of the current call's deadline (None outside one)."""
    ends = _CALL_ENDS.get()
    return None if ends is None else ends - time.monotonic()


class Upstream:
    """A rent.php service at `base` (its root URL)."""

    def __init__(self, base: str, timeout: float = 20.0, max_bytes: int = MAX_ANSWER):
        self.base = base.rstrip("/")
        self.timeout, self.max_bytes = timeout, max_bytes
        self.fetcher = Fetcher(deadline=timeout, max_bytes=max_bytes)

    def get(self, path: str, query: dict, text_ok: bool = False, once: bool = False) -> Answer:
        """GET `path` with `query`; never raises for what the upstream does.

        With `text_ok`, a body that is plain text is kept as text (the balance API refuses in plain text).
        With `once`, the call goes on a new connection and is never sent again (a spending call).
        """
        return self.request("GET", path, query, text_ok, once)

    def request(self, verb: str, path: str, query: dict, text_ok: bool = False, once: bool = False) -> Answer:
        """One call with any verb, within what is left of the client's call (or `timeout` outside one)."""
        started = time.monotonic()
        left = time_left()
        deadline = self.timeout if left is None else min(self.timeout, left)
        if deadline <= 0:
            return Answer(None, None, b"", 0.0, f"timeout: the call's {self.timeout:g} s were spent before this "
                                                f"request could leave")
        try:
            r = self.fetcher.request(verb, self.base + path, query, deadline=deadline, fresh=once)
        except FetchError as exc:
            # the deadline fetch was given is what was left of the call: say the whole call's bound
            reason = f"no complete answer within --timeout {self.timeout:g} s" if exc.kind == "deadline" else exc.reason
            return Answer(None, None, b"", _ms(started), f"{KINDS.get(exc.kind, exc.kind)}: {reason}")
        ctype = r.headers.get("Content-Type") or "application/json"
        ctype = ctype if PLAIN_TYPE.match(ctype) else "application/json"
        if r.status < 200 or r.status in (204, 304):
            return Answer(r.status, None, r.body, _ms(started), f"malformed: HTTP {r.status} carries no answer")
        try:
            payload = r.json()
        except BadJSON as exc:
            if text_ok and r.status == 200 and r.body.lstrip()[:1] not in (b"{", b"["):
                return Answer(r.status, r.text, r.body, _ms(started), None, ctype)
            return Answer(r.status, None, r.body, _ms(started), f"malformed: {exc} ({len(r.body)} bytes)")
        return Answer(r.status, payload, r.body, _ms(started), None, ctype)

    def rent(self, query: dict) -> Answer:
        """One rent.php call."""
        return self.get("/api/rent.php", query)

    def close(self) -> None:
        """Close the kept-alive connections."""
        self.fetcher.close()


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 3)
