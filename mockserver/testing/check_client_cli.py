"""The `rent-mock check-client` command: one run, or `--matrix` (one run per scenario), with its console
report, `--report` JSON and `--junit` XML; exit codes as every judging tool's (contracts.verdict)."""
from __future__ import annotations

import json
import logging
import sys

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from contracts.paths import OutputFile
from contracts.refusals import CODES
from contracts.registry import DEFAULT_DIALECT, DIALECTS, METHODS
from contracts.verdict import BROKEN, CANNOT_RUN, CannotRun, Ledger, partial_ok_option, write_junit

from mockserver.testing.behaviour import KEEPS
from mockserver.testing.check_client import DEFAULT_SPEED, ClientCommandError, ClientRun, RunOptions, run_client
from mockserver.scenarios import ScenarioError


@click.command("check-client", context_settings={"ignore_unknown_options": True})
@click.option("--dialect", type=click.Choice(DIALECTS), default=DEFAULT_DIALECT, show_default=True,
              help="Dialect of the mock the client is run against.")
@click.option("--clock", "clock_mode", type=click.Choice(["real", "manual"]), default="real", show_default=True,
              help="real: the world's clock runs --speed times faster than wall time, so a client written for "
                   "the live service finishes unmodified; manual: it stands still until the client's tests "
                   "move it (/_mock/clock).")
@click.option("--speed", default=DEFAULT_SPEED, show_default=True, type=click.FloatRange(0, 1_000_000, min_open=True),
              help="Speed of the real clock: 60 makes a minute of the world pass in a second (a number comes "
                   "online 10-15 s after activate).")
@click.option("--scenario", "scenarios", multiple=True, metavar="NAME|FILE",
              help="A shipped scenario (rent-mock scenarios lists them) or a scenario file (repeatable). One run: "
                   "loaded into its world; --matrix: the scenarios to run (default: every shipped one).")
@click.option("--matrix", is_flag=True, help="Run the command once per scenario, each against a fresh mock.")
@click.option("--xfail", multiple=True, metavar="NAME",
              help="--matrix: a scenario the client is expected to fail (its failure does not fail the run).")
@click.option("--keeps-numbers", is_flag=True,
              help="The client rents numbers to keep them, not to read a code: judge its contract, money and pacing "
                   "only (its outcome, exit code and leftovers too if it calls sms or fails after renting).")
@click.option("--jobs", type=click.IntRange(1, 64), help="--matrix: scenarios at once (default: one per core).")
@click.option("--timeout", default=600.0, show_default=True, type=click.FloatRange(1, 86_400),
              help="Seconds a run of the command may take (then its process group is stopped: a failure).")
@click.option("--seed", default=1, show_default=True, type=int, help="Seed of the mock's world(s).")
@click.option("--report", "report_path", type=OutputFile(), help="Write the findings, coverage and cost as JSON.")
@click.option("--junit", "junit_path", type=OutputFile(), help="Write the verdict as JUnit XML.")
@click.option("--verbose", is_flag=True, help="Show every row of the tables, the methods never called and the codes "
                                             "never met among them.")
@partial_ok_option
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def check_client(dialect, clock_mode, speed, scenarios, matrix, xfail, keeps_numbers, jobs, timeout, seed, report_path,
                 junit_path, verbose, partial_ok, command):
    """Run a client's command (after --) against a fresh mock and judge what it did."""
    # the mock's own log would mix with the client's output; a cut answer (a scenario's fault) is no news
    logging.getLogger("waitress").setLevel(logging.ERROR)
    options = RunOptions(dialect, clock_mode, speed, tuple(scenarios), timeout, seed, keeps_numbers=keeps_numbers)
    if matrix:
        sys.exit(_matrix(list(command), options, tuple(xfail), jobs, report_path, junit_path, partial_ok, verbose))
    if xfail or jobs:
        raise CannotRun("--xfail and --jobs go with --matrix")
    try:
        run = run_client(list(command), options)
    except ClientCommandError as exc:
        raise CannotRun(str(exc)) from None
    except ScenarioError as exc:
        raise CannotRun(str(exc)) from None
    book = run.ledger()
    code = book.exit_code(partial_ok)
    print_verdict_first(book, partial_ok)
    print_report(run, verbose=verbose)
    for entry in book.entries.values():
        click.echo(entry.line())
    click.echo(book.verdict_line(partial_ok))
    if report_path:
        r = run.report
        _write_json(report_path, {
            "exit_code": code, "client_exit_code": run.exit_code, "judged_as": run.judged_as, "requests": r.requests,
            "violations": r.violations,
            "warnings": r.warnings, "calls": dict(r.calls), "codes": dict(r.codes),
            "untested_methods": r.untested_methods, "untested_codes": r.untested_codes, "cost": run.cost,
            "left": run.left.as_json(), "expect": run.expect, "pace": run.pace.as_json(),
            "findings": [{"group": g, "finding": t} for g, t in run.findings()], "coverage": book.as_json()})
    if junit_path:
        write_junit(junit_path, book.junit("rent-mock check-client"))
    sys.exit(code)


def _matrix(command, options, xfail, jobs, report_path, junit_path, partial_ok, verbose=False) -> int:
    from mockserver.testing import matrix as m

    try:
        cells = m.plan(options.scenarios, xfail)
    except ScenarioError as exc:
        raise CannotRun(str(exc)) from None
    jobs = jobs or m.default_jobs()
    err = Console(stderr=True, highlight=False)
    err.print(f"{len(cells)} scenarios, {jobs} at a time, {options.clock} clock"
              + (f" at {options.speed:g}x" if options.clock == "real" else ""))
    err.print(judged_line(options.keeps_numbers))
    cells = m.run_matrix(command, cells, options, jobs,
                         progress=lambda c: err.print(f"  {'ok' if not c.problems else '--'} {c.name}"))
    if all(c.error for c in cells):  # the command never started: nothing was judged
        raise CannotRun(cells[0].error)
    book = m.ledger(cells)
    code = book.exit_code(partial_ok)
    print_verdict_first(book, partial_ok)
    print_matrix(cells, verbose=verbose)
    click.echo(book.verdict_line(partial_ok))
    if report_path:
        _write_json(report_path, m.as_json(cells, book, command, options, code))
    if junit_path:
        write_junit(junit_path, book.junit("rent-mock check-client --matrix"))  # a test case per scenario
    return code


def _write_json(path: str, payload: dict) -> None:
    try:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=2, ensure_ascii=False)
    except OSError as exc:  # checked before the run, but the disk may have filled meanwhile
        click.echo(f"Error: cannot write {path}: {exc.strerror}", err=True)
        sys.exit(CANNOT_RUN)


def judged_line(keeps_numbers: bool) -> str:
    """Which kind of client the checks judged, for the console."""
    if keeps_numbers:
        return "judged as a client that keeps the numbers it rents (--keeps-numbers): contract, money and pacing"
    return "judged as a client that waits for a code (one that keeps its numbers: --keeps-numbers)"


def print_verdict_first(book: Ledger, partial_ok: bool) -> None:
    """The verdict and every finding, before any table: what a CI log shows first (the verdict ends the
    output too)."""
    click.echo(f"verdict: {book.verdict_line(partial_ok)}")
    for entry in book.of(BROKEN):
        click.echo(f"  {entry.line()}")


def print_matrix(cells, console: Console | None = None, verbose: bool = False) -> None:
    """Scenario × (exit code, rent.php calls, spent, findings, left running, unaccounted), a verdict each;
    with `verbose`, every check of every scenario."""
    console = console or Console(highlight=False, width=160)
    table = Table(title="check-client --matrix", show_lines=False)
    for col in ("scenario", "exit", "calls", "spent", "findings", "left running", "unaccounted", "verdict"):
        table.add_column(col, justify="right" if col in ("exit", "calls", "spent", "findings", "unaccounted")
                         else "left", overflow="fold")
    for cell in cells:
        run = cell.run
        if run is None:
            table.add_row(escape(cell.name), "-", "-", "-", "-", "-", "-", escape(cell.verdict))
            continue
        exit_text = "timeout" if run.timed_out else str(run.exit_code)
        style = None if not cell.problems else ("yellow" if cell.expected_to_fail else "red")
        table.add_row(escape(cell.name), exit_text, str(run.report.requests), run.cost.get("total", "0.00"),
                      str(len(cell.findings)), str(len(run.left.running)), str(run.left.unaccounted),
                      escape(cell.verdict), style=style)
    console.print(table)
    for cell in cells if verbose else ():
        if cell.run is not None:
            console.print(f"[bold]{escape(cell.name)}[/bold]: every check")
            for entry in cell.run.ledger().entries.values():
                console.print(f"  {entry.line()}", markup=False)
    for cell in cells:
        if cell.unwaived and cell.run is not None and cell.run.output.strip():
            console.print(f"[bold]{escape(cell.name)}[/bold]: the client's last lines")
            for line in cell.run.output.strip().splitlines()[-5:]:
                console.print(f"  {line}", markup=False)


def print_report(run: ClientRun, console: Console | None = None, verbose: bool = False) -> None:
    """Violations, then the coverage of methods and of documented error codes (rows of nothing only when
    `verbose`), the cost, what was left."""
    console = console or Console()
    report = run.report
    ended = "was stopped (timeout)" if run.timed_out else f"exited {run.exit_code}"
    console.print(f"client command {ended}; {report.requests} rent.php requests seen")
    console.print(judged_line(run.judged_as == KEEPS))
    for v in report.violations:
        # what the client sent is text, never markup: a parameter named "[/b]" once crashed the report
        console.print("[red]✗[/red] " + escape(f"request {v['seq']} {v['verb']} {v['method']}: {v['finding']} "
                                                f"{v['params']}"), highlight=False)
    for w in report.warnings:
        console.print("[yellow]![/yellow] " + escape(f"request {w['seq']} {w['method']}: {w['finding']}"),
                      highlight=False)
    methods = Table(title="methods exercised")
    for col in ("method", "calls", "status 1"):
        methods.add_column(col)
    for m in METHODS:
        if report.calls[m] or verbose:
            methods.add_row(m, str(report.calls[m]), str(report.ok[m]), style=None if report.calls[m] else "dim")
    console.print(methods)
    if any(report.codes.values()) or verbose:
        codes = Table(title="documented error codes met")
        codes.add_column("code")
        codes.add_column("times")
        for c in CODES:
            if report.codes[c] or verbose:
                codes.add_row(c, str(report.codes[c]), style=None if report.codes[c] else "dim")
        console.print(codes)
    console.print(f"never called: {', '.join(report.untested_methods) or 'none'}")
    console.print(f"never met: {', '.join(report.untested_codes) or 'none'}")
    cost = Table(title="what these calls would have cost on the live service (the catalogue's prices)")
    for col in ("paid by", "calls", "amount"):
        cost.add_column(col, justify="left" if col == "paid by" else "right")
    for method, row in run.cost.get("methods", {}).items():
        cost.add_row(method, str(row["calls"]), row["amount"])
    refunds = run.cost.get("refunds", "0.00")
    cost.add_row("refunds", "", refunds if refunds == "0.00" else "-" + refunds)  # no "-0.00"
    cost.add_row("total", "", run.cost.get("total", "0.00"), style="bold")
    console.print(cost)
    console.print(f"orders left running: {len(run.left.running)}; money unaccounted for: {run.left.unaccounted}")
    verdict = "[green]no contract violations[/green]" if not report.violations else \
        f"[red]{len(report.violations)} contract violations[/red]"
    console.print(verdict)
