"""The container's health check: exit 0 when the mock on RENT_MOCK_HOST:RENT_MOCK_PORT answers /_mock/health.

Standard library only and nothing of the mock imported, so Docker's probe costs a bare interpreter start. It
reads the same variables `rent-mock serve` reads (the token as X-Mock-Token), so a port or token chosen with
them is the one it asks; an address listening on every interface is asked on loopback.
"""
from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

EVERY_INTERFACE = {"", "0.0.0.0", "::"}


def health_url(env: dict[str, str]) -> str:
    """The health URL of the mock that `rent-mock serve` starts with this environment."""
    host = env.get("RENT_MOCK_HOST", "")
    host = "127.0.0.1" if host in EVERY_INTERFACE else host
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    return f"http://{host}:{env.get('RENT_MOCK_PORT') or 8080}/_mock/health"


def check(env: dict[str, str], timeout: float = 2.0) -> str | None:
    """Why the mock is not healthy, in one line (None when it is)."""
    headers = {"X-Mock-Token": env["RENT_MOCK_ADMIN_TOKEN"]} if env.get("RENT_MOCK_ADMIN_TOKEN") else {}
    url = health_url(env)
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout) as answer:
            answer.read()
    except urllib.error.HTTPError as exc:
        return f"{url}: HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        return f"{url}: {exc}"
    return None


def main() -> int:
    """Docker's HEALTHCHECK: 0 healthy, 1 not (and why, on stderr)."""
    problem = check(dict(os.environ))
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
