"""`rent-mock check-client -- COMMAND`: run a client's own command against a fresh mock, then judge the
requests it made (contract violations, which methods and documented error codes it exercised), what they
would have cost, and what it left behind. `--matrix` runs it once per scenario (see `matrix.py`)."""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal

from contracts.coverage import ClientReport, judge
from contracts.registry import DEFAULT_DIALECT
from contracts.verdict import Ledger

from mockserver.core.hub import DEFAULT
from mockserver.core.money import money
from mockserver.testing.leftovers import Leftovers, leftovers
from mockserver.scenarios import ScenarioError
from mockserver.serve.server import ServeOptions, default_apikey, make_server

# which rent.php methods a ledger kind stands for (the ledger records what was paid, not the call)
PAID_BY = {"create": "create / create_multi", "prolong": "prolong / prolong_max",
           "add_service": "add_service_to_order", "restore": "restore_user"}
# The default clock: real, a minute of the world per second of wall time, so a client written for the
# live service (rent, activate, poll until state 1) sees its number online in 10-15 s (the 10-15 min delay).
DEFAULT_SPEED = 60.0
NO_CALLS = ("the client made no rent.php request: nothing was judged. Usually it does not read "
            "RENT_MOCK_API_URL (or RENT_MOCK_BASE_URL) and calls another server, perhaps the live service; "
            "or it stopped before its first call (see its output)")


class ClientCommandError(RuntimeError):
    """The client command could not be started at all."""


@dataclass
class RunOptions:
    """How the mock a client runs against is set up, and how long the client may take."""

    dialect: str = DEFAULT_DIALECT
    clock: str = "real"
    speed: float = DEFAULT_SPEED
    scenarios: tuple[str, ...] = ()
    timeout: float = 1800.0
    seed: int = 1
    capture: bool = False  # keep the client's output (a matrix runs several at once) instead of passing it on


@dataclass
class ClientRun:
    """The client command's exit code, the report of its requests, what they cost, what it left behind."""

    exit_code: int | None
    report: ClientReport
    cost: dict = field(default_factory=dict)
    left: Leftovers = field(default_factory=Leftovers)
    output: str = ""
    seconds: float = 0.0
    timed_out: bool = False

    def problems(self) -> list[str]:
        """Why this run failed (empty when it held)."""
        out = []
        if self.timed_out:
            out.append(f"the client was still running after {self.seconds:.0f} s: stopped")
        elif self.exit_code:
            out.append(f"the client exited {self.exit_code}")
        if not self.report.requests:
            out.append(NO_CALLS)
        if self.report.violations:
            out.append(f"{len(self.report.violations)} contract violations")
        return out + self.left.problems()

    def ledger(self) -> Ledger:
        """The checks of one run as a coverage ledger (contracts.verdict): held, broken or NOT JUDGED."""
        book = Ledger("checks")
        if self.timed_out or self.exit_code:
            book.broken("client command", self.problems()[0])
        else:
            book.held("client command")
        if self.report.requests:
            book.held("client calls rent.php")
            if self.report.violations:
                book.broken("requests follow the contract", f"{len(self.report.violations)} contract violations",
                            [f"request {v['seq']} {v['method']}: {v['finding']}" for v in self.report.violations])
            else:
                book.held("requests follow the contract")
        else:
            book.broken("client calls rent.php", NO_CALLS)
            book.not_judged("requests follow the contract", "no request to judge",
                            "a client that reads RENT_MOCK_API_URL")
        if self.left.problems():
            book.broken("money accounted for", "; ".join(self.left.problems()))
        else:
            book.held("money accounted for")
        return book


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


def run_client(command: list[str], options: RunOptions | None = None, **overrides) -> ClientRun:
    """Start a mock on a free loopback port (its default world scripted by `options.scenarios`), run
    `command` against it, then judge the journal of every world, their ledgers and what was left."""
    opts = options or RunOptions(**overrides)
    try:
        served = make_server(ServeOptions(port=0, clock=opts.clock, speed=opts.speed, dialect=opts.dialect,
                                          seed=opts.seed, journal_size=1_000_000, journal_total=1_000_000,
                                          balance="1000", scenarios=tuple(opts.scenarios)))
    except ValueError as exc:  # the options are ours but the scenarios: a scenario the world refuses
        raise ScenarioError(str(exc)) from None
    served.rt.retired = []  # worlds the client's tests delete, reset or replace, and journals they clear, still count
    thread = threading.Thread(target=served.server.run, daemon=True, name="check-client-mock")
    thread.start()
    base = f"http://127.0.0.1:{served.server.effective_port}"
    try:
        env = {**os.environ, **environment(base, default_apikey(served.hub))}
        if opts.scenarios:
            env["RENT_MOCK_SCENARIO"] = ",".join(opts.scenarios)
        code, output, seconds, timed_out = _run(command, env, opts)
        worlds = [*served.hub.worlds.values(), *(w for w, _ in served.rt.retired if w is not None)]
        journals = [served.rt.journal(n) for n in [DEFAULT, *sorted(n for n in served.rt.journals if n != DEFAULT)]]
        journals += [j for _, j in served.rt.retired if j is not None]
        entries = sorted((e for j in journals for e in j.query(limit=10**7)), key=lambda e: e["at"])
        return ClientRun(code, judge(entries), cost_of(worlds), leftovers(worlds, entries), output, seconds,
                         timed_out)
    finally:
        served.close()


def _run(command: list[str], env: dict, opts: RunOptions) -> tuple[int | None, str, float, bool]:
    """(exit code, captured output, seconds, timed out); the command's whole process group goes on a timeout."""
    out = subprocess.PIPE if opts.capture else None
    started = time.monotonic()
    try:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT if opts.capture else None,
                                stdin=subprocess.DEVNULL, start_new_session=True, text=True, errors="replace")
    except FileNotFoundError:
        raise ClientCommandError(f"cannot run {command[0]!r}: no such command") from None
    except PermissionError:
        raise ClientCommandError(f"cannot run {command[0]!r}: not executable") from None
    try:
        output, _ = proc.communicate(timeout=opts.timeout)
        return proc.returncode, output or "", time.monotonic() - started, False
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        output, _ = proc.communicate()
        return None, output or "", time.monotonic() - started, True
    except BaseException:  # Ctrl-C: no client is left running behind us
        _kill_group(proc)
        raise


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
