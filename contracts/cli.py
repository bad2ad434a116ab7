"""`rent-mock verify` and `rent-mock fuzz`: judge any rent.php server against the contract.

Both meet the target the one way (contracts/target.py), name what they did not judge (the coverage ledger)
and exit with the shared codes (contracts/verdict.py): 0 held, 1 broken, 2 could not run, 3 partial."""
from __future__ import annotations

import sys
from decimal import Decimal

import click

from .client import RentClient, SpendGuard, speaks
from .extras import require
from .fetch import DEADLINE
from .paths import OutputFile
from .progress import progress
from .registry import DIALECTS
from .report import print_table, write
from .target import budget, connect, default_pace, one_line_errors, spend_options, target_options, temporary_world
from .verdict import NOT_JUDGED, partial_ok_option
from .verify import Verdict, Verifier

PLAY_MONEY = "100000"  # a fresh world's balance on the mock: every spending call can be paid


def run_verify(base_url: str, apikey: str | None, dialect: str, allow_spend: bool, max_spend: str | None,
               pace: float | None, token: str | None = None, timeout: float = DEADLINE) -> Verdict:
    """Check the cap, reach the server, then run: on the mock in a fresh world of the asked dialect."""
    cap = budget(allow_spend, max_spend)
    target = connect(base_url, token, timeout)
    guard = SpendGuard(allow=allow_spend or target.is_mock, max_spend=cap)  # the mock's money is free
    pace = default_pace(target.base) if pace is None else pace
    if not target.is_mock:
        target.check_apikey("--apikey", apikey)
        return Verifier(RentClient(target.base, apikey, guard, pace, fetcher=target.fetcher), dialect).run()
    # never touch the user's data: a fresh world, deleted after, in the dialect asked for
    world_dialect = target.mock_dialect if dialect == "auto" else dialect
    with temporary_world(target, world_dialect, balance="1000") as made:
        client = RentClient(target.base + made["base_path"], made["apikey"], guard, pace, fetcher=target.fetcher)
        return Verifier(client, dialect, mock=target).run()


@click.command()
@target_options
@click.option("--apikey", help="Account to use for account methods (not needed against the mock).")
@click.option("--dialect", type=click.Choice(("auto",) + DIALECTS), default="auto", show_default=True,
              help="Dialect to judge by (auto: the one the server speaks); on the mock, the test world's dialect.")
@spend_options
@click.option("--pace", type=click.FloatRange(0, 3600), help="Seconds between calls (default: 0 on loopback, else 3).")
@click.option("--report", "report_path", type=OutputFile(), help="Write a report: *.xml for JUnit, else JSON.")
@partial_ok_option
@one_line_errors
def verify(base_url, admin_token, timeout, apikey, dialect, allow_spend, max_spend, pace, report_path, partial_ok):
    """Check a rent.php server against the contract, method by method.

    Exit 0: every method judged and held; 1: a violation; 2: could not run; 3: held, but methods were NOT
    JUDGED (e.g. no --apikey, or spending not allowed), unless --partial-ok.
    """
    verdict = run_verify(base_url, apikey, dialect, allow_spend, max_spend, pace, admin_token, timeout)
    print_table(verdict, partial_ok=partial_ok)
    if report_path:
        write(verdict, report_path, partial_ok)
    sys.exit(verdict.exit_code(partial_ok))


@click.command()
@target_options
@click.option("--apikey", help="Account for the methods that need one (against the mock: a fresh world's).")
@click.option("--dialect", type=click.Choice(("auto",) + DIALECTS), default="auto", show_default=True,
              help="Dialect to judge by (auto: the mock's, else the one the server's catalogue answers fit); on "
                   "the mock, the test world's dialect.")
@click.option("--examples", default=20, show_default=True, type=click.IntRange(1, 10_000),
              help="Generated calls per operation and mode.")
@spend_options
@click.option("--pace", type=click.FloatRange(0, 3600), help="Seconds between calls (default: 0 on loopback, else 3).")
@click.option("--report", "report_path", type=OutputFile(), help="Write a report: *.xml for JUnit, else JSON.")
@partial_ok_option
@one_line_errors
def fuzz(base_url, admin_token, timeout, apikey, dialect, examples, allow_spend, max_spend, pace, report_path,
         partial_ok):
    """Property-based testing of a rent.php server with schemathesis and the in-band checks.

    On the mock every operation is fuzzed, the spending ones too (in a fresh world, with play money).
    Exit 0: every operation judged and held; 1: a failure; 2: could not run; 3: operations NOT JUDGED.
    """
    cap = budget(allow_spend, max_spend)
    require("schemathesis", "fuzz", "rent-mock fuzz")
    require("hypothesis", "fuzz", "rent-mock fuzz")
    from .fuzz import fuzz as run_fuzz

    target = connect(base_url, admin_token, timeout)
    pace = default_pace(target.base) if pace is None else pace
    if dialect == "auto":
        dialect = target.mock_dialect or speaks(RentClient(target.base, fetcher=target.fetcher))[0]

    def go(base: str, key: str | None, spend: bool):
        with progress("fuzzing", None) as step:
            return run_fuzz(base, key, dialect, examples, spend, pace, max_spend=cap, fetcher=target.fetcher,
                            on_operation=lambda i, n, name: step(i, f"of {n} operations: {name}"))

    if target.is_mock and not apikey:
        # play money: every operation runs, the spending ones too (a cap, if given, still holds)
        with temporary_world(target, dialect, balance=PLAY_MONEY) as made:
            result = go(target.base + made["base_path"], made["apikey"], True)
            left = target.control("GET", f"/accounts/{made['apikey']}").get("balance")
            result.spending = f"spent {Decimal(PLAY_MONEY) - Decimal(str(left))} of play money (the test world's account)"
    else:
        target.check_apikey("--apikey", apikey)
        result = go(target.base, apikey, allow_spend)
    for f in result.failures:
        click.echo(f"✗ {f['operation']} ({f['mode']}, {f['verb']} {f['params']}): {'; '.join(f['reasons'])[:500]}")
    for entry in result.ledger.of(NOT_JUDGED):
        click.echo(entry.line())
    click.echo(result.spending)
    click.echo(f"{result.calls} calls, {len(result.failures)} failures, {result.stopped} stopped by the spend guard")
    click.echo(result.ledger.verdict_line(partial_ok))
    if report_path:
        write_fuzz(result, target.base, dialect, report_path, partial_ok)
    sys.exit(result.ledger.exit_code(partial_ok))


def write_fuzz(result, target: str, dialect: str, path: str, partial_ok: bool) -> None:
    """The fuzz run as JSON (failures, spending, the ledger, the exit code), or JUnit XML for `*.xml`."""
    result.ledger.write(path, f"rent.php fuzz ({dialect})",
                        {"target": target, "dialect": dialect, "calls": result.calls, "stopped": result.stopped,
                         "failures": result.failures, "spending": result.spending}, partial_ok)
