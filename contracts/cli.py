"""`rent-mock verify`: judge any rent.php server against the contract."""
from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

import click
import requests

from .client import RentClient, SpendGuard
from .registry import DIALECTS
from .report import print_table, write
from .verify import Verifier


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def _mock_dialect(base: str, token: str | None) -> str | None:
    """The default world's dialect when `base` is smspva-rent-mock, else None."""
    headers = {"X-Mock-Token": token} if token else {}
    try:
        if requests.get(base + "/_mock/health", headers=headers, timeout=5).json() != {"ok": True}:
            return None
        return requests.get(base + "/_mock/worlds/default", headers=headers, timeout=5).json().get("dialect")
    except (requests.RequestException, ValueError, AttributeError):
        return None


def run_verify(base_url: str, apikey: str | None, dialect: str, allow_spend: bool, max_spend: str | None,
               pace: float | None, token: str | None = None):
    """Build the client (guard first), detect the mock, run; returns the verdict."""
    base = base_url.rstrip("/")
    try:
        budget = Decimal(max_spend) if max_spend is not None else None
    except InvalidOperation:
        raise click.BadParameter(f"not an amount: {max_spend}", param_hint="--max-spend") from None
    mock_dialect = _mock_dialect(base, token)
    guard = SpendGuard(allow=allow_spend or mock_dialect is not None, max_spend=budget)
    if pace is None:
        pace = 0.0 if _is_loopback(base) else 3.0  # the live service asks for a few seconds between queries
    if mock_dialect is not None:
        # never touch the user's data: a fresh world of the mock, in the default world's dialect
        made = requests.post(base + "/_mock/worlds", json={"dialect": mock_dialect, "balance": "1000"},
                             headers={"X-Mock-Token": token} if token else {}, timeout=10).json()
        client = RentClient(base + made["base_path"], made["apikey"], guard, pace, control_base=base)
    else:
        client = RentClient(base, apikey, guard, pace)
    verdict = Verifier(client, dialect, mock=mock_dialect is not None, token=token).run()
    return verdict


@click.command()
@click.option("--base-url", required=True, help="Server root, e.g. http://127.0.0.1:8080")
@click.option("--apikey", help="Account to use for account methods (not needed against the mock).")
@click.option("--dialect", type=click.Choice(("auto",) + DIALECTS), default="auto", show_default=True)
@click.option("--allow-spend", is_flag=True, help="Let calls that spend money run (within --max-spend).")
@click.option("--max-spend", help="Most money the run may spend, estimated from the server's prices.")
@click.option("--pace", type=float, help="Seconds between calls (default: 0 on loopback, else 3).")
@click.option("--report", "report_path", help="Write a report: *.xml for JUnit, else JSON.")
@click.option("--admin-token", envvar="RENT_MOCK_ADMIN_TOKEN", help="The mock's control token, if it has one.")
def verify(base_url, apikey, dialect, allow_spend, max_spend, pace, report_path, admin_token):
    """Check a rent.php server against the contract; exit 1 on any violation."""
    verdict = run_verify(base_url, apikey, dialect, allow_spend, max_spend, pace, admin_token)
    print_table(verdict)
    if report_path:
        write(verdict, report_path)
    sys.exit(0 if verdict.ok else 1)


@click.command()
@click.option("--base-url", required=True, help="Server root, e.g. http://127.0.0.1:8080")
@click.option("--apikey", help="Account for the methods that need one.")
@click.option("--dialect", type=click.Choice(DIALECTS), default="documented", show_default=True)
@click.option("--examples", default=20, show_default=True, type=int, help="Generated calls per operation and mode.")
@click.option("--allow-spend", is_flag=True, help="Also fuzz the methods that spend money.")
@click.option("--pace", type=float, help="Seconds between calls (default: 0 on loopback, else 3).")
def fuzz(base_url, apikey, dialect, examples, allow_spend, pace):
    """Property-based testing of a rent.php server with schemathesis and the in-band checks."""
    from .fuzz import fuzz as run_fuzz

    if pace is None:
        pace = 0.0 if _is_loopback(base_url) else 3.0
    result = run_fuzz(base_url.rstrip("/"), apikey, dialect, examples, allow_spend, pace)
    for f in result.failures:
        click.echo(f"✗ {f['operation']} ({f['mode']}, {f['verb']} {f['params']}): {'; '.join(f['reasons'])}")
    if result.skipped_operations:
        click.echo(f"not fuzzed (they spend money; --allow-spend): {', '.join(result.skipped_operations)}")
    click.echo(f"{result.calls} calls, {len(result.failures)} failures, {result.stopped} stopped by the spend guard")
    sys.exit(1 if result.failures else 0)
