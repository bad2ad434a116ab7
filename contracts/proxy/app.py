"""The proxy's WSGI app: forward rent.php and the balance API, guard spending, judge, record, spy, diff.

Everything the proxy writes (the answer, the recording line, the summary) leaves through `__call__`, where
the redactor takes every apikey out: one place, so no path (an upstream error, a crash) can skip it.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import parse_qsl

from ..registry import METHODS, PATHS
from ..spending import BALANCE_PATH, SPENDING, ascii_digits, unsendable
from .browser import forged
from .cost import Prices
from .diff import compare, walk
from .guard import Guard
from .judge import judge, judge_account
from .record import Recorder
from .redact import SECRET_PARAMS, Redactor
from .upstream import Answer, Upstream, call_deadline

JSON = [("Content-Type", "application/json; charset=utf-8")]


@dataclass
class Shadow:
    """A mock world standing in for the upstream (spy) or beside it (diff)."""

    upstream: Upstream  # rooted at the world's base path, e.g. http://127.0.0.1:9000/w/w3
    apikey: str
    ids: dict[int, int] = field(default_factory=dict)  # upstream order id -> shadow order id

    def ask(self, path: str, query: dict) -> Answer:
        """The same call, with the shadow's apikey and order ids."""
        query = dict(query)
        text_ok = path == BALANCE_PATH
        if query.get("apikey"):
            query["apikey"] = self.apikey
        if ascii_digits(query.get("id", "")) and int(query["id"]) in self.ids:
            query["id"] = str(self.ids[int(query["id"])])
        return self.upstream.get(path, query, text_ok)


@dataclass
class Settings:
    """How the proxy runs."""

    allow_spend: bool = False
    max_spend: Decimal | None = None
    mode: str = "forward"  # forward | spy | diff
    apikey_map: dict[str, str] = field(default_factory=dict)  # the client's key -> the upstream's key


def _refusal(msg: str, path: str = "") -> dict:
    """The proxy's own refusal in the form the client of `path` reads: the balance API's error, else rent.php's."""
    if path == BALANCE_PATH:
        return {"response": "error", "error_msg": f"rent-mock proxy: {msg}"}
    return {"status": 0, "msg": f"rent-mock proxy: {msg}"}


class ProxyApp:
    """WSGI: rent.php and /priemnik.php to the upstream (or the shadow), GET /_mock/proxy for the summary."""

    def __init__(self, upstream: Upstream, settings: Settings, recorder: Recorder, shadow: Shadow | None = None,
                 prices: Prices | None = None, loopback_only: bool = True):
        self.upstream, self.settings, self.recorder, self.shadow = upstream, settings, recorder, shadow
        self.loopback_only = loopback_only  # listening on this machine only: a call must name it
        self.prices = prices or Prices(upstream)
        self.guard = Guard(upstream, self.prices, settings.allow_spend, settings.max_spend)
        standing = set(settings.apikey_map) | set(settings.apikey_map.values())
        self.redactor = Redactor(standing | ({shadow.apikey} if shadow is not None else set()))
        if settings.mode != "forward" and shadow is None:
            raise ValueError(f"{settings.mode} mode needs a shadow mock world")

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        verb = environ.get("REQUEST_METHOD", "GET")
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        secrets = [v for k, v in query.items() if k in SECRET_PARAMS]
        secrets += [self.settings.apikey_map[v] for v in secrets if v in self.settings.apikey_map]
        entry = None
        try:
            served = path in PATHS or path == BALANCE_PATH
            page = forged(environ, self.loopback_only) if served or path == "/_mock/proxy" else None
            if page is not None:  # the summary too: a page pointing a name of its own here must not read it
                why = f"refused: {page}; the proxy serves programs, not web pages"
                status, payload = "403 FORBIDDEN", _refusal(why, path)
                entry = self._entry(verb, path, query, refused=why) if served else None
            elif path == "/_mock/proxy":
                status, payload = "200 OK", self.summary()
            elif served:
                with call_deadline(self.upstream.timeout):  # --timeout bounds the whole call, not each read
                    status, payload, entry = self.handle(verb, path, query)
            else:
                status, payload = "404 NOT FOUND", _refusal(f"no route {path[:80]}")
        except Exception as exc:  # noqa: BLE001 - a fault of the proxy is a JSON 500 and a recorded line
            status = "500 INTERNAL SERVER ERROR"
            payload = _refusal(f"internal error ({type(exc).__name__}); the call may have reached the upstream",
                               path)
            entry = self._entry(verb, path, query, internal_error=type(exc).__name__)
        if isinstance(payload, Answer) and isinstance(payload.payload, (dict, list)) and \
                self.redactor.holds(payload.payload, secrets):  # a key in any escape: the cleaned answer, re-encoded
            body, headers = json.dumps(self.redactor.clean(payload.payload, secrets), ensure_ascii=False).encode(), JSON
        elif isinstance(payload, Answer):  # the upstream's (or shadow's) own bytes, unchanged but for keys
            body, headers = payload.body, [("Content-Type", payload.content_type)]
        else:
            body, headers = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).encode(), JSON
        body = self.redactor.body(body, secrets)
        if entry is not None:
            self.recorder.add(self.redactor.clean(entry, secrets))
        start_response(status, headers + [("Content-Length", str(len(body)))])
        return [body]

    def _entry(self, verb: str, path: str, query: dict, **facts) -> dict:
        """The recording entry of a call the proxy answered itself, before `handle` (refused or failed)."""
        return {"at": time.time(), "verb": verb, "path": path, "method": str(query.get("method", "-")),
                "query": query, "mode": self.settings.mode, **facts}

    def summary(self) -> dict:
        """The running summary: calls, verdicts, failures, and what the guard counted against its cap."""
        out = {"mode": self.settings.mode, "upstream": self.upstream.base, **self.recorder.summary()}
        out.update(self.guard.summary())
        return self.redactor.clean(out)

    def handle(self, verb: str, path: str, query: dict) -> tuple[str, object, dict]:
        """One client call: (HTTP status line, the answer or the proxy's own payload, the recording entry)."""
        client_key = query.get("apikey")
        if client_key in self.settings.apikey_map:
            query["apikey"] = self.settings.apikey_map[client_key]
        method = query.get("method") if path != BALANCE_PATH else None
        label = method or (f"balance:{query.get('metod')}" if path == BALANCE_PATH else "-")
        entry = {"at": time.time(), "verb": verb, "path": path, "method": str(label), "query": dict(query),
                 "mode": self.settings.mode}
        # the one guard's rules (contracts/spending.py): an allowed method or metod, plain declared names; a
        # spending call's own parameters are judged by the guard (exact_problem), after --allow-spend
        why = unsendable(path, query)
        if why is not None:
            entry["refused"] = why
            return "200 OK", _refusal(why, path), entry
        if self.settings.mode == "spy" and self._to_shadow(path, method, query):
            entry["source"] = "shadow"
            return self._reply(entry, self.shadow.ask(path, query), judged=False)
        spends = method in SPENDING

        def forward() -> Answer:
            return self.upstream.request(verb, path, query, text_ok=path == BALANCE_PATH, once=spends)

        if spends:
            answer, facts = self.guard.run(method, query, forward)
            entry.update(facts)
            if answer is None:
                return "200 OK", _refusal(facts["refused"]), entry
            self.prices.remember(method, query, answer.payload)
        else:
            answer = forward()
        if self.settings.mode == "diff" and answer.error is None:
            entry["diffs"] = self._diff(path, method, query, answer)
        return self._reply(entry, answer, judged=True)

    def _to_shadow(self, path: str, method: str | None, query: dict) -> bool:
        """Spy: spending calls and everything about the account go to the shadow world; free catalogue
        calls go to the upstream (so the client sees one coherent account, at live prices)."""
        if path == BALANCE_PATH:
            return True
        spec = METHODS.get(method or "")
        return spec is not None and (spec.spends or spec.apikey == "required")

    def _diff(self, path: str, method: str | None, query: dict, answer: Answer) -> list[dict]:
        shadow = self.shadow.ask(path, query)
        if shadow.error is not None:
            return [{"path": "shadow", "kind": "error", "upstream": None, "shadow": shadow.error, "known": None}]
        if method in ("create", "create_multi"):
            self._map_ids(answer.payload, shadow.payload)
        if method is None:
            return compare_balance(answer.payload, shadow.payload)
        return compare(method, answer.payload, shadow.payload, self.shadow.ids)

    def _map_ids(self, up, sh) -> None:
        def ids(payload):
            data = payload.get("data") if isinstance(payload, dict) and payload.get("status") == 1 else None
            return [d.get("id") for d in (data if isinstance(data, list) else [data]) if isinstance(d, dict)]
        for a, b in zip(ids(up), ids(sh)):
            if isinstance(a, int) and isinstance(b, int):
                self.shadow.ids[a] = b

    def _reply(self, entry: dict, answer: Answer, judged: bool) -> tuple[str, object, dict]:
        entry.update(http_status=answer.http_status, elapsed_ms=answer.elapsed_ms)
        if answer.error is not None:
            entry["upstream_error"] = answer.error
            return "502 BAD GATEWAY", _refusal(f"the upstream failed: {answer.error}", entry["path"]), entry
        entry["answer"] = answer.payload
        if judged and entry["path"] in PATHS:
            entry["verdict"] = judge(entry["method"], answer.http_status, answer.payload).to_json()
        elif judged:
            entry["verdict"] = judge_account(str(entry["query"].get("metod", "")), answer.payload).to_json()
        return f"{answer.http_status} {'OK' if answer.http_status == 200 else 'UPSTREAM'}", answer, entry


def compare_balance(up, sh) -> list[dict]:
    """The balance API's answers compared key by key (balances as money)."""
    out: list[dict] = []
    walk("body", up, sh, {}, out)
    return out
