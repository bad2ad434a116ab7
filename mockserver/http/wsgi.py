"""rent.php served straight from WSGI (no Flask request context on the hot path); the rest goes to Flask."""
from __future__ import annotations

import logging
import time
from urllib.parse import parse_qsl

from contracts.registry import ACCOUNT_PATH, PATHS

from ..core.hub import DEFAULT
from . import account
from .faults import Decision
from .journal import findings
from .rent import dispatch, encode, error
from .runtime import Runtime
from .wire_faults import DROPS, JSON_HEADERS as _JSON, account_faulty, faulty

MAX_QUERY = 8_192
log = logging.getLogger("smspva-rent-mock")


def wsgi_path(environ) -> str:
    """The request path as text: WSGI carries its bytes as latin-1, and URLs encode text as UTF-8."""
    raw = environ.get("PATH_INFO", "")
    try:
        return raw.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:  # not WSGI's latin-1 form (a server that decoded already): keep it
        return raw


def _split(path: str) -> tuple[str, str | None]:
    """(path without a /w/<world>/ prefix, that world or None)."""
    if path.startswith("/w/"):
        world, _, rest = path[3:].partition("/")
        if world:
            return "/" + rest, world
    return path, None


def is_rent_path(path: str) -> bool:
    """True for a rent.php path (with or without a /w/<world>/ prefix)."""
    return _split(path)[0] in PATHS


def _query(environ) -> dict[str, str]:
    raw = environ.get("QUERY_STRING", "")
    out: dict[str, str] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        out.setdefault(key, value)  # the first value wins, as in Flask's request.args.get
    return out


class HeadWithoutBody:
    """WSGI middleware: a HEAD answer has the headers GET would get and no body, on every path.

    waitress sends whatever body an application returns, also to HEAD, and on a kept-alive connection that
    body is then read as the start of the next answer. One wrapper around the whole app covers every path.
    """

    def __init__(self, inner):
        self.inner = inner

    def __call__(self, environ, start_response):
        body = self.inner(environ, start_response)
        if environ.get("REQUEST_METHOD") != "HEAD":
            return body
        try:
            for _ in body:  # an application may call start_response only once its body is read (PEP 3333)
                pass
        finally:
            if hasattr(body, "close"):
                body.close()
        return []


def _created(method: str | None, outcome) -> list[int]:
    """The ids of the orders a successful create or create_multi made (the journal keeps them)."""
    if method not in ("create", "create_multi") or outcome.status != 1 or outcome.payload is None:
        return []
    data = outcome.payload.get("data")
    items = data if isinstance(data, list) else [data]
    return [item["id"] for item in items if isinstance(item, dict) and isinstance(item.get("id"), int)]


class RentApp:
    """WSGI middleware: answers rent.php paths itself and passes everything else to `inner` (Flask)."""

    def __init__(self, inner, rt: Runtime):
        self.inner, self.rt = inner, rt

    def __call__(self, environ, start_response):
        bare, world = _split(wsgi_path(environ))
        if bare == ACCOUNT_PATH:
            status, headers, body = self.account(environ, world)
            if not any(h == "Content-Length" for h, _ in headers):
                headers = headers + [("Content-Length", str(len(body)))]
            start_response(status, headers)
            return [body]
        if bare not in PATHS:
            return self.inner(environ, start_response)
        try:
            status, headers, body = self.answer(environ, world)
        except DROPS:
            raise
        except Exception as exc:  # a real fault in the mock: JSON, no traceback on the wire
            log.exception("internal fault")
            status, headers = "500 INTERNAL SERVER ERROR", _JSON
            # a change that could not be logged says so (it was undone); other faults name only their type
            body = encode(error(getattr(exc, "wire_msg", None) or f"Internal error in the mock: {type(exc).__name__}"))
        if not any(h == "Content-Length" for h, _ in headers):
            headers = headers + [("Content-Length", str(len(body)))]
        start_response(status, headers)
        return [body]

    def account(self, environ, world_name: str | None) -> tuple[str, list, bytes]:
        """Status line, headers and body of one /priemnik.php request (faults of its world applied)."""
        rt, verb, query = self.rt, environ.get("REQUEST_METHOD", "GET"), _query(environ)
        started = rt.monotonic()
        label = f"priemnik:{query.get('metod') or '-'}"[:24]
        try:
            status, headers, body = self._account(rt, verb, query, world_name)
        except DROPS:
            if rt.request_log is not None:
                rt.request_log.write(label, query.get("apikey"), 0, None, (rt.monotonic() - started) * 1000, "drop")
            raise
        if rt.request_log is not None:
            rt.request_log.write(label, query.get("apikey"), int(status[:3]), None, (rt.monotonic() - started) * 1000)
        return status, headers, body

    def _account(self, rt, verb: str, query: dict, world_name: str | None) -> tuple[str, list, bytes]:
        real = lambda: account.answer(rt.hub, verb, query, world_name)  # noqa: E731
        apikey = query.get("apikey") or None
        scope = (rt.hub.by_apikey.get(apikey, world_name) if apikey else world_name) or DEFAULT
        decision = rt.faults.decide(scope, query.get("metod") or "", apikey, account=True)
        if decision.delay:
            rt.delay(scope, decision.delay)
        if decision.reply is None:
            headers, body = real()
            return "200 OK", headers, body
        return account_faulty(decision, lambda: real()[1])

    def _journal(self, scope, started, verb, method, query, apikey, status, http_status, found, fault, msg,
                 created) -> None:
        rt = self.rt
        ms = round((rt.monotonic() - started) * 1000, 3)
        world = rt.hub.worlds.get(scope)
        rt.journal(scope).add(at=time.time(), verb=verb, method=method, params=query, apikey=apikey, status=status,
                              http_status=http_status, latency_ms=ms, findings=found, fault=fault, msg=msg,
                              created=created, world_at=world.clock.now() if world is not None else None)
        if rt.request_log is not None:
            rt.request_log.write(method, apikey, http_status, status, ms, fault, msg if status == 0 else None,
                                 scope if scope != DEFAULT else None)

    def answer(self, environ, world_name: str | None) -> tuple[str, list, bytes]:
        """Status line, headers and body of one rent.php request."""
        rt = self.rt
        started = rt.monotonic()
        verb = environ.get("REQUEST_METHOD", "GET")
        if len(environ.get("QUERY_STRING", "")) > MAX_QUERY:
            return "200 OK", _JSON, encode(error(f"Query string longer than {MAX_QUERY} bytes"))
        query = _query(environ)
        method, apikey = query.get("method"), query.get("apikey") or None
        scope = (rt.hub.by_apikey.get(apikey, world_name) if apikey else world_name) or DEFAULT
        # HEAD has no side effects: it neither counts against nor sets off a fault rule
        decision = rt.faults.decide(scope, method or "", apikey) if verb != "HEAD" else Decision()
        # a delay past the faults' share of worker threads is not served: the journal says `latency_capped`
        slowed = rt.delay(scope, decision.delay) if decision.delay else False
        created: list[int] = []
        outcome_status, found, msg = None, findings(verb, query), None
        if decision.reply is not None:
            def real() -> bytes:  # for a fault that comes after the call ran (a cut answer)
                done = dispatch(rt, verb, query, world_name)
                created.extend(_created(method, done))
                return done.body

            try:
                status, headers, body = faulty(decision, real)
            except DROPS:  # the call did not run, but the client did make it
                self._journal(scope, started, verb, method, query, apikey, None, 0, found, "drop", None, [])
                raise
        else:
            outcome = dispatch(rt, verb, query, world_name)
            status, headers, body = "200 OK", _JSON, outcome.body
            outcome_status, found, scope = outcome.status, outcome.findings, outcome.world
            msg = outcome.msg
            created = _created(method, outcome)
        fault = decision.reply or (("latency" if slowed else "latency_capped") if decision.delay else None)
        self._journal(scope, started, verb, method, query, apikey, outcome_status, int(status[:3]), found, fault,
                      msg, created)
        return status, headers, body

