"""No key in anything the proxy writes: answers, recording, summary, stdout and stderr, on every error path,
for the client's stand-in key, the upstream key it maps to, a key passed through and a partner key."""
from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal
from urllib.parse import parse_qsl, quote

import pytest
import requests
from waitress import create_server

from contracts.proxy.guard import Guard
from mockserver.serve.server import stop_waitress
from tests.hostile_server import HostileServer
from tests.proxy_helpers import documented_upstream, offer, proxy

__all__ = ["documented_upstream"]  # a fixture, used by name
CLIENT = "client+stand/in-7"
UPSTREAM = "Up+Real/Key-0042"
PASSED = "PassedThrough-Key-55"
PARTNER = "Partner-Secret-91"
SECRETS = (CLIENT, UPSTREAM, PASSED, PARTNER)


def _spellings(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), json.dumps(secret)[1:-1].replace("/", "\\/"),
            "".join(f"\\u{ord(c):04x}" for c in secret)}


def _leaks(text: str) -> list[str]:
    return [s for secret in SECRETS for s in _spellings(secret) if s in text]


def _echo(environ, start_response):
    """An upstream that says back every key it gets, in every spelling; `/moved/...` redirects with it."""
    query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
    path, key = environ["PATH_INFO"], query.get("apikey", "")
    keys = [k for k in (key, query.get("partner_key")) if k]
    said = " ".join(sorted(s for k in keys for s in _spellings(k)))
    if path.startswith("/moved"):
        start_response("302 Found", [("Location", f"http://elsewhere.invalid/api/rent.php?apikey={quote(key)}"),
                                     ("Content-Length", "0")])
        return [b""]
    if path == "/priemnik.php" and query.get("metod") == "get_balance":
        body, ctype = b'{"response":"1","balance":"100.00"}', "application/json"
    elif path == "/priemnik.php":  # plain text: as given and URL-encoded (escapes mean nothing in text)
        body, ctype = f"API KEY NOT FOUND! {key} {quote(key, safe='')}".encode(), "text/plain"
    elif query.get("method") == "getcountries":
        body, ctype = b'{"status":1,"data":[{"name":"Russia","code":"RU"}]}', "application/json"
    elif query.get("method") == "getdataWithProviders":
        body = b'{"status":1,"data":{"services":[{"service":"opt4","name":"x","price_day":0.1,"count":{"a":1}}]}}'
        ctype = "application/json"
    else:  # the key inside a JSON string: '\/' and \u escapes are written raw, as a PHP service might
        body, ctype = ('{"status":0,"msg":"wrong apikey ' + said.replace('"', "") + '"}').encode(), "application/json"
    start_response("200 OK", [("Content-Type", ctype), ("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture(scope="module")
def echo():
    server = create_server(_echo, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    yield f"http://127.0.0.1:{server.effective_port}"
    stop_waitress(server)


@pytest.fixture(scope="module")
def hostile():
    with HostileServer(drip=0.2) as server:
        yield server


class _GoesDown:
    """An upstream that answers the proxy's start and is gone before the client calls (the proxy refuses a dead
    port at start)."""

    def __init__(self):
        self.server = HostileServer().__enter__()
        self.url = self.server.url("ok")

    def __call__(self) -> None:
        self.server.__exit__(None, None, None)


def _calls(url: str) -> list[requests.Response]:
    rent, balance = f"{url}/api/rent.php", f"{url}/priemnik.php"
    spend = {"dtype": "week", "dcount": "1", "country": "RU", "service": "opt4"}
    queries = [(rent, {"method": "getcountries"}), (rent, {"method": "orders", "apikey": CLIENT}),
               (rent, {"method": "orders", "apikey": PASSED}),
               (rent, {"method": "create", "apikey": CLIENT, "partner_key": PARTNER, **spend}),
               (rent, {"method": "create", "apikey": CLIENT, **spend, "dcount": " 3"}),
               (rent, {"method": "no_such", "apikey": CLIENT}),
               (balance, {"metod": "get_balance", "service": "opt4", "apikey": CLIENT}),
               (balance, {"metod": "get_userinfo", "apikey": CLIENT}), (balance, {"metod": "get_number", "apikey": PASSED})]
    return [requests.get(where, params=query, timeout=20) for where, query in queries]


def _run(upstream, tmp_path, timeout: str = "2") -> dict:
    """Start the proxy on `upstream` (a URL, or a _GoesDown stopped once the proxy listens), make every call."""
    down, upstream = (upstream, upstream.url) if isinstance(upstream, _GoesDown) else (None, upstream)
    rec, summary = tmp_path / "rec.jsonl", tmp_path / "summary.json"
    proc = subprocess.Popen([sys.executable, "-m", "mockserver.cli", "proxy", "--upstream", upstream, "--port", "0",
                             "--record", str(rec), "--summary", str(summary), "--timeout", timeout,
                             "--apikey-map", f"{CLIENT}={UPSTREAM}", "--allow-spend", "--max-spend", "5"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().split()[3]
        deadline = time.monotonic() + 10
        while True:
            try:
                live = requests.get(f"{url}/_mock/proxy", timeout=5).text
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline
        if down is not None:
            down()
        answers = _calls(url)
        live += requests.get(f"{url}/_mock/proxy", timeout=5).text
        os.kill(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    lines = rec.read_text(encoding="utf-8").splitlines()
    return {"answers": answers, "live": live, "stdout": out, "stderr": err, "lines": lines,
            "recording": "\n".join(lines), "summary": summary.read_text(encoding="utf-8"), "code": proc.returncode}


@pytest.mark.parametrize("kind", ["down", "echo", "moved", "slow", "malformed"])
def test_no_key_leaves_the_proxy_on_any_path(kind, echo, hostile, tmp_path):
    upstream = {"down": _GoesDown() if kind == "down" else None, "echo": echo, "moved": f"{echo}/moved", "slow": hostile.url("drip"),
                "malformed": hostile.url("html")}[kind]
    run = _run(upstream, tmp_path, timeout="0.5" if kind == "slow" else "2")
    assert run["code"] == 0, run["stderr"]
    for answer in run["answers"]:
        assert _leaks(answer.text) == [] and _leaks(str(answer.headers)) == [], (answer.status_code, answer.text)
    for part in ("live", "stdout", "stderr", "recording", "summary"):
        assert _leaks(run[part]) == [], (part, run[part][:2000])
    assert len(run["lines"]) == 9  # every call recorded, each line JSON
    for line in run["lines"]:
        json.loads(line, parse_constant=lambda name: pytest.fail(f"{name} in the recording"))
    codes = [a.status_code for a in run["answers"]]
    if kind == "echo":  # the refusals that echoed the keys were passed on, the keys replaced
        assert run["answers"][1].json() == {"status": 0, "msg": "wrong apikey *** *** *** ***"}
        assert run["answers"][7].text == "API KEY NOT FOUND! *** ***"
        assert codes == [200] * 9
    else:  # every forwarded call failed: a JSON 502 saying why, and the proxy's own refusals in band
        text = 200 if kind == "malformed" else 502  # a text page passes on the balance API, which refuses in text
        assert codes == [502, 502, 502, 200, 200, 200, text, text, 200]


def test_the_refusal_texts_of_a_dead_upstream_name_no_key(tmp_path):
    run = _run(_GoesDown(), tmp_path)
    msgs = [a.json().get("msg") for a in run["answers"]]
    assert msgs[1] == "rent-mock proxy: the upstream failed: connection: Connection refused"
    # the balance API's client reads its own error form
    assert run["answers"][6].json() == {"response": "error",
                                        "error_msg": "rent-mock proxy: the upstream failed: connection: Connection refused"}
    assert msgs[3] == ("rent-mock proxy: create refused: the account's balance cannot be read before it, so what it "
                       "costs could not be measured (the balance API failed: connection: Connection refused)")
    assert json.loads(run["lines"][1])["query"] == {"method": "orders", "apikey": "***"}


def test_a_fault_inside_the_proxy_is_a_json_500_without_keys(documented_upstream, monkeypatch):
    country, service, _ = offer(documented_upstream)

    def boom(self, method, query, forward):
        raise RuntimeError(f"failed with {query['apikey']}")

    monkeypatch.setattr(Guard, "run", boom)
    record = io.StringIO()
    guarded = proxy(documented_upstream, record, apikey_map={CLIENT: UPSTREAM}, allow_spend=True,
                    max_spend=Decimal("5"))
    r = requests.get(f"{guarded.url}/api/rent.php", params={"method": "create", "apikey": CLIENT, "dtype": "week",
                                                           "dcount": "1", "country": country, "service": service},
                     timeout=10)
    guarded.close()
    assert r.status_code == 500
    assert r.json() == {"status": 0, "msg": "rent-mock proxy: internal error (RuntimeError); the call may have "
                                            "reached the upstream"}
    line = json.loads(record.getvalue())
    assert line["internal_error"] == "RuntimeError" and line["query"]["apikey"] == "***"
    assert _leaks(record.getvalue()) == []
