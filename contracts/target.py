"""One way for every tool to reach a rent.php server: the root URL, the mock's admin token, a reachability
check stated once and early, the spend cap, and worlds the tools create (and delete when they finish)."""
from __future__ import annotations

import functools
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Iterator
from urllib.parse import urlsplit

import click
import requests

TOKEN_ENV = "RENT_MOCK_ADMIN_TOKEN"
_RENT_PHP_SUFFIXES = ("/api/rent.php", "/rent.php")


class TargetError(click.ClickException):
    """A server that cannot be used as given: one line, exit 2, no traceback."""

    exit_code = 2


def root_url(url: str, flag: str = "--base-url") -> str:
    """The server's root URL without a trailing slash; a rent.php URL, one without a scheme or one with a query
    is refused (as `flag`) naming the root to give instead."""
    given = url.strip()
    parts = urlsplit(given)
    shown = repr(_bare(given))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        guess = urlsplit("http://" + given) if "://" not in given else None
        if guess is not None and guess.hostname:
            scheme = "http" if is_loopback("http://" + given) else "https"
            root = _root(f"{scheme}://{guess.hostname}{_port(guess)}{guess.path}")
            raise TargetError(f"{flag} {shown} has no scheme; give the root URL: {root}")
        raise TargetError(f"{flag} {shown} is not an http(s) URL; give the root URL, e.g. http://127.0.0.1:8080")
    if parts.query or parts.fragment or parts.username or parts.password:
        what = "a query" if parts.query else "a fragment" if parts.fragment else "a user name or password"
        raise TargetError(f"{flag} carries {what}, which has no place in a root URL (keys travel in each call); "
                          f"give the root URL: {_root(f'{parts.scheme}://{parts.hostname}{_port(parts)}{parts.path}')}")
    base = given.rstrip("/")
    if _root(base) != base:
        raise TargetError(f"{flag} {url} names rent.php itself; give the root URL: {_root(base)}")
    return base


def _bare(url: str) -> str:
    """`url` as it may be echoed: without query, fragment, user name or password (keys travel there)."""
    scheme, sep, rest = url.split("?")[0].split("#")[0].partition("://")
    if not sep:
        scheme, rest = "", scheme
    netloc, slash, path = rest.partition("/")
    return f"{scheme}{sep}{netloc.rpartition('@')[2]}{slash}{path}"


def _port(parts) -> str:
    try:
        return f":{parts.port}" if parts.port else ""
    except ValueError:
        return ""


def _root(url: str) -> str:
    """`url` without a trailing slash and without a trailing rent.php path."""
    base = url.rstrip("/")
    for suffix in _RENT_PHP_SUFFIXES:
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base


def is_loopback(url: str) -> bool:
    """True when the URL's host is this machine."""
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def default_pace(url: str) -> float:
    """Seconds between calls: none on loopback, a few for a remote service (the live one asks for it)."""
    return 0.0 if is_loopback(url) else 3.0


@dataclass
class Target:
    """A reachable server: its root URL, the admin token, and (when it is smspva-rent-mock) its default dialect."""

    base: str
    token: str | None = None
    mock_dialect: str | None = None

    @property
    def is_mock(self) -> bool:
        """True when the server is smspva-rent-mock (its control API answered)."""
        return self.mock_dialect is not None

    @property
    def headers(self) -> dict[str, str]:
        """The control API's token header, when there is a token."""
        return {"X-Mock-Token": self.token} if self.token else {}

    def control(self, verb: str, path: str, body: dict | None = None, timeout: float = 10) -> dict:
        """One call to the mock's control API; a refusal becomes one line naming the server's reason."""
        try:
            r = requests.request(verb, f"{self.base}/_mock{path}", json=body, headers=self.headers, timeout=timeout)
        except requests.RequestException as exc:
            raise TargetError(f"cannot connect to {self.base}: {_reason(exc)}") from None
        try:
            payload = r.json()
        except ValueError:
            payload = {}
        if r.status_code >= 400:
            why = payload.get("error") if isinstance(payload, dict) else None
            raise TargetError(f"{verb} /_mock{path} refused (HTTP {r.status_code}): {why or r.text[:200]}")
        return payload


def _reason(exc: requests.RequestException) -> str:
    """The short cause of a connection failure (requests nests it several levels deep)."""
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "timed out", "No route to host",
                   "Temporary failure in name resolution", "certificate verify failed"):
        if marker in text:
            return marker
    return type(exc).__name__


def connect(url: str, token: str | None = None, timeout: float = 5) -> Target:
    """Check the server answers before any work starts; learn whether it is the mock and its dialect."""
    base = root_url(url)
    target = Target(base, token)
    try:
        r = requests.get(base + "/_mock/health", headers=target.headers, timeout=timeout)
    except requests.RequestException as exc:
        raise TargetError(f"cannot connect to {base}: {_reason(exc)}") from None
    try:
        health = r.json()
    except ValueError:
        health = None
    if r.status_code == 401 and isinstance(health, dict) and "admin token" in str(health.get("error", "")):
        hint = "the token given was refused" if token else "pass --admin-token or set " + TOKEN_ENV
        raise TargetError(f"{base} is smspva-rent-mock with an admin token: {hint}")
    if health == {"ok": True}:
        target.mock_dialect = target.control("GET", "/worlds/default").get("dialect", "documented")
    return target


def budget(allow_spend: bool, max_spend: str | None) -> Decimal | None:
    """The spend cap: spending is allowed only with a cap (`--allow-spend` needs `--max-spend`)."""
    if max_spend is None:
        if allow_spend:
            raise click.UsageError("--allow-spend needs --max-spend AMOUNT: spending is always capped")
        return None
    try:
        cap = Decimal(max_spend)
    except InvalidOperation:
        raise click.BadParameter(f"not an amount: {max_spend!r}", param_hint="--max-spend") from None
    if not cap.is_finite() or cap < 0:
        raise click.BadParameter(f"not an amount: {max_spend!r}", param_hint="--max-spend")
    if not allow_spend:
        raise click.UsageError("--max-spend only applies with --allow-spend")
    return cap


@contextmanager
def temporary_world(target: Target, dialect: str | None = None, **settings) -> Iterator[dict]:
    """A fresh world on the mock (in `dialect`, else the default world's), deleted when the block ends."""
    body = {"dialect": dialect or target.mock_dialect, **settings}
    made = target.control("POST", "/worlds", body)
    try:
        yield made
    finally:
        try:
            requests.delete(f"{target.base}/_mock/worlds/{made['world']}", headers=target.headers, timeout=10)
        except requests.RequestException:
            pass  # the server went away: nothing left to clean


def target_options(func):
    """`--base-url` and `--admin-token` (env RENT_MOCK_ADMIN_TOKEN), the same on every command."""
    func = click.option("--admin-token", envvar=TOKEN_ENV, show_envvar=True,
                        help="The mock's control token, when it was started with one.")(func)
    func = click.option("--base-url", required=True,
                        help="Server root URL, e.g. http://127.0.0.1:8080 (not .../api/rent.php).")(func)
    return func


def spend_options(func):
    """`--allow-spend` and `--max-spend`, the same on every command that can spend money."""
    func = click.option("--max-spend", metavar="AMOUNT",
                        help="Most money the run may spend (required with --allow-spend).")(func)
    func = click.option("--allow-spend", is_flag=True,
                        help="Let calls that spend money run, within --max-spend (the mock's money is free).")(func)
    return func


def one_line_errors(func):
    """Turn an unexpected connection failure mid-run into one line instead of a traceback."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except requests.ConnectionError as exc:
            raise TargetError(f"lost the connection to the server: {_reason(exc)}") from None
    return wrapper
