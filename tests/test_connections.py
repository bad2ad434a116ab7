"""The socket side: many idle keep-alive connections held while others are answered, idle ones closed after
the timeout, and bodies over the limit refused from their Content-Length before they are sent."""
from __future__ import annotations

import json
import queue
import socket
import threading
from contextlib import contextmanager

import pytest
import requests

from mockserver.serve.listener import Channel
from mockserver.serve.server import ServeOptions, make_server
from tests.conftest import serving
from tests.test_cli import start

IDLE = 1_100  # idle connections held at once; the issue asks for at least 1,000
WAIT = 10  # seconds a socket waits for an answer before the test fails (instead of hanging)


@pytest.fixture
def server():
    """A live server with the default connection settings: (host, port)."""
    served = make_server(ServeOptions(port=0, clock="manual"))
    threading.Thread(target=served.server.run, daemon=True).start()
    yield "127.0.0.1", served.server.effective_port
    served.server.close()


def read_answer(sock: socket.socket) -> tuple[int, dict, bytes]:
    """One HTTP answer from `sock`: status, headers (lower-case names), body (by Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", 0))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed inside the body"
        body += chunk
    return int(lines[0].split()[1]), headers, body


def test_a_thousand_idle_connections_are_held_and_others_still_answered(server):
    host, port = server
    idle = []
    try:
        for _ in range(IDLE):
            idle.append(socket.create_connection((host, port), timeout=WAIT))  # and not a byte sent
        fresh = requests.get(f"http://{host}:{port}/_mock/health", timeout=WAIT)
        assert fresh.json() == {"ok": True}
        for sock in idle:  # every one was accepted and is served, as keep-alive connections
            sock.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: mock\r\n\r\n")
        for sock in idle:
            assert read_answer(sock)[::2] == (200, b'{"ok":true}')
        idle[0].sendall(b"GET /_mock/health HTTP/1.1\r\nHost: mock\r\n\r\n")  # still open after its answer
        assert read_answer(idle[0])[::2] == (200, b'{"ok":true}')
    finally:
        for sock in idle:
            sock.close()


def test_idle_connections_are_closed_after_the_idle_timeout_option():
    proc, info, _ = start("--clock", "manual", "--idle-timeout", "1", "--connection-limit", "1200")
    try:
        host, port = info["base URL"].removeprefix("http://").split(":")
        sock = socket.create_connection((host, int(port)), timeout=WAIT)
        assert sock.recv(1) == b""  # the server closed it (a hang would raise socket.timeout)
        assert requests.get(info["base URL"] + "/_mock/health", timeout=WAIT).json() == {"ok": True}
    finally:
        proc.terminate()
        proc.communicate(timeout=20)


@pytest.mark.parametrize("path, expected", [
    ("/api/rent.php?method=getcountries",
     {"status": 0, "msg": "Request body of 300000000 bytes is over the limit of 33554432 bytes"}),
    ("/_mock/worlds", {"error": "Request body of 300000000 bytes is over the limit of 33554432 bytes"}),
])
def test_a_large_body_is_refused_from_its_length_before_it_is_sent(server, path, expected):
    sock = socket.create_connection(server, timeout=WAIT)
    try:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\n"
                     "Content-Length: 300000000\r\n\r\n".encode())  # the 300 MB never follow
        status, headers, body = read_answer(sock)
    finally:
        sock.close()
    assert status == 413 and headers["content-type"] == "application/json"
    assert json.loads(body) == expected


def test_a_body_under_the_limit_still_gets_the_only_get_answer(server):
    host, port = server
    r = requests.post(f"http://{host}:{port}/api/rent.php?method=getcountries", data=b"x" * 500_000, timeout=WAIT)
    assert r.status_code == 200 and r.json() == {"status": 0, "msg": "Only GET requests are accepted"}


def test_head_answers_the_headers_of_get_without_a_body(client):
    query = {"method": "getcountries"}
    got = client.get("/api/rent.php", query_string=query)
    head = client.head("/api/rent.php", query_string=query)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == str(len(got.data)) and head.headers["Content-Type"] == "application/json"


def test_head_runs_no_method_that_changes_state(client):
    from tests.conftest import KEY

    query = {"method": "create", "apikey": KEY, "dtype": "week", "dcount": 1, "country": "RU", "service": "opt16"}
    head = client.head("/api/rent.php", query_string=query)
    assert head.data == b""
    assert int(head.headers["Content-Length"]) == len(
        b'{"status":0,"msg":"HEAD does not run create: it changes state (send GET)"}')
    account = client.get(f"/_mock/accounts/{KEY}").get_json()
    assert account["balance"] == 100 and [e["kind"] for e in account["ledger"]] == ["initial"]
    assert client.get("/api/rent.php", query_string={"method": "orders", "apikey": KEY}).get_json()["data"] == []
    entry = client.get("/_mock/journal", query_string={"method": "create"}).get_json()["entries"][-1]
    assert entry["verb"] == "HEAD" and entry["findings"] == ["HEAD of create, which changes state"]
    assert entry["msg"] == "HEAD does not run create: it changes state (send GET)"


def test_head_over_the_wire_leaves_the_connection_usable(server):
    sock = socket.create_connection(server, timeout=WAIT)
    try:
        sock.sendall(b"HEAD /api/rent.php?method=getcountries HTTP/1.1\r\nHost: mock\r\n\r\n"
                     b"GET /_mock/health HTTP/1.1\r\nHost: mock\r\n\r\n")
        data = b""
        while b'{"ok":true}' not in data:
            chunk = sock.recv(65536)
            assert chunk, data
            data += chunk
    finally:
        sock.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and rest.startswith(b"HTTP/1.1 200")  # no body between the two


class Clock:
    """The listener's clock, moved by the test (deadlines without waiting for them)."""

    def __init__(self):
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class Arrivals:
    """Bytes the server has read, so a test moves the clock only once they are in (no sleeping on it)."""

    def __init__(self):
        self.read, self.total = queue.Queue(), 0

    def channel(self):
        """A connection class that reports what it reads."""
        arrivals = self

        class Reporting(Channel):
            def received(self, data):
                done = super().received(data)
                arrivals.read.put(len(data))
                return done

        return Reporting

    def wait(self, sent: int) -> None:
        """Return once the server has read `sent` bytes in all."""
        while self.total < sent:
            self.total += self.read.get(timeout=WAIT)


@contextmanager
def dripping_server(**options):
    """A live server whose listener runs on a test clock: (host, port, clock, arrivals)."""
    with serving(ServeOptions(port=0, clock="manual", **options)) as (_, served):
        clock, arrivals = Clock(), Arrivals()
        served.server.clock = clock
        served.server.channel_class = arrivals.channel()
        yield "127.0.0.1", served.server.effective_port, clock, arrivals


def answer_then_close(sock: socket.socket) -> tuple[int, dict, bytes]:
    """The one answer a server sends before it closes the connection."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


DEADLINE = "the request did not arrive whole within 10 s (rent-mock serve --request-timeout)"


@pytest.mark.parametrize("start, drip, expected", [
    # headers still arriving: the path is not known yet, so the control API's form
    (b"GET /api/rent.php?method=getcountries HTTP/1.1\r\nHost: mock\r\n", b"X",
     {"error": "Request Timeout: " + DEADLINE}),
    # headers done, the body arriving a byte at a time: rent.php's envelope
    (b"POST /api/rent.php?method=getcountries HTTP/1.1\r\nHost: mock\r\nContent-Length: 100\r\n\r\n", b"x",
     {"status": 0, "msg": "Request Timeout: " + DEADLINE}),
    (b"POST /_mock/worlds HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n",
     b" ", {"error": "Request Timeout: " + DEADLINE}),
])
def test_a_request_that_drips_is_cut_at_its_deadline(start, drip, expected):
    with dripping_server() as (host, port, clock, arrivals):
        sock = socket.create_connection((host, port), timeout=WAIT)
        try:
            sock.sendall(start)
            sent = len(start)
            for _ in range(4):  # never idle: a byte every 3 s
                arrivals.wait(sent)
                clock.now += 3
                sock.sendall(drip)
                sent += len(drip)
            status, headers, body = answer_then_close(sock)
        finally:
            sock.close()
        assert (status, headers["content-type"], json.loads(body)) == (408, "application/json", expected)
        assert requests.get(f"http://{host}:{port}/_mock/health", timeout=WAIT).json() == {"ok": True}


def test_the_deadline_counts_only_while_the_server_waits_on_the_client():
    with dripping_server() as (host, port, clock, arrivals):
        sock = socket.create_connection((host, port), timeout=WAIT)
        try:
            for _ in range(5):  # one connection kept alive for 50 s of the listener's clock, a request per 10 s
                sock.sendall(b"GET /_mock/health HTTP/1.1\r\nHost: mock\r\n\r\n")
                assert read_answer(sock)[::2] == (200, b'{"ok":true}')
                clock.now += 10
            sock.sendall(b"GET /_mock/health HTTP/1.1\r\n")  # a request begins; 9 s later it ends in time
            arrivals.wait(5 * 42 + 28)
            clock.now += 9
            sock.sendall(b"Host: mock\r\n\r\n")
            assert read_answer(sock)[::2] == (200, b'{"ok":true}')
        finally:
            sock.close()


def test_hundreds_of_drips_at_the_connection_cap_do_not_shut_others_out():
    with dripping_server(connection_limit=20) as (host, port, _, _):
        drips = []
        try:
            for n in range(300):  # each holds its place by never finishing its request
                sock = socket.create_connection((host, port), timeout=WAIT)
                sock.sendall(b"GET /api/rent.php?method=getcountries HTTP/1.1\r\nHost: mock\r\nX-Drip: ")
                drips.append(sock)
            for _ in range(5):  # the listener's clock stands still: no deadline comes to the rescue
                got = requests.get(f"http://{host}:{port}/_mock/health", timeout=WAIT)
                assert got.json() == {"ok": True}
            cut = 0
            for sock in drips:  # the ones that made room were closed; the rest are still held, at most the cap
                sock.settimeout(0.01)
                try:
                    cut += sock.recv(1) == b""
                except socket.timeout:
                    pass
                except ConnectionResetError:
                    cut += 1
            assert 300 - 20 <= cut < 300
        finally:
            for sock in drips:
                sock.close()


def test_request_timeout_is_an_option_of_serve():
    proc, info, _ = start("--clock", "manual", "--request-timeout", "0.5")
    try:
        host, port = info["base URL"].removeprefix("http://").split(":")
        sock = socket.create_connection((host, int(port)), timeout=WAIT)
        sock.sendall(b"GET /_mock/health HTTP/1.1\r\n")  # and nothing more
        status, _, body = answer_then_close(sock)
        sock.close()
        assert (status, json.loads(body)) == (408, {"error": "Request Timeout: the request did not arrive whole "
                                                             "within 0.5 s (rent-mock serve --request-timeout)"})
    finally:
        proc.terminate()
        proc.communicate(timeout=20)
