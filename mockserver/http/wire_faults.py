"""How an injected fault looks on the wire: status 0, HTTP 5xx, broken JSON, a cut body, a dropped line."""
from __future__ import annotations

from typing import Callable

from .faults import Decision
from .rent import encode

JSON_HEADERS = [("Content-Type", "application/json")]
RETRY_AFTER = 1  # seconds a rate-limited rent.php call is told to wait (check-client judges that it did)


class DroppedConnection(Exception):
    """Raised to make the WSGI server close the connection without any answer."""


def faulty(decision: Decision, real: Callable[[], bytes]) -> tuple[str, list, bytes]:
    """(status line, headers, body) for a fault; `real()` runs the call for faults that happen after it."""
    rule, kind = decision.rule, decision.reply
    if kind == "status0":
        return "200 OK", JSON_HEADERS, encode({"status": 0, "msg": rule.msg})
    if kind == "http":
        body = encode({"status": 0, "msg": f"HTTP {rule.http_status} injected by the mock"})
        return f"{rule.http_status} INJECTED", JSON_HEADERS, body
    if kind == "rate_limit":
        return "429 TOO MANY REQUESTS", JSON_HEADERS + [("Retry-After", str(RETRY_AFTER))], encode({"status": 0, "msg": "Too many requests"})
    if kind == "malformed":
        return "200 OK", JSON_HEADERS, b'{"status":1,"data":[{"id":'
    if kind == "truncated":
        return _cut(real())
    raise _dropped()


TEXT_HEADERS = [("Content-Type", "text/html; charset=utf-8")]


def account_faulty(decision: Decision, real: Callable[[], bytes]) -> tuple[str, list, bytes]:
    """A fault on the account API (/priemnik.php), in its own forms: `response` "5" for a rate limit
    (requests per minute) and "6" for a karma ban (docs/evidence.md W9, W13), `response` "error" with
    `error_msg` for status0; the transport faults as on rent.php."""
    rule, kind = decision.rule, decision.reply
    if kind in ("rate_limit", "banned"):
        return "200 OK", JSON_HEADERS, encode({"response": "5" if kind == "rate_limit" else "6"})
    if kind == "status0":
        return "200 OK", JSON_HEADERS, encode({"response": "error", "error_msg": rule.msg})
    if kind == "http":
        return f"{rule.http_status} INJECTED", TEXT_HEADERS, f"HTTP {rule.http_status} injected by the mock".encode()
    if kind == "malformed":
        return "200 OK", JSON_HEADERS, b'{"response":"1","balance":'
    if kind == "truncated":
        return _cut(real())
    raise _dropped()


def _cut(body: bytes) -> tuple[str, list, bytes]:
    """The whole answer's length announced, half of it sent: the server then closes the connection."""
    return "200 OK", JSON_HEADERS + [("Content-Length", str(len(body)))], body[: max(1, len(body) // 2)]


def _dropped() -> Exception:
    try:  # waitress closes the connection, sending nothing, when the app raises this
        from waitress.channel import ClientDisconnected

        return ClientDisconnected("connection dropped by an injected fault")
    except ImportError:  # pragma: no cover - another WSGI server
        return DroppedConnection("connection dropped by an injected fault")


try:
    from waitress.channel import ClientDisconnected as _WaitressDrop

    DROPS: tuple = (DroppedConnection, _WaitressDrop)
except ImportError:  # pragma: no cover - another WSGI server
    DROPS = (DroppedConnection,)
