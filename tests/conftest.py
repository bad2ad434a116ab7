"""Shared fixtures: a manual-clock hub per test, a Flask client, and one live server per session."""
from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from decimal import Decimal

import pytest
import requests
from hypothesis import settings as hypothesis_settings

from mockserver.core import catalogue as catalogue_mod
from mockserver.core.hub import Hub
from mockserver.core.world import WorldConfig
from mockserver.http.app import create_app
from mockserver.serve.server import ServeOptions, make_server

# CI runs the same examples every time (reproducible verdicts); local runs keep exploring.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

# A shell that starts the suite in the background (`.ci/run &`, nohup) makes it ignore SIGINT, and a child
# inherits an ignored signal: the servers tests start would then not stop on SIGINT (Ctrl-C), which is how
# they are stopped cleanly. A handled signal is reset to its default in a child, so handle it here.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

START = 1_700_000_000
KEY = "k-alice"
OTHER = "k-bob"


@pytest.fixture(scope="session")
def shipped_catalogue():
    """The shipped catalogues by dialect, parsed once; each hub copies its world's (live, or the reference one
    for documented and sdk worlds)."""
    return catalogue_mod.shipped()


@pytest.fixture(scope="session")
def reference_catalogue(shipped_catalogue):
    """The reference catalogue (documented and sdk worlds), which keeps the reference page's RU and opt59."""
    return shipped_catalogue["documented"]


def make_hub(cat, **config) -> Hub:
    """A hub whose default world has a manual clock at START and two funded accounts.

    Its dialect is `documented` unless given: most tests hold the mock to the reference page; the live
    dialect (the server's default) has its own tests (test_live_dialect.py)."""
    config.setdefault("accounts", {KEY: Decimal("100"), OTHER: Decimal("100")})
    config.setdefault("dialect", "documented")
    return Hub(cat, wall=lambda: 0.0, default=WorldConfig(start=START, **config))


@pytest.fixture
def hub(shipped_catalogue):
    return make_hub(shipped_catalogue)


@pytest.fixture
def world(hub):
    return hub.worlds["default"]


@pytest.fixture
def client(hub):
    return create_app(hub).test_client()


class Api:
    """A tiny rent.php + control client for tests (in-process or over HTTP)."""

    def __init__(self, get, post, apikey=KEY):
        self._get, self._post, self.apikey = get, post, apikey

    def call(self, method, apikey=..., **params):
        """Call rent.php; apikey defaults to this client's."""
        query = {"method": method, **params}
        key = self.apikey if apikey is ... else apikey
        if key is not None:
            query["apikey"] = key
        return self._get("/api/rent.php", query)

    def ok(self, method, **params):
        """Call and insist on status 1; returns data."""
        body = self.call(method, **params)
        assert body["status"] == 1, body
        return body.get("data")

    def control(self, path, body=None):
        """POST to the control API."""
        return self._post("/_mock" + path, body or {})


@pytest.fixture
def api(client):
    def get(path, query):
        return client.get(path, query_string=query).get_json()

    def post(path, body):
        return client.post(path, json=body).get_json()

    return Api(get, post)


@pytest.fixture(scope="session")
def live_server(shipped_catalogue):
    """One real waitress server on a free loopback port for the whole session, speaking `documented`
    (its worlds inherit it); tests of the live dialect create live worlds on it."""
    served = make_server(ServeOptions(port=0, clock="manual", start=START, apikey="live-demo", dialect="documented"))
    thread = threading.Thread(target=served.server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{served.server.effective_port}"
    yield base
    served.close()


@pytest.fixture
def live_world(live_server):
    """A fresh world on the live server: (base_url, world, apikey)."""
    r = requests.post(f"{live_server}/_mock/worlds", json={"seed": 7, "start": START}, timeout=10)
    r.raise_for_status()
    body = r.json()
    yield live_server, body["world"], body["apikey"]
    requests.delete(f"{live_server}/_mock/worlds/{body['world']}", timeout=10)


@contextmanager
def serving(opts: ServeOptions):
    """A waitress server for `opts` on its own thread, closed on exit; yields its root URL and Served."""
    served = make_server(opts)
    closing = threading.Event()

    def serve():
        try:
            served.server.run()
        except OSError:
            if not closing.is_set():  # closing the sockets under the poll loop is how it stops
                raise

    thread = threading.Thread(target=serve, daemon=True, name="test-mock")
    thread.start()
    try:
        yield f"http://127.0.0.1:{served.server.effective_port}", served
    finally:
        closing.set()
        served.close()
        thread.join(10)
