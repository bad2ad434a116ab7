"""Calls a web page makes are refused. The proxy holds a real account: a page the user happens to visit could
otherwise send it a create or a delete blind (an <img> needs no CORS grant) or, pointing a name of its own at
this machine (DNS rebinding), read its answers. Programs send none of the headers this looks at."""
from __future__ import annotations

from urllib.parse import urlsplit

from ..target import is_loopback_host

# what a browser sends for a call the user made (typing the URL) or a page of the proxy's own origin made
OWN = ("same-origin", "none")


def _host(netloc: str) -> str:
    try:
        return urlsplit("//" + netloc).hostname or ""
    except ValueError:
        return ""


def forged(environ: dict, loopback_only: bool) -> str | None:
    """Why the call looks made by a web page rather than a program (None: it does not)."""
    site = environ.get("HTTP_SEC_FETCH_SITE")
    if site is not None and site not in OWN:
        return f"a web page on another site made it (Sec-Fetch-Site: {site[:20]})"
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None and urlsplit(origin).netloc != environ.get("HTTP_HOST"):
        return f"a web page of another origin made it (Origin: {origin[:60]})"
    host = _host(environ.get("HTTP_HOST", ""))
    if loopback_only and not is_loopback_host(host):
        return (f"it was sent to the name {host[:60]!r}, not to this machine's (a page can point a name of its own "
                f"here)")
    return None
