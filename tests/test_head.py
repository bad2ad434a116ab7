"""HEAD on every path: the headers GET would get, no body (on a kept-alive connection a stray body would be
read as the next answer), and no side effects."""
from __future__ import annotations

import json
import socket

import pytest

from contracts.registry import ACCOUNT_PATH, PATHS
from mockserver.core.snapshot import dump_world
from mockserver.serve.server import ServeOptions
from tests.conftest import START, serving

WAIT = 10  # seconds a socket waits before the test fails instead of hanging
KEY = "head-demo"


def head_of(data: bytes) -> tuple[int, dict, bytes]:
    """(status, headers with lower-case names, what follows the blank line) of one answer's head."""
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, rest


def receive_head(sock: socket.socket, data: bytes = b"") -> bytes:
    """Bytes from `sock` until one answer's head is complete (whatever came after it included)."""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {data!r}"
        data += chunk
    return data


def receive_answer(sock: socket.socket, data: bytes = b"") -> tuple[int, dict, bytes, bytes]:
    """(status, headers, body, what came after it) of one whole answer (bodies by Content-Length)."""
    status, headers, rest = head_of(receive_head(sock, data))
    length = int(headers["content-length"])
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed inside the body"
        rest += chunk
    return status, headers, rest[:length], rest[length:]


def request(verb: str, target: str) -> bytes:
    return f"{verb} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


def targets(served, world: str, order: int, rule: int) -> list[str]:
    """One request target for every route the server has: rent.php, the account API, each under
    /w/<world>/ too, every Flask rule (control API, dashboard) with its path values filled in."""
    values = {"world": world, "apikey": KEY, "order": str(order), "rule": str(rule), "country": "RU",
              "name": "app.js", "filename": "style.css"}
    rent = [f"{p}?method=getcountries" for p in PATHS] + [
        f"{p}?method=create&apikey={KEY}&dtype=week&dcount=1&country=RU&service=opt16" for p in PATHS] + [
        f"{ACCOUNT_PATH}?metod=get_balance&apikey={KEY}", f"{ACCOUNT_PATH}?metod=get_userinfo&apikey={KEY}"]
    found = rent + [f"/w/default{t}" for t in rent]
    rules = sorted(served.app.url_map.iter_rules(), key=lambda r: r.rule)
    for rule in rules:
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", values[name]).replace(f"<{name}>", values[name])
        found.append(path)
    assert "/_mock/worlds/<world>/snapshot" in {r.rule for r in rules} and "/" in found  # the map was read
    return found


@pytest.fixture
def mock():
    """A fresh server with an order and a fault rule, so that every path has something to show."""
    with serving(ServeOptions(port=0, clock="manual", start=START, apikey=KEY)) as (base, served):
        sock = socket.create_connection(("127.0.0.1", served.server.effective_port), timeout=WAIT)
        sock.sendall(request("GET", f"/api/rent.php?method=create&apikey={KEY}&dtype=week&dcount=1&country=KZ"
                                    "&service=opt16"))
        order = json.loads(receive_answer(sock)[2])["data"]["id"]
        sock.close()
        rule = served.rt.faults.add("default", "sms", "status0", times=5)
        yield served, targets(served, "default", order, rule.id)


def state(served) -> str:
    """Everything a request could change: every world and the fault rules."""
    worlds = {n: dump_world(w) for n, w in served.hub.worlds.items()}
    return json.dumps({"worlds": worlds, "faults": served.rt.faults.listing("default")}, sort_keys=True)


def test_head_has_no_body_on_any_path_of_a_kept_alive_connection(mock):
    served, paths = mock
    sock = socket.create_connection(("127.0.0.1", served.server.effective_port), timeout=WAIT)
    try:
        for path in paths:
            sock.sendall(request("HEAD", path))
            status, headers, after = head_of(receive_head(sock))
            assert status < 500 and after == b"", (path, status, after)  # nothing but the head
            sock.sendall(request("GET", "/_mock/health"))
            status, _, body, after = receive_answer(sock, after)
            assert (status, body, after) == (200, b'{"ok":true}', b""), path  # the next answer starts clean
    finally:
        sock.close()


def test_head_changes_nothing_on_any_path(mock):
    served, paths = mock
    served.rt.faults.add("default", "*", "rate_limit", per_second=1)  # HEAD neither counts nor sets it off
    served.rt.faults.add("default", "*", "status0", times=3)
    before = state(served)
    sock = socket.create_connection(("127.0.0.1", served.server.effective_port), timeout=WAIT)
    try:
        for path in paths:
            sock.sendall(request("HEAD", path))
            receive_head(sock)
    finally:
        sock.close()
    assert state(served) == before


def test_head_announces_what_get_answers(mock):
    served, paths = mock
    sock = socket.create_connection(("127.0.0.1", served.server.effective_port), timeout=WAIT)
    try:
        for path in paths:
            if "method=create" in path:
                continue  # HEAD does not run what changes state (test_connections.py holds its answer)
            sock.sendall(request("HEAD", path) + request("GET", path))
            status, headers, after = head_of(receive_head(sock))
            got_status, got_headers, body, _ = receive_answer(sock, after)
            assert (status, headers.get("content-type")) == (got_status, got_headers.get("content-type")), path
            assert int(headers["content-length"]) == len(body), path
    finally:
        sock.close()


def test_head_of_a_refused_body_has_no_body_either(mock):
    served, _ = mock
    sock = socket.create_connection(("127.0.0.1", served.server.effective_port), timeout=WAIT)
    try:
        sock.sendall(b"HEAD /api/rent.php HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 300000000\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):  # the server closes after a refusal
            data += chunk
    finally:
        sock.close()
    status, headers, after = head_of(data)
    assert (status, after) == (413, b"") and int(headers["content-length"]) > 0
