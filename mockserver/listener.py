"""The socket side of the server: waitress's connection limits, the idle timeout, bodies refused before
they are read (with a JSON answer), and the open-file limit many connections need."""
from __future__ import annotations

import logging

from waitress.channel import HTTPChannel
from waitress.task import ErrorTask
from waitress.utilities import RequestEntityTooLarge

from .http.rent import encode, error
from .http.wsgi import _rent_path

log = logging.getLogger("smspva-rent-mock")
SPARE_FILES = 64  # descriptors kept for the listening socket, the state file, logs and worker threads


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
        """Write the refusal: rent.php's error envelope on rent.php paths, `{"error": ...}` elsewhere."""
        request, exc = self.request, self.request.error
        if isinstance(exc, RequestEntityTooLarge):
            limit = self.channel.server.adj.max_request_body_size - 1
            size = f" of {request.content_length} bytes" if request.content_length else ""  # chunked: unknown
            message = f"Request body{size} is over the limit of {limit} bytes"
        else:
            message = f"{exc.reason}: {exc.body}"
        is_rent, _ = _rent_path(request.path or "")
        body = encode(error(message) if is_rent else {"error": message})
        self.status = f"{exc.code} {exc.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(b"" if request.command == "HEAD" else body)  # HEAD: the headers alone


class Channel(HTTPChannel):
    """A waitress connection whose refusals are JSON."""

    error_task_class = JsonErrorTask


def waitress_options(connections: int, idle_timeout: int, backlog: int, max_body: int) -> dict:
    """create_server keywords: connections held at most (lowered to what the open-file limit allows),
    seconds an idle connection stays open, connections waiting to be accepted, the largest body.

    poll() instead of select(): select() cannot watch a descriptor past 1024. A body over `max_body` is
    refused from its Content-Length, before a byte of it is read (waitress reads whole bodies first).
    """
    files = raise_open_files()
    if connections + SPARE_FILES > files:
        log.warning("connection limit lowered from %d to %d: this process may open %d files (ulimit -n)",
                    connections, max(1, files - SPARE_FILES), files)
        connections = max(1, files - SPARE_FILES)
    return {"connection_limit": connections, "channel_timeout": idle_timeout,
            "cleanup_interval": max(1, min(30, idle_timeout // 2)), "backlog": backlog,
            "asyncore_use_poll": True, "max_request_body_size": max_body + 1}  # waitress refuses at >=


def use_json_errors(server) -> None:
    """Make every listening socket of `server` answer its refusals in JSON."""
    parts = [server] if hasattr(server, "channel_class") else list(getattr(server, "map", {}).values())
    for part in parts:
        if hasattr(part, "channel_class"):
            part.channel_class = Channel
