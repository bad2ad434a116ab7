"""`rent-mock check-client -- COMMAND`: run a client's own tests against a fresh mock, then judge the
requests they made: contract violations, and which methods and documented error codes they exercised."""
from __future__ import annotations

import os
import subprocess
import threading
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from contracts.coverage import ClientReport, judge
from contracts.refusals import CODES
from contracts.registry import DEFAULT_DIALECT, METHODS

from .core.hub import DEFAULT
from .server import ServeOptions, default_apikey, make_server


@dataclass
class ClientRun:
    """The client command's exit code and the report of its requests."""

    exit_code: int
    report: ClientReport


def environment(base: str, apikey: str) -> dict[str, str]:
    """What the client's tests are told about the mock."""
    return {"RENT_MOCK_BASE_URL": base, "RENT_MOCK_API_URL": base + "/api/rent.php", "RENT_MOCK_APIKEY": apikey,
            "RENT_MOCK_CONTROL_URL": base + "/_mock", "SMSPVA_RENTAL_BASE_URL": base, "SMSPVA_APIKEY": apikey}


def run_client(command: list[str], dialect: str = DEFAULT_DIALECT, clock: str = "manual", speed: float = 1.0,
               timeout: float = 1800) -> ClientRun:
    """Start a mock on a free loopback port, run `command` against it, collect the journal of every world."""
    served = make_server(ServeOptions(port=0, clock=clock, speed=speed, dialect=dialect, journal_size=1_000_000,
                                      balance="1000"))
    thread = threading.Thread(target=served.server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{served.server.effective_port}"
    try:
        env = {**os.environ, **environment(base, default_apikey(served.hub))}
        code = subprocess.run(command, env=env, timeout=timeout).returncode
        entries = []
        for name in [DEFAULT, *sorted(n for n in served.rt.journals if n != DEFAULT)]:
            entries += served.rt.journal(name).query(limit=10**7)
        return ClientRun(code, judge(sorted(entries, key=lambda e: e["at"])))
    finally:
        served.close()


def print_report(run: ClientRun, console: Console | None = None) -> None:
    """Violations, then the coverage of methods and of documented error codes."""
    console = console or Console()
    report = run.report
    console.print(f"client command exited {run.exit_code}; {report.requests} rent.php requests seen")
    for v in report.violations:
        console.print(f"[red]✗[/red] request {v['seq']} {v['verb']} {v['method']}: {v['finding']} "
                      f"{v['params']}", highlight=False)
    for w in report.warnings:
        console.print(f"[yellow]![/yellow] request {w['seq']} {w['method']}: {w['finding']}", highlight=False)
    methods = Table(title="methods exercised")
    for col in ("method", "calls", "status 1"):
        methods.add_column(col)
    for m in METHODS:
        methods.add_row(m, str(report.calls[m]), str(report.ok[m]), style=None if report.calls[m] else "dim")
    console.print(methods)
    codes = Table(title="documented error codes met")
    codes.add_column("code")
    codes.add_column("times")
    for c in CODES:
        codes.add_row(c, str(report.codes[c]), style=None if report.codes[c] else "dim")
    console.print(codes)
    console.print(f"never called: {', '.join(report.untested_methods) or 'none'}")
    console.print(f"never met: {', '.join(report.untested_codes) or 'none'}")
    verdict = "[green]no contract violations[/green]" if not report.violations else \
        f"[red]{len(report.violations)} contract violations[/red]"
    console.print(verdict)
