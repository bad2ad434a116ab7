"""Running the proxy: a waitress server in a thread (the mock's listener: connection cap, idle timeout, request
deadline), its summary printed on the way out."""
from __future__ import annotations

import threading
from typing import TextIO

from ..listener import create_server, waitress_options
from ..target import is_loopback_host
from .app import ProxyApp, Settings, Shadow
from .record import Recorder
from .upstream import MAX_ANSWER, Upstream


IDLE_TIMEOUT = 60  # seconds an idle connection stays open (as `rent-mock serve`'s default)
REQUEST_TIMEOUT = 10.0  # seconds a request has for its headers and body to arrive
BACKLOG = 2048  # connections waiting to be accepted
MAX_BODY = 64 << 10  # the proxy forwards GETs: a body is never needed


class Running:
    """A proxy serving on `url` until `close()`."""

    def __init__(self, app: ProxyApp, host: str, port: int, threads: int = 8):
        self.app = app
        # waitress's defaults held 100 connections with no deadline for a request: 100 idle ones shut everyone
        # out. The mock's listener makes room at its cap and cuts a request that does not arrive within 10 s.
        listening = waitress_options(None, IDLE_TIMEOUT, BACKLOG, MAX_BODY)
        self.server = create_server(app, REQUEST_TIMEOUT, host=host, port=port, threads=threads,
                                    ident="rent-mock-proxy", **listening)
        self.url = f"http://{host}:{self.server.effective_port}"
        self.thread = threading.Thread(target=self._run, daemon=True, name="rent-mock-proxy")
        self.closed = False

    def _run(self) -> None:
        try:
            self.server.run()
        except OSError:
            if not self.closed:  # closing from another thread ends the loop with EBADF: that is the stop
                raise

    def start(self) -> "Running":
        """Serve in a background thread."""
        self.thread.start()
        return self

    def close(self) -> dict:
        """Stop serving; returns the summary."""
        self.closed = True
        # workers first: one that finishes later pulls the trigger into a closed (maybe reused) descriptor
        self.server.task_dispatcher.shutdown(timeout=5)
        self.server.close()
        self.app.upstream.close()
        return self.app.summary()


def build(upstream_url: str, settings: Settings, record: TextIO | None = None, shadow: Shadow | None = None,
          timeout: float = 20.0, host: str = "127.0.0.1", port: int = 0, max_bytes: int = MAX_ANSWER) -> Running:
    """A proxy in front of `upstream_url` (not started yet): `timeout` bounds each client call, `max_bytes`
    each answer the upstream sends."""
    app = ProxyApp(Upstream(upstream_url, timeout, max_bytes), settings, Recorder(record), shadow,
                   loopback_only=is_loopback_host(host))
    return Running(app, host, port)
