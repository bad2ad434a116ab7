"""Who may call the control API: what a web page of another site could forge is refused.

Without an admin token the control API trusts whoever reaches it, so a page in the user's browser must
not be able to: an HTML form (or a no-cors fetch) cannot send `Content-Type: application/json`, a
cross-site request carries its foreign `Origin`, and a DNS-rebinding page (a foreign name resolving to
127.0.0.1) carries its foreign name in `Host`.
"""
from __future__ import annotations

import ipaddress
from typing import Iterable, Mapping
from urllib.parse import urlsplit

CHANGES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NOT_JSON = "control calls that change state must send Content-Type: application/json"


def is_local_name(host: str) -> bool:
    """True for a loopback address, `localhost` or a name under `.localhost` (they never leave the machine)."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _hostname(netloc: str) -> str | None:
    try:
        return urlsplit("//" + netloc).hostname
    except ValueError:
        return None


def refusal(verb: str, headers: Mapping[str, str], scheme: str, has_body: bool, mimetype: str,
            token_set: bool, allowed_hosts: Iterable[str]) -> tuple[int, str] | None:
    """(status, message) when a control call must be refused as forgeable by a web page, else None.

    Host must be this machine's (loopback, or named with --allowed-host) unless an admin token guards
    the API; an Origin, when sent, must be the server's own; a call that changes state must declare a
    JSON body (a POST always, since a page can send one with no body and no Content-Type; a PUT or
    DELETE when it has a body: a page cannot send those cross-site without a CORS grant).
    """
    host = headers.get("Host")
    if host is not None and not token_set:
        name = _hostname(host)
        allowed = {h.lower() for h in allowed_hosts}
        if not name or not (is_local_name(name) or name in allowed):
            return 403, f"control calls must name this machine in Host (loopback or --allowed-host), got {host[:100]}"
    origin = headers.get("Origin")
    if origin is not None and (host is None or origin.lower() != f"{scheme}://{host}".lower()):
        return 403, f"control calls from another origin are refused: {origin[:100]}"
    if verb in CHANGES and (verb == "POST" or has_body) and mimetype != "application/json":
        return 415, NOT_JSON
    return None
