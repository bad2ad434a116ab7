"""One way for every tool to meet a rent.php server, before any work: the root URL (a rent.php URL is refused
naming the root), a first call (a dead port, a silent server or a wrong root is one line, exit 2), the mock's
admin token when it needs one, an apikey the server refuses, the spend cap, and the worlds the tools create
(deleted when they finish). Every call goes through contracts.fetch: a total deadline, a size cap, no redirect."""
from __future__ import annotations

import functools
import ipaddress
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Iterator
from urllib.parse import urlsplit

import click

from .fetch import DEADLINE, BadJSON, FetchError, Fetcher, Response
from .verdict import CannotRun

TOKEN_ENV = "RENT_MOCK_ADMIN_TOKEN"
_RENT_PHP_SUFFIXES = ("/api/rent.php", "/rent.php")
_APIKEY_REFUSAL = re.compile(r"api.?key", re.IGNORECASE)


class TargetError(CannotRun):
    """A server that cannot be used as given: one line, exit 2, no traceback."""


class ControlRefused(TargetError):
    """The mock's control API refused a call (HTTP 4xx/5xx); fatal unless the caller can do without it."""


class TargetLost(TargetError):
    """The server stopped answering in the middle of a run."""


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


def is_loopback_host(host: str) -> bool:
    """True when `host` (a name or an address) only reaches this machine: `localhost` or a loopback address."""
    if host == "localhost":
        return True
    try:  # not a prefix test: '127.evil.example' is a name anyone can point anywhere (DNS rebinding)
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback(url: str) -> bool:
    """True when the URL's host is this machine."""
    return is_loopback_host(urlsplit(url).hostname or "")


def default_pace(url: str) -> float:
    """Seconds between calls: none on loopback, a few for a remote service (the live one asks for it)."""
    return 0.0 if is_loopback(url) else 3.0


def body_json(r: Response) -> Any:
    """The answer's JSON, or None when it is not acceptable JSON."""
    try:
        return r.json()
    except BadJSON:
        return None


@dataclass
class Target:
    """A reachable server: its root URL, the admin token, and (when it is smspva-rent-mock) its default dialect."""

    base: str
    token: str | None = None
    mock_dialect: str | None = None
    fetcher: Fetcher = field(default_factory=Fetcher)

    @property
    def is_mock(self) -> bool:
        """True when the server is smspva-rent-mock (its control API answered)."""
        return self.mock_dialect is not None

    @property
    def headers(self) -> dict[str, str]:
        """The control API's token header, when there is a token."""
        return {"X-Mock-Token": self.token} if self.token else {}

    def control(self, verb: str, path: str, body: dict | None = None, query: dict | None = None) -> Any:
        """One call to the mock's control API; a refusal becomes one line naming the server's reason."""
        if verb != "GET" and body is None:
            body = {}  # the control API takes state changes as JSON only
        try:
            r = self.fetcher.request(verb, f"{self.base}/_mock{path}", query, json_body=body, headers=self.headers)
        except FetchError as exc:
            raise TargetLost(f"lost the connection to {self.base}: {exc.reason}") from None
        payload = body_json(r)
        if r.status >= 400:
            why = payload.get("error") if isinstance(payload, dict) else None
            raise ControlRefused(f"{verb} /_mock{path} refused (HTTP {r.status}): {why or r.text[:200]}")
        if payload is None:
            raise ControlRefused(f"{verb} /_mock{path}: the answer is not JSON")
        return payload

    def check_apikey(self, flag: str, apikey: str | None) -> None:
        """Stop before any work when the server refuses the apikey given with `flag`."""
        if not apikey:
            return
        try:
            r = self.fetcher.get(self.base + "/api/rent.php", {"method": "orders", "apikey": apikey})
        except FetchError as exc:
            if exc.kind in ("connect", "deadline"):
                raise TargetLost(f"lost the connection to {self.base}: {exc.reason}") from None
            return  # an answer, if a bad one: the tools judge it
        payload = body_json(r)
        if isinstance(payload, dict) and payload.get("status") == 0 and _APIKEY_REFUSAL.search(str(payload.get("msg"))):
            raise TargetError(f"{self.base} refused {flag}: {str(payload.get('msg'))[:120]}")


def connect(url: str, token: str | None = None, timeout: float = DEADLINE) -> Target:
    """Meet the server before any work: it answers, it is the mock (with its token) or a rent.php root."""
    base = root_url(url)
    target = Target(base, token, fetcher=Fetcher(deadline=timeout))
    try:
        r = target.fetcher.get(base + "/_mock/health", headers=target.headers)
    except FetchError as exc:
        raise TargetError(f"cannot connect to {base}: {exc.reason}") from None
    health = body_json(r)
    if r.status == 401 and isinstance(health, dict) and "admin token" in str(health.get("error", "")):
        hint = "the token given was refused" if token else "pass --admin-token or set " + TOKEN_ENV
        raise TargetError(f"{base} is smspva-rent-mock with an admin token: {hint}")
    if health == {"ok": True}:
        world = target.control("GET", "/worlds/default")
        target.mock_dialect = str(world.get("dialect") or "documented") if isinstance(world, dict) else "documented"
        return target
    failed = meet_rent_php(base, target.fetcher)  # not the mock: rent.php must answer under this root
    if failed is not None and failed.kind != "too-large":  # too large is an answer, if a bad one: judged later
        hint = "; give the URL it redirects to as --base-url" if failed.kind == "redirect" else ""
        raise TargetError(f"cannot use {base}: /api/rent.php: {failed.reason}{hint}") from None
    return target


def meet_rent_php(base: str, fetcher: Fetcher) -> FetchError | None:
    """Ask rent.php under `base` a free question (getcountries, no apikey): a dead port or a root where rent.php
    is not (HTTP 404) is refused; any other failure is returned for the caller to weigh."""
    try:
        r = fetcher.get(base + "/api/rent.php", {"method": "getcountries"})
    except FetchError as exc:
        if exc.kind == "connect":
            raise TargetError(f"cannot connect to {base}: {exc.reason}") from None
        return exc
    if r.status == 404:
        raise TargetError(f"{base}/api/rent.php answered HTTP 404: {base} is not the root of a rent.php server")
    return None


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
            target.fetcher.request("DELETE", f"{target.base}/_mock/worlds/{made['world']}", json_body={},
                                   headers=target.headers)
        except FetchError:
            pass  # the server went away: nothing left to clean


def target_options(func):
    """`--base-url`, `--admin-token` (env RENT_MOCK_ADMIN_TOKEN) and `--timeout`, the same on every command."""
    func = click.option("--timeout", default=DEADLINE, show_default=True, type=click.FloatRange(0.1, 3600),
                        help="Seconds a whole call may take (connect, send, the whole answer); a server that "
                             "answers slower is cut off.")(func)
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
    """Turn a connection lost mid-run into one line instead of a traceback."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except FetchError as exc:
            raise TargetLost(f"lost the connection to the server: {exc.reason}") from None
    return wrapper
