"""The socket side of a server (the mock's and the proxy's): waitress's connection limits, the idle timeout, a
deadline for each request, room made at the connection cap, bodies refused before they are read (with a JSON
answer), and the open-file limit many connections need."""
from __future__ import annotations

import json
import logging
import time
from typing import Callable

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher
from waitress.utilities import Error, RequestEntityTooLarge

from .registry import PATHS

log = logging.getLogger("smspva-rent-mock")
SPARE_FILES = 64  # descriptors kept for the listening socket, the state file, logs and worker threads
CONNECTIONS = 4000  # the default connection limit (fewer when the open-file limit is lower)


def error_body(path: str, message: str) -> bytes:
    """A refusal of the listener's own as JSON: rent.php's error envelope on rent.php paths, else `{"error": …}`."""
    doc = {"status": 0, "msg": message} if path in PATHS else {"error": message}
    return json.dumps(doc, ensure_ascii=False).encode()


def raise_open_files() -> int:
    """Raise this process's soft limit of open files to its hard limit; returns the soft limit now."""
    try:
        import resource
    except ImportError:  # Windows: no such limit to raise
        return 1 << 16
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1 << 30
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 16)
    if soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):  # some sandboxes refuse; keep what we have
            pass
    return soft


class JsonErrorTask(ErrorTask):
    """waitress's own refusals (a body over the limit, a malformed request) as JSON, not plain text."""

    def execute(self):
        """Write the refusal in the server's words (`Listener.error_body`)."""
        request, exc = self.request, self.request.error
        if isinstance(exc, RequestEntityTooLarge):
            limit = self.channel.server.adj.max_request_body_size - 1
            size = f" of {request.content_length} bytes" if request.content_length else ""  # chunked: unknown
            message = f"Request body{size} is over the limit of {limit} bytes"
        else:
            message = f"{exc.reason}: {exc.body}"
        path = getattr(request, "path", "") or ""  # a request cut before its first line has none
        body = self.channel.server.error_body(path, message)
        self.status = f"{exc.code} {exc.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(b"" if getattr(request, "command", "") == "HEAD" else body)  # HEAD: the headers alone


class RequestTimeout(Error):
    """A request whose headers and body did not all arrive within the deadline."""

    code = 408
    reason = "Request Timeout"


class Channel(HTTPChannel):
    """A waitress connection whose refusals are JSON, and whose requests must arrive within a deadline.

    waitress closes a connection only when it is idle (`channel_timeout`); one that sends a byte every few
    seconds is never idle and would hold its place for ever. Here the clock starts at a request's first
    byte, and counts only while the server waits on the client (not while it answers).
    """

    error_task_class = JsonErrorTask
    request_started: float | None = None  # server clock when the request being received began
    waiting_since: float = 0.0  # server clock when this connection last began to wait on its client

    def __init__(self, server, sock, addr, adj, map=None):
        super().__init__(server, sock, addr, adj, map)
        self.waiting_since = server.clock()

    def received(self, data):
        """Read bytes as waitress does, and note when a new request began."""
        partial = self.request
        done = super().received(data)
        if self.request is None:
            self.request_started = None
        elif self.request is not partial or self.request_started is None:
            self.request_started = self.server.clock()
        return done

    def readable(self):
        """waitress's answer, after cutting a request that ran past its deadline."""
        if self.request_started is not None:
            if self.requests:  # the server is answering: the client is not the one keeping it waiting
                self.request_started = self.server.clock()
            elif self.server.clock() - self.request_started > self.server.request_timeout:
                self._time_out()
        return super().readable()

    def service(self):
        """Answer as waitress does; the connection then waits on its client again."""
        super().service()
        self.waiting_since = self.server.clock()

    def waited(self, now: float) -> float | None:
        """Seconds this connection has waited on its client, or None while the server owes it something."""
        if self.requests or self.total_outbufs_len or self.will_close or self.close_when_flushed:
            return None
        started = self.request_started
        return now - (started if started is not None else self.waiting_since)

    def _time_out(self) -> None:
        """Answer 408 in place of the request being received, then close (as waitress answers a bad request)."""
        with self.requests_lock:
            partial = self.request
            if partial is None or self.requests or self.will_close or self.close_when_flushed:
                return
            cut = self.parser_class(self.adj)
            cut.error = RequestTimeout(f"the request did not arrive whole within {self.server.request_timeout:g} s "
                                       "(rent-mock serve --request-timeout)")
            cut.version = partial.version
            cut.command, cut.path = getattr(partial, "command", ""), getattr(partial, "path", "")
            cut.completed = True
            partial.close()
            self.request, self.request_started = None, None
            self.requests.append(cut)
        self.server.add_task(self)


class Listener(TcpWSGIServer):
    """A waitress listening socket that keeps answering at the connection cap.

    waitress stops accepting at `connection_limit`, so connections that hold their place (idle, or sending a
    request a byte at a time) shut everyone else out. Here a new connection at the cap takes the place of the
    one that has waited longest on its client (an idle keep-alive connection, or a request still arriving);
    only when every connection is being answered does the listener stop accepting until one is done.
    """

    channel_class = Channel
    error_body: Callable[[str, str], bytes] = staticmethod(error_body)  # how the listener's own refusals read
    request_timeout = 10.0
    clock = staticmethod(time.monotonic)  # what deadlines and waits are measured by (tests move their own)
    _full = False

    def readable(self):
        """Accept while under the cap, or at the cap while some connection can make room."""
        now = time.time()
        if now >= self.next_channel_cleanup:
            self.next_channel_cleanup = now + self.adj.cleanup_interval
            self.maintenance(now)
        if not self.accepting:
            return False
        if len(self._map) < self.adj.connection_limit:
            if self._full:
                self._full = False
                log.info("connections below the limit of %d again", self.adj.connection_limit)
            return True
        if not self._full:
            self._full = True
            log.warning("%d connections, the limit: each new one takes the place of the one that waited longest "
                        "on its client (rent-mock serve --connection-limit)", self.adj.connection_limit)
        return self.longest_waiting() is not None

    def handle_accept(self):
        """Accept one connection; at the cap, close the one that waited longest on its client to make room."""
        victim = self.longest_waiting() if len(self._map) >= self.adj.connection_limit else None
        before = len(self._map)
        super().handle_accept()
        if victim is not None and len(self._map) > before:
            victim.handle_close()

    def longest_waiting(self) -> Channel | None:
        """The connection that has waited longest on its client (None when every one is being answered)."""
        now, best, longest = self.clock(), None, -1.0
        for channel in self._map.values():
            waited = channel.waited(now) if isinstance(channel, Channel) else None
            if waited is not None and waited > longest:
                best, longest = channel, waited
        return best


def waitress_options(connections: int | None, idle_timeout: int, backlog: int, max_body: int) -> dict:
    """create_server keywords: connections held at most (None: CONNECTIONS, lowered to what the open-file
    limit allows; a limit given that the open-file limit does not allow is refused), seconds an idle connection
    stays open, connections waiting to be accepted, the largest body.

    poll() instead of select(): select() cannot watch a descriptor past 1024. A body over `max_body` is
    refused from its Content-Length, before a byte of it is read (waitress reads whole bodies first).
    """
    files = raise_open_files()
    room = max(1, files - SPARE_FILES)
    if connections is not None and connections > room:
        raise ValueError(f"--connection-limit {connections}: this process may open {files} files (ulimit -n), "
                         f"so at most {room} connections; give a lower limit or raise ulimit -n")
    if connections is None:
        connections = min(CONNECTIONS, room)
        if connections < CONNECTIONS:
            log.warning("connection limit %d, not %d: this process may open %d files (ulimit -n)",
                        connections, CONNECTIONS, files)
    return {"connection_limit": connections, "channel_timeout": idle_timeout,
            "cleanup_interval": max(1, min(30, idle_timeout // 2)), "backlog": backlog,
            "asyncore_use_poll": True, "max_request_body_size": max_body + 1}  # waitress refuses at >=


def create_server(app, request_timeout: float, errors: Callable[[str, str], bytes] = error_body, **adjustments):
    """waitress's create_server with our listening sockets: one per address `host` resolves to; `errors` writes
    the listener's own refusals (path, message) -> body."""
    adj = Adjustments(**adjustments)
    sockets: dict = {}
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    servers = [Listener(app, sockets, dispatcher=dispatcher, adj=adj, sockinfo=info) for info in adj.listen]
    for server in servers:
        server.request_timeout = request_timeout
        server.error_body = errors
    if len(servers) == 1:
        return servers[0]
    multi = MultiSocketServer(sockets, adj, [(s.effective_host, s.effective_port) for s in servers], dispatcher,
                              servers[0].log_info)
    multi.effective_host, multi.effective_port = servers[0].effective_host, servers[0].effective_port
    return multi
