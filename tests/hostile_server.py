"""A hostile HTTP server for the tools' tests: every way an answer can hurt a client, one mode per path prefix.

    with HostileServer() as hostile:
        root = hostile.url("drip")          # http://127.0.0.1:PORT/drip: every path under it drips

Modes (each answers every path under its prefix; `/_mock/...` too, unless noted):
  ok         {"status":1,"data":[]} with Content-Length, keep-alive (a sane server, to compare)
  once       the same answer promising keep-alive, then the connection closes (a stale kept-alive socket)
  deep       {"status":1,"data":[[[…]]]} nested 100,000 deep
  huge       300 MB of JSON-looking bytes, no Content-Length (ends when the client hangs up)
  huge-length  the same with Content-Length: 314572800 declared
  drip       headers at once, then one byte every `drip` seconds (default 3) for ever
  chunked    an endless chunked answer: a small chunk every 50 ms for ever
  redirect   302 to http://elsewhere.invalid/api/rent.php?apikey=LEAK (off the origin)
  nan        {"status":1,"data":NaN}
  infinity   {"status":1,"data":{"price":Infinity}}
  types      wrong types everywhere: {"status":1,"data":["a","b"]} (a list of strings where objects belong)
  status     {"status":"1","data":{}} (status as a string)
  html       HTTP 200 text/html page
  silent     accepts and never answers
  close      accepts, reads the request, closes without a word
  cut        Content-Length: 1000 and 10 bytes, then the connection closes
In every mode but `ok`, `/_mock/health` answers 404 (a server without the control extension) unless the
server is made with `hostile_health=True`. Every request is kept in `requests` as (mode, verb, path, query).
"""
from __future__ import annotations

import socket
import socketserver
import threading
import time
from urllib.parse import parse_qsl, urlsplit

DEEP = 100_000
HUGE = 300 * 1024 * 1024
MODES = ("ok", "once", "deep", "huge", "huge-length", "drip", "chunked", "redirect", "nan", "infinity", "types", "status",
         "html", "silent", "close", "cut")
_ENDLESS = 120.0  # an endless answer still ends after this many seconds (a test thread never lingers)


def _head(status: str, ctype: str = "application/json", length: int | None = None, extra: str = "",
          keep: bool = False) -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {ctype}"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines.append("Connection: keep-alive" if keep else "Connection: close")
    if extra:
        lines.append(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _json(body: bytes, keep: bool = False) -> bytes:
    return _head("200 OK", length=len(body), keep=keep) + body


class _Handler(socketserver.BaseRequestHandler):
    server: "_Server"

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(30)
        buf = b""
        while True:  # one request after another on a kept-alive connection
            while b"\r\n\r\n" not in buf:
                try:
                    data = sock.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                buf += data
            head, _, buf = buf.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            verb, target = lines[0].split(" ")[:2]
            length = next((int(v.split(":", 1)[1]) for v in lines[1:] if v.lower().startswith("content-length:")), 0)
            while len(buf) < length:
                more = sock.recv(65536)
                if not more:
                    return
                buf += more
            buf = buf[length:]
            parts = urlsplit(target)
            mode, _, rest = parts.path.lstrip("/").partition("/")
            self.server.owner.requests.append((mode, verb, "/" + rest, dict(parse_qsl(parts.query))))
            try:
                keep = self.answer(sock, mode, "/" + rest)
            except OSError:
                return  # the client hung up: what an endless answer waits for
            if not keep:
                return

    def answer(self, sock: socket.socket, mode: str, path: str) -> bool:
        """Send the mode's answer; True when the connection stays open for another request."""
        owner = self.server.owner
        if mode == "ok" or (path.startswith("/_mock/") and not owner.hostile_health):
            body = b'{"status":1,"data":[]}' if mode == "ok" else b'{"error":"not found"}'
            status = "200 OK" if mode == "ok" else "404 Not Found"
            sock.sendall(_head(status, length=len(body), keep=True) + body)
            return True
        if mode == "once":
            body = b'{"status":1,"data":[]}'
            sock.sendall(_head("200 OK", length=len(body), keep=True) + body)
        elif mode == "deep":
            sock.sendall(_json(b'{"status":1,"data":' + b"[" * DEEP + b"]" * DEEP + b"}"))
        elif mode in ("huge", "huge-length"):
            sock.sendall(_head("200 OK", length=HUGE if mode == "huge-length" else None) + b'{"status":1,"data":"')
            block, sent, began = b"x" * 65536, 0, time.monotonic()
            while sent < HUGE and time.monotonic() - began < _ENDLESS:
                sock.sendall(block)
                sent += len(block)
        elif mode == "drip":
            sock.sendall(_head("200 OK"))
            began = time.monotonic()
            while time.monotonic() - began < _ENDLESS:
                sock.sendall(b" ")
                time.sleep(owner.drip)
        elif mode == "chunked":
            sock.sendall(_head("200 OK", extra="Transfer-Encoding: chunked"))
            began = time.monotonic()
            while time.monotonic() - began < _ENDLESS:
                sock.sendall(b"4\r\n    \r\n")
                time.sleep(0.05)
        elif mode == "redirect":
            sock.sendall(_head("302 Found", length=0,
                               extra="Location: http://elsewhere.invalid/api/rent.php?apikey=LEAK"))
        elif mode == "nan":
            sock.sendall(_json(b'{"status":1,"data":NaN}'))
        elif mode == "infinity":
            sock.sendall(_json(b'{"status":1,"data":{"price":Infinity}}'))
        elif mode == "types":
            sock.sendall(_json(b'{"status":1,"data":["a","b"]}'))
        elif mode == "status":
            sock.sendall(_json(b'{"status":"1","data":{}}'))
        elif mode == "html":
            page = b"<html><body>It works!</body></html>"
            sock.sendall(_head("200 OK", "text/html", len(page)) + page)
        elif mode == "silent":
            sock.settimeout(0.1)
            began = time.monotonic()
            while time.monotonic() - began < _ENDLESS:
                try:
                    if sock.recv(1) == b"":
                        return False  # the client has gone
                except socket.timeout:
                    continue
        elif mode == "cut":
            sock.sendall(_head("200 OK", length=1000) + b'{"status":')
        # "close" and unknown modes: say nothing
        return False


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: "HostileServer"


class HostileServer:
    """Starts on a free loopback port; `url(mode)` is a root URL whose every path answers in that mode."""

    def __init__(self, drip: float = 3.0, hostile_health: bool = False):
        self.drip = drip
        self.hostile_health = hostile_health
        self.requests: list[tuple[str, str, str, dict]] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def url(self, mode: str) -> str:
        """The root URL of a mode."""
        assert mode in MODES, mode
        return f"http://127.0.0.1:{self.port}/{mode}"

    def __enter__(self) -> "HostileServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
