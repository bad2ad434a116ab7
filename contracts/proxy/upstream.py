"""Talking to the upstream service: one forwarded call, with timeouts, drops and bad JSON stated, not raised."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import requests


@dataclass
class Answer:
    """What the upstream said (or why it said nothing usable)."""

    http_status: int | None
    payload: Any
    body: bytes
    elapsed_ms: float
    error: str | None = None  # "timeout: …", "connection: …", "malformed: …"
    content_type: str = "application/json"


class Upstream:
    """A rent.php service at `base` (its root URL)."""

    def __init__(self, base: str, timeout: float = 20.0):
        self.base = base.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def get(self, path: str, query: dict, text_ok: bool = False) -> Answer:
        """GET `path` with `query`; never raises for what the upstream does.

        With `text_ok`, a body that is not JSON is kept as text (the balance API refuses in plain text).
        """
        return self.request("GET", path, query, text_ok)

    def request(self, verb: str, path: str, query: dict, text_ok: bool = False) -> Answer:
        """One call with any verb; the error texts never hold the URL (its query carries the apikey)."""
        started = time.monotonic()
        try:
            r = self.session.request(verb, self.base + path, params=query, timeout=self.timeout)
        except requests.Timeout as exc:
            return Answer(None, None, b"", _ms(started), f"timeout: no answer within {self.timeout:g} s "
                                                        f"({type(exc).__name__})")
        except requests.RequestException as exc:
            return Answer(None, None, b"", _ms(started), f"connection: {type(exc).__name__}")
        body, ctype = r.content, r.headers.get("Content-Type", "application/json")
        try:
            payload = json.loads(body)
        except ValueError:
            if text_ok and r.status_code == 200:
                return Answer(r.status_code, body.decode("utf-8", "replace"), body, _ms(started), None, ctype)
            return Answer(r.status_code, None, body, _ms(started), f"malformed: not JSON: {body[:80]!r}")
        return Answer(r.status_code, payload, body, _ms(started), None, ctype)

    def rent(self, query: dict) -> Answer:
        """One rent.php call."""
        return self.get("/api/rent.php", query)


def _ms(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 3)
