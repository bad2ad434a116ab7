"""The proxy's WSGI app: forward rent.php and the balance API, guard spending, judge, record, spy, diff."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import parse_qsl

from ..registry import METHODS, PATHS
from .cost import Prices, ascii_digits
from .diff import compare, walk
from .judge import judge, judge_account
from .record import Recorder, redact
from .upstream import Answer, Upstream

BALANCE_PATH = "/priemnik.php"
SPENDING = tuple(name for name, m in METHODS.items() if m.spends)
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
        text_ok = path == "/priemnik.php"
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


def _refusal(msg: str) -> dict:
    return {"status": 0, "msg": f"rent-mock proxy: {msg}"}


class ProxyApp:
    """WSGI: rent.php and /priemnik.php to the upstream (or the shadow), GET /_mock/proxy for the summary."""

    def __init__(self, upstream: Upstream, settings: Settings, recorder: Recorder, shadow: Shadow | None = None,
                 prices: Prices | None = None):
        self.upstream, self.settings, self.recorder, self.shadow = upstream, settings, recorder, shadow
        self.prices = prices or Prices(upstream)
        self.spent = Decimal("0")  # reserved at admission, so parallel calls cannot pass the cap together
        self.spend_lock = threading.Lock()
        if settings.mode != "forward" and shadow is None:
            raise ValueError(f"{settings.mode} mode needs a shadow mock world")

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/_mock/proxy":
            status, payload = "200 OK", {"mode": self.settings.mode, "upstream": self.upstream.base,
                                         **self.recorder.summary()}
        elif path in PATHS or path == BALANCE_PATH:
            status, payload = self.handle(environ.get("REQUEST_METHOD", "GET"), path, environ)
        else:
            status, payload = "404 NOT FOUND", {"status": 0, "msg": f"rent-mock proxy: no route {path[:80]}"}
        if isinstance(payload, Answer):  # the upstream's (or shadow's) own bytes, unchanged
            body, headers = payload.body, [("Content-Type", payload.content_type)]
        else:
            body, headers = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).encode(), JSON
        start_response(status, headers + [("Content-Length", str(len(body)))])
        return [body]

    def handle(self, verb: str, path: str, environ) -> tuple[str, object]:
        """One client call: (HTTP status line, the answer to pass on or the proxy's own JSON payload)."""
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        client_key = query.get("apikey")
        if client_key in self.settings.apikey_map:
            query["apikey"] = self.settings.apikey_map[client_key]
        method = query.get("method") if path != BALANCE_PATH else None
        label = method or (f"balance:{query.get('metod')}" if path == BALANCE_PATH else "-")
        entry = {"at": time.time(), "verb": verb, "path": path, "method": label, "query": redact(query),
                 "mode": self.settings.mode}
        if self.settings.mode == "spy" and self._to_shadow(path, method, query):
            answer = self.shadow.ask(path, query)
            entry["source"] = "shadow"
            return self._reply(entry, answer, judged=False)
        cost = None
        if method in SPENDING:
            cost, why = self._admit(method, query)
            if cost is None:
                entry["refused"] = why
                self.recorder.add(entry)
                return "200 OK", _refusal(why)
            entry["estimate"] = str(cost)
        answer = (self.upstream.get(path, query, text_ok=path == BALANCE_PATH) if verb == "GET"
                  else self._other_verb(verb, path, query))
        if cost is not None:
            if isinstance(answer.payload, dict) and answer.payload.get("status") == 1:
                entry["spent"] = str(cost)
            elif answer.error is None:  # refused by the upstream: nothing spent, the reservation goes back
                with self.spend_lock:
                    self.spent -= cost
            # an upstream that failed may still have charged: the reservation stays
        if method in ("create", "create_multi"):
            self.prices.remember(method, query, answer.payload)
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

    def _admit(self, method: str, query: dict) -> tuple[Decimal | None, str]:
        if not self.settings.allow_spend:
            return None, f"{method} spends money: start the proxy with --allow-spend --max-spend AMOUNT"
        cost, how = self.prices.estimate(method, query)
        if cost is None:
            return None, f"{method} refused: its cost cannot be estimated ({how})"
        budget = self.settings.max_spend
        with self.spend_lock:
            if budget is not None and self.spent + cost > budget:
                return None, (f"{method} would cost about {cost} ({how}), over the budget left "
                              f"({budget - self.spent} of --max-spend {budget})")
            self.spent += cost
        return cost, how

    def _other_verb(self, verb: str, path: str, query: dict) -> Answer:
        started = time.monotonic()
        try:
            r = self.upstream.session.request(verb, self.upstream.base + path, params=query,
                                              timeout=self.upstream.timeout)
            payload = r.json()
        except Exception as exc:  # noqa: BLE001 - whatever the upstream does is reported, not raised
            return Answer(None, None, b"", 0.0, f"connection: {type(exc).__name__}: {exc}"[:300])
        return Answer(r.status_code, payload, r.content, round((time.monotonic() - started) * 1000, 3))

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

    def _reply(self, entry: dict, answer: Answer, judged: bool) -> tuple[str, object]:
        entry.update(http_status=answer.http_status, elapsed_ms=answer.elapsed_ms)
        if answer.error is not None:
            entry["upstream_error"] = answer.error
            self.recorder.add(entry)
            return "502 BAD GATEWAY", _refusal(f"the upstream failed: {answer.error}")
        entry["answer"] = answer.payload
        if judged and entry["path"] in PATHS:
            entry["verdict"] = judge(entry["method"], answer.http_status, answer.payload).to_json()
        elif judged:
            entry["verdict"] = judge_account(str(entry["query"].get("metod", "")), answer.payload).to_json()
        self.recorder.add(entry)
        return f"{answer.http_status} {'OK' if answer.http_status == 200 else 'UPSTREAM'}", answer


def compare_balance(up, sh) -> list[dict]:
    """The balance API's answers compared key by key (balances as money)."""
    out: list[dict] = []
    walk("body", up, sh, {}, out)
    return out
