"""How an injected fault looks on the wire: status 0, HTTP 5xx, broken JSON, a cut body, a dropped line."""
from __future__ import annotations

import json
from typing import Callable

from flask import Response, request

from .faults import Decision

DROP_KEY = "rentmock.drop"


def _json(payload, status: int = 200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), status=status,
                    mimetype="application/json")


def faulty(decision: Decision, real: Callable[[], dict]) -> Response:
    """The response for a fault; `real()` runs the call for faults that happen after it (truncated)."""
    rule = decision.rule
    kind = decision.reply
    if kind == "status0":
        return _json({"status": 0, "msg": rule.msg})
    if kind == "http":
        return _json({"status": 0, "msg": f"HTTP {rule.http_status} injected by the mock"}, rule.http_status)
    if kind == "rate_limit":
        response = _json({"status": 0, "msg": "Too many requests"}, 429)
        response.headers["Retry-After"] = "1"
        return response
    if kind == "malformed":
        return Response('{"status":1,"data":[{"id":', status=200, mimetype="application/json")
    if kind == "truncated":
        # the call happens; the answer promises its full length and stops halfway (the server closes)
        body = json.dumps(real(), ensure_ascii=False, separators=(",", ":")).encode()
        response = Response(body[: max(1, len(body) // 2)], status=200, mimetype="application/json")
        response.headers["Content-Length"] = str(len(body))
        response.automatically_set_content_length = False
        return response
    request.environ[DROP_KEY] = True
    return Response(b"", status=200)


class DropMiddleware:
    """Turns a "drop" decision into a closed connection with no answer at all (waitress closes it)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["args"] = (status, headers, exc_info)
            return lambda data: None

        body = self.app(environ, capture)
        if environ.get(DROP_KEY):
            if hasattr(body, "close"):
                body.close()
            from waitress.channel import ClientDisconnected

            raise ClientDisconnected("connection dropped by an injected fault")
        status, headers, exc_info = captured["args"]
        start_response(status, headers, exc_info)
        return body
