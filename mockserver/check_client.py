"""`rent-mock check-client -- COMMAND`: run a client's own tests against a fresh mock, then judge the
requests they made: contract violations, and which methods and documented error codes they exercised."""
from __future__ import annotations

import os
import subprocess
import threading
from dataclasses import dataclass, field
from decimal import Decimal

from rich.console import Console
from rich.table import Table

from contracts.coverage import ClientReport, judge
from contracts.refusals import CODES
from contracts.registry import DEFAULT_DIALECT, METHODS

from .core.hub import DEFAULT
from .core.money import money
from .server import ServeOptions, default_apikey, make_server


# which rent.php methods a ledger kind stands for (the ledger records what was paid, not the call)
PAID_BY = {"create": "create / create_multi", "prolong": "prolong / prolong_max",
           "add_service": "add_service_to_order", "restore": "restore_user"}


class ClientCommandError(RuntimeError):
    """The client command could not be started at all."""


@dataclass
class ClientRun:
    """The client command's exit code, the report of its requests, and what they would have cost."""

    exit_code: int
    report: ClientReport
    cost: dict = field(default_factory=dict)


def cost_of(worlds) -> dict:
    """What the run would have cost on the live service: every world's ledger, at the catalogue's prices.

    Per paying method: calls and money; refunds (of deleted orders) are taken off the total.
    """
    paid: dict[str, dict] = {}
    refunds = Decimal("0")
    for world in worlds:
        for account in world.accounts.values():
            for entry in account.ledger:
                if entry.kind in PAID_BY:
                    row = paid.setdefault(PAID_BY[entry.kind], {"calls": 0, "amount": Decimal("0")})
                    row["calls"] += 1
                    row["amount"] += entry.amount
                elif entry.kind == "refund":
                    refunds += entry.amount
    spent = sum((row["amount"] for row in paid.values()), Decimal("0"))
    return {"methods": {m: {"calls": r["calls"], "amount": str(money(r["amount"]))} for m, r in sorted(paid.items())},
            "refunds": str(money(refunds)), "total": str(money(spent - refunds))}


def environment(base: str, apikey: str) -> dict[str, str]:
    """What the client's tests are told about the mock."""
    return {"RENT_MOCK_BASE_URL": base, "RENT_MOCK_API_URL": base + "/api/rent.php", "RENT_MOCK_APIKEY": apikey,
            "RENT_MOCK_CONTROL_URL": base + "/_mock", "SMSPVA_RENTAL_BASE_URL": base, "SMSPVA_APIKEY": apikey}


def run_client(command: list[str], dialect: str = DEFAULT_DIALECT, clock: str = "manual", speed: float = 1.0,
               timeout: float = 1800) -> ClientRun:
    """Start a mock on a free loopback port, run `command` against it, collect the journal of every world."""
    served = make_server(ServeOptions(port=0, clock=clock, speed=speed, dialect=dialect, journal_size=1_000_000,
                                      balance="1000"))
    served.rt.retired = []  # worlds the client's tests delete still count
    thread = threading.Thread(target=served.server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{served.server.effective_port}"
    try:
        env = {**os.environ, **environment(base, default_apikey(served.hub))}
        try:
            code = subprocess.run(command, env=env, timeout=timeout).returncode
        except FileNotFoundError:
            raise ClientCommandError(f"cannot run {command[0]!r}: no such command") from None
        except PermissionError:
            raise ClientCommandError(f"cannot run {command[0]!r}: not executable") from None
        except subprocess.TimeoutExpired:
            raise ClientCommandError(f"{command[0]!r} still running after {timeout:.0f} s: stopped") from None
        worlds = [*served.hub.worlds.values(), *(w for w, _ in served.rt.retired)]
        journals = [served.rt.journal(n) for n in [DEFAULT, *sorted(n for n in served.rt.journals if n != DEFAULT)]]
        journals += [j for _, j in served.rt.retired if j is not None]
        entries = [e for j in journals for e in j.query(limit=10**7)]
        return ClientRun(code, judge(sorted(entries, key=lambda e: e["at"])), cost_of(worlds))
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
    cost = Table(title="what these calls would have cost on the live service (the catalogue's prices)")
    for col in ("paid by", "calls", "amount"):
        cost.add_column(col, justify="left" if col == "paid by" else "right")
    for method, row in run.cost.get("methods", {}).items():
        cost.add_row(method, str(row["calls"]), row["amount"])
    cost.add_row("refunds", "", "-" + run.cost.get("refunds", "0.00"))
    cost.add_row("total", "", run.cost.get("total", "0.00"), style="bold")
    console.print(cost)
    verdict = "[green]no contract violations[/green]" if not report.violations else \
        f"[red]{len(report.violations)} contract violations[/red]"
    console.print(verdict)
