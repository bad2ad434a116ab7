"""What the proxy needs from a mock (the shadow of --spy and --diff, and a check that an imported catalogue
can be served), offered by the mock when it is installed: `mockserver.serve.shadow` calls `provide` on import.
Contracts never import the mock, so that they can judge any implementation."""
from __future__ import annotations

from typing import Callable

from ..verdict import CannotRun

_start: Callable | None = None
_check: Callable[[dict], None] | None = None


def provide(start_shadow: Callable, check_catalogue: Callable[[dict], None]) -> None:
    """Offer the mock's shadow factory and catalogue check to the proxy."""
    global _start, _check
    _start, _check = start_shadow, check_catalogue


def start_shadow(upstream, dialect: str, countries: list[str] | None, apikey: str | None):
    """A mock seeded from `upstream`: (Shadow, served mock); refused in one line when no mock is installed."""
    if _start is None:
        raise CannotRun("--spy and --diff need the mock (mockserver, part of smspva-rent-mock): it is not installed")
    return _start(upstream, dialect, countries, apikey)


def check_catalogue(doc: dict) -> str | None:
    """Why the mock could not serve catalogue `doc` (None when it can, or when no mock is there to ask)."""
    if _check is None:
        return None
    try:
        _check(doc)
    except ValueError as exc:
        return str(exc)
    return None
