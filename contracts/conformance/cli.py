"""`rent-mock conform`: judge a rent.php server's behaviour rule by rule, with the shared exit codes
(contracts/verdict.py): 0 every rule that applies held, 1 a rule broke, 2 could not run, 3 rules NOT JUDGED."""
from __future__ import annotations

import sys

import click

from ..paths import OutputFile
from ..registry import DIALECTS
from ..target import budget, connect, one_line_errors, spend_options, target_options
from ..verdict import partial_ok_option
from .report import print_report, write
from .runner import run
from .target import Settings, Target


@click.command()
@target_options
@click.option("--apikey", help="Account for the account rules (not needed against the mock).")
@click.option("--alt-apikey", help="A second account, for NOTOWNER and isolation (not needed against the mock).")
@click.option("--dialect", type=click.Choice(("auto",) + DIALECTS), default="auto", show_default=True,
              help="auto: the mock's default world's dialect, else the one the server's catalogue answers fit.")
@spend_options
@click.option("--pace", type=click.FloatRange(0, 3600), help="Seconds between calls (default 0).")
@click.option("--examples", default=25, show_default=True, type=click.IntRange(0, 10_000),
              help="Examples of the model-based state machine (0: none).")
@click.option("--exhaustive", is_flag=True,
              help="Run every directed sequence (thresholds, refusal grids, pairs), not only those the run still "
                   "needs within its time budget.")
@click.option("--report", "report_path", type=OutputFile(), help="Write a report: *.xml for JUnit, else JSON.")
@partial_ok_option
@one_line_errors
def conform(base_url, admin_token, timeout, apikey, alt_apikey, dialect, allow_spend, max_spend, pace, examples,
            exhaustive, report_path, partial_ok):
    """Judge a rent.php server's behaviour rule by rule.

    Exit 0: every rule that applies to the dialect judged and held; 1: a rule broke; 2: could not run;
    3: held, but rules were NOT JUDGED (e.g. no --apikey against a real server), unless --partial-ok.
    """
    cap = budget(allow_spend, max_spend)
    met = connect(base_url, admin_token, timeout)
    if not met.is_mock:
        met.check_apikey("--apikey", apikey)
        met.check_apikey("--alt-apikey", alt_apikey)
    settings = Settings(met.base, apikey, alt_apikey, admin_token, dialect, allow_spend, cap,
                        0.0 if pace is None else pace, examples, timeout, exhaustive)
    outcome = run(settings, target=Target(settings, met))
    print_report(outcome, partial_ok=partial_ok)
    if report_path:
        write(outcome, report_path, partial_ok)
    sys.exit(outcome.ledger.exit_code(partial_ok))
