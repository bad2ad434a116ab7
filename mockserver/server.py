"""Building a ready server: the default world, the hub, the app, and waitress to serve it."""
from __future__ import annotations

import hashlib
import ipaddress
import time
from dataclasses import dataclass
from decimal import Decimal

from .core import catalogue
from .core.hub import DEFAULT, Hub
from .core.world import WorldConfig
from .http.app import create_app


def demo_apikey(seed: int) -> str:
    """The default world's ready apikey: stable for a seed, so scripts can rely on it."""
    return "demo" + hashlib.sha256(f"smspva-rent-mock:{seed}".encode()).hexdigest()[:28]


def wall_time() -> float:
    """The wall clock real clocks read (looked up at call time, so freezegun can stand in for it)."""
    return time.time()


def is_loopback(host: str) -> bool:
    """True when `host` only listens on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class ServeOptions:
    """Everything `rent-mock serve` takes."""

    host: str = "127.0.0.1"
    port: int = 8080
    seed: int = 1
    clock: str = "real"
    speed: float = 1.0
    dialect: str = "documented"
    catalogue: str | None = None
    apikey: str | None = None
    balance: str = "100"
    start: int | None = None
    admin_token: str | None = None
    threads: int = 8


def build_hub(opts: ServeOptions) -> Hub:
    """The hub with its default world configured from `opts`."""
    cat = catalogue.load(opts.catalogue)
    start = opts.start if opts.start is not None else int(wall_time())
    config = WorldConfig(seed=opts.seed, clock=opts.clock, start=start, speed=opts.speed, dialect=opts.dialect,
                         accounts={opts.apikey or demo_apikey(opts.seed): Decimal(opts.balance)})
    return Hub(cat, wall_time, config)


def make_server(opts: ServeOptions):
    """A waitress server for the options (port 0 picks a free port); returns (server, hub)."""
    from waitress import create_server

    if not is_loopback(opts.host) and not opts.admin_token:
        raise ValueError(f"listening on {opts.host} reaches beyond this machine: set --admin-token")
    hub = build_hub(opts)
    app = create_app(hub, opts.admin_token)
    server = create_server(app, host=opts.host, port=opts.port, threads=opts.threads, ident="smspva-rent-mock")
    return server, hub


def default_apikey(hub: Hub) -> str:
    """The funded apikey of the default world."""
    return next(iter(hub.worlds[DEFAULT].config.accounts))
