"""`rent-mock conform`: judge a rent.php server's behaviour against the rules; exit 1 on any broken rule."""
from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation

import click

from ..registry import DIALECTS
from .report import print_report, write
from .runner import run
from .target import Settings


def settings_from(base_url: str, apikey: str | None, alt_apikey: str | None, admin_token: str | None, dialect: str,
                  allow_spend: bool, max_spend: str | None, pace: float | None, examples: int) -> Settings:
    """Checked settings: spending needs a cap, amounts must parse."""
    if allow_spend and max_spend is None:
        raise click.UsageError("--allow-spend needs --max-spend: say the most the run may spend")
    try:
        budget = Decimal(max_spend) if max_spend is not None else None
    except InvalidOperation:
        raise click.BadParameter(f"not an amount: {max_spend}", param_hint="--max-spend") from None
    return Settings(base_url, apikey, alt_apikey, admin_token, dialect, allow_spend, budget,
                    0.0 if pace is None else pace, examples)


@click.command()
@click.option("--base-url", required=True, help="Server root, e.g. http://127.0.0.1:8080")
@click.option("--apikey", help="Account for the account rules (not needed against the mock).")
@click.option("--alt-apikey", help="A second account, for NOTOWNER and isolation (not needed against the mock).")
@click.option("--admin-token", envvar="RENT_MOCK_ADMIN_TOKEN", help="The mock's control token, if it has one.")
@click.option("--dialect", type=click.Choice(("auto",) + DIALECTS), default="auto", show_default=True,
              help="auto: the mock's default world's dialect, else documented.")
@click.option("--allow-spend", is_flag=True, help="Let rules that cost real money run (needs --max-spend).")
@click.option("--max-spend", help="Most money the run may spend, estimated from the server's prices.")
@click.option("--pace", type=float, help="Seconds between calls (default 0).")
@click.option("--examples", default=25, show_default=True, type=click.IntRange(0, 10_000),
              help="Examples of the model-based state machine (0: none).")
@click.option("--report", "report_path", help="Write a report: *.xml for JUnit, else JSON.")
def conform(base_url, apikey, alt_apikey, admin_token, dialect, allow_spend, max_spend, pace, examples, report_path):
    """Judge a rent.php server's behaviour rule by rule; exit 1 on any broken rule."""
    settings = settings_from(base_url, apikey, alt_apikey, admin_token, dialect, allow_spend, max_spend, pace,
                             examples)
    try:
        outcome = run(settings)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    print_report(outcome)
    if report_path:
        write(outcome, report_path)
    sys.exit(0 if outcome.ok else 1)
