"""`rent-mock verify` and `rent-mock fuzz`: judge any rent.php server against the contract."""
from __future__ import annotations

import sys

import click

from .client import RentClient, SpendGuard
from .extras import require
from .progress import progress
from .registry import DIALECTS
from .report import print_table, write
from .target import budget, connect, default_pace, one_line_errors, spend_options, target_options, temporary_world
from .verify import Verdict, Verifier


def run_verify(base_url: str, apikey: str | None, dialect: str, allow_spend: bool, max_spend: str | None,
               pace: float | None, token: str | None = None) -> Verdict:
    """Check the cap, reach the server, then run: on the mock in a fresh world of the asked dialect."""
    cap = budget(allow_spend, max_spend)
    target = connect(base_url, token)
    guard = SpendGuard(allow=allow_spend or target.is_mock, max_spend=cap)  # the mock's money is free
    pace = default_pace(target.base) if pace is None else pace
    if not target.is_mock:
        return Verifier(RentClient(target.base, apikey, guard, pace), dialect).run()
    # never touch the user's data: a fresh world, deleted after, in the dialect asked for
    world_dialect = target.mock_dialect if dialect == "auto" else dialect
    with temporary_world(target, world_dialect, balance="1000") as made:
        client = RentClient(target.base + made["base_path"], made["apikey"], guard, pace, control_base=target.base)
        return Verifier(client, dialect, mock=True, token=token).run()


@click.command()
@target_options
@click.option("--apikey", help="Account to use for account methods (not needed against the mock).")
@click.option("--dialect", type=click.Choice(("auto",) + DIALECTS), default="auto", show_default=True,
              help="Dialect to judge by (auto: the one the server speaks); on the mock, the test world's dialect.")
@spend_options
@click.option("--pace", type=float, help="Seconds between calls (default: 0 on loopback, else 3).")
@click.option("--report", "report_path", help="Write a report: *.xml for JUnit, else JSON.")
@one_line_errors
def verify(base_url, admin_token, apikey, dialect, allow_spend, max_spend, pace, report_path):
    """Check a rent.php server against the contract; exit 1 on any violation."""
    verdict = run_verify(base_url, apikey, dialect, allow_spend, max_spend, pace, admin_token)
    print_table(verdict)
    if report_path:
        write(verdict, report_path)
    sys.exit(0 if verdict.ok else 1)


@click.command()
@target_options
@click.option("--apikey", help="Account for the methods that need one (against the mock: a fresh world's).")
@click.option("--dialect", type=click.Choice(DIALECTS), default="documented", show_default=True,
              help="Dialect to judge by; on the mock, the test world's dialect.")
@click.option("--examples", default=20, show_default=True, type=click.IntRange(1, 10_000),
              help="Generated calls per operation and mode.")
@spend_options
@click.option("--pace", type=float, help="Seconds between calls (default: 0 on loopback, else 3).")
@one_line_errors
def fuzz(base_url, admin_token, apikey, dialect, examples, allow_spend, max_spend, pace):
    """Property-based testing of a rent.php server with schemathesis and the in-band checks."""
    cap = budget(allow_spend, max_spend)
    require("schemathesis", "fuzz", "rent-mock fuzz")
    require("hypothesis", "fuzz", "rent-mock fuzz")
    from .fuzz import fuzz as run_fuzz

    target = connect(base_url, admin_token)
    pace = default_pace(target.base) if pace is None else pace

    def go(base: str, key: str | None):
        with progress("fuzzing", None) as step:
            return run_fuzz(base, key, dialect, examples, allow_spend, pace, max_spend=cap,
                            on_operation=lambda i, n, name: step(i, f"of {n} operations: {name}"))

    if target.is_mock and not apikey:
        with temporary_world(target, dialect, balance="1000") as made:
            result = go(target.base + made["base_path"], made["apikey"])
    else:
        result = go(target.base, apikey)
    for f in result.failures:
        click.echo(f"✗ {f['operation']} ({f['mode']}, {f['verb']} {f['params']}): {'; '.join(f['reasons'])}")
    if result.skipped_operations:
        click.echo(f"not fuzzed (they spend money; --allow-spend): {', '.join(result.skipped_operations)}")
    click.echo(result.spending)
    click.echo(f"{result.calls} calls, {len(result.failures)} failures, {result.stopped} stopped by the spend guard")
    sys.exit(1 if result.failures else 0)
