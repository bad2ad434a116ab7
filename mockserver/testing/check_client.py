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
from mockserver.testing import pacing
from mockserver.testing.behaviour import CONTRACT, MONEY, OUTCOME, PACING, WAITS, Check, judged_as
from mockserver.testing.behaviour import judge as judge_behaviour
from mockserver.testing.evidence import Evidence, order_facts
from mockserver.testing.leftovers import Leftovers, leftovers
from mockserver.testing.pacing import Pace
from mockserver.scenarios import ScenarioError
from mockserver.scenarios import format as fmt
from mockserver.serve.server import ServeOptions, default_apikey, make_server

# which rent.php methods a ledger kind stands for (the ledger records what was paid, not the call)
PAID_BY = {"create": "create / create_multi", "prolong": "prolong / prolong_max",
           "add_service": "add_service_to_order", "restore": "restore_user"}
# The default clock: real, a minute of the world per second of wall time, so a client written for the
# live service (rent, activate, poll until state 1) sees its number online in 10-15 s (the 10-15 min delay).
DEFAULT_SPEED = 60.0
# requests a run keeps to judge, all worlds together: at the journal's measured cost (docs/figures.md, at most
# about 4 KiB of resident memory an entry) about 400 MB whatever the client does; a finding says when calls went
JOURNAL_KEPT = 100_000
OUTPUT_KEPT = 256 << 10  # bytes of a client's output a run keeps (its last ones: reports show the last lines)
DRAIN = 2.0  # seconds the output is read after the client exited (a helper it left may hold it open)
HAPPY_PATH = "happy-path"  # a run with no --scenario meets what a live client meets: online, then a code
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
    keeps_numbers: bool = False  # the client rents numbers to keep them, not to read a code (--keeps-numbers)


@dataclass
class ClientRun:
    """The client command's exit code, the report of its requests, what they cost, what it left behind, and
    its behaviour judged against the scenario's expectations (`checks`, `pace`)."""

    exit_code: int | None
    report: ClientReport
    cost: dict = field(default_factory=dict)
    left: Leftovers = field(default_factory=Leftovers)
    output: str = ""
    seconds: float = 0.0
    timed_out: bool = False
    checks: list[Check] = field(default_factory=list)
    pace: Pace = field(default_factory=Pace)
    expect: dict = field(default_factory=dict)
    unjudged: int = 0  # requests the journals let go past JOURNAL_KEPT: no verdict covers them
    judged_as: str = WAITS  # the kind of client judged: one that waits for a code, or one that keeps numbers

    def findings(self) -> list[tuple[str, str]]:
        """(group, finding) for everything this run broke; the groups say what --xfail may waive."""
        out = []
        if not self.report.requests:
            out.append((CONTRACT, NO_CALLS))
        if self.report.violations:
            out.append((CONTRACT, f"{len(self.report.violations)} contract violations"))
        if self.unjudged:
            out.append((CONTRACT, f"{self.unjudged} requests were not judged: a run keeps the last {JOURNAL_KEPT:,} "
                                  f"(run the suite in parts)"))
        out += [(MONEY, p) for p in self.left.problems()]
        out += [(c.group, c.reason) for c in self.checks if c.broken]
        out += [(PACING, f"{name}: {reason}") for name, status, reason in self.pacing() if status == "broken"]
        return sorted(out, key=lambda f: f[0] != OUTCOME)  # the outcome first: what the user reads first

    def pacing(self) -> list[tuple[str, str, str]]:
        """The pacing checks: (name, status, reason with the figures)."""
        return pacing.checks(self.pace, self.pace.moving)

    def problems(self) -> list[str]:
        """Why this run failed (empty when it held)."""
        return [text for _, text in self.findings()]

    def ledger(self) -> Ledger:
        """The checks of one run as a coverage ledger (contracts.verdict): held, broken, not applicable."""
        book = Ledger("checks")
        for check in self.checks[:2]:  # the outcome and the exit code's honesty come first
            book.record(check.name, check.status, check.reason, group=check.group)
        if self.report.requests:
            book.held("client calls rent.php", group=CONTRACT)
            if self.report.violations:
                book.broken("requests follow the contract", f"{len(self.report.violations)} contract violations",
                            [f"request {v['seq']} {v['method']}: {v['finding']}" for v in self.report.violations],
                            group=CONTRACT)
            else:
                book.held("requests follow the contract", group=CONTRACT)
        else:
            book.broken("client calls rent.php", NO_CALLS, group=CONTRACT)
            book.not_judged("requests follow the contract", "no request to judge",
                            "a client that reads RENT_MOCK_API_URL", group=CONTRACT)
        if self.left.problems():
            book.broken("money accounted for", "; ".join(self.left.problems()), group=MONEY)
        else:
            book.held("money accounted for", group=MONEY)
        for check in self.checks[2:]:
            book.record(check.name, check.status, check.reason, group=check.group)
        for name, status, reason in self.pacing():
            book.record(name, status, reason, group=PACING)
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
    """Start a mock on a free loopback port (its default world scripted by `options.scenarios`, the happy path
    when none is named: the world a live client meets), run `command` against it, then judge the journal of
    every world, their ledgers, what was left, and the client's behaviour against the scenarios' `expect`."""
    opts = options or RunOptions(**overrides)
    scenarios = tuple(opts.scenarios) or (HAPPY_PATH,)
    try:
        served = make_server(ServeOptions(port=0, clock=opts.clock, speed=opts.speed, dialect=opts.dialect,
                                          seed=opts.seed, journal_size=JOURNAL_KEPT, journal_total=JOURNAL_KEPT,
                                          balance="1000", scenarios=scenarios))
    except ValueError as exc:  # the options are ours but the scenarios: a scenario the world refuses
        raise ScenarioError(str(exc)) from None
    served.rt.retired = []  # worlds the client's tests delete, reset or replace, and journals they clear, still count
    thread = threading.Thread(target=served.server.run, daemon=True, name="check-client-mock")
    thread.start()
    base = f"http://127.0.0.1:{served.server.effective_port}"
    try:
        env = {**os.environ, **environment(base, default_apikey(served.hub)), "RENT_MOCK_SCENARIO": ",".join(scenarios)}
        code, output, seconds, timed_out = _run(command, env, opts)
        worlds = [*served.hub.worlds.values(), *(w for w, _, _ in served.rt.retired if w is not None)]
        named = [(n, served.rt.journal(n)) for n in [DEFAULT, *sorted(n for n in served.rt.journals if n != DEFAULT)]]
        named += [(name, j) for _, j, name in served.rt.retired if j is not None]
        entries = sorted(({**e, "world": name} for name, j in named for e in j.query(limit=10**7)),
                         key=lambda e: e["at"])
        scripted = served.hub.worlds[DEFAULT]
        with scripted.lock:
            facts = order_facts(scripted)
        moving = opts.clock == "real"
        evidence = Evidence(code, timed_out, seconds, entries, facts, DEFAULT, opts.clock, opts.speed)
        expect, forced = expectations(scenarios)
        run = ClientRun(code, judge(entries), cost_of(worlds), leftovers(worlds, entries), output, seconds, timed_out,
                        judge_behaviour(evidence, expect, forced, opts.keeps_numbers),
                        pacing.measure(evidence.scripted(), {DEFAULT} if moving else set()), expect,
                        sum(j.dropped for _, j in named), judged_as(opts.keeps_numbers))
        return run
    finally:
        served.close()


def expectations(refs: tuple[str, ...]) -> tuple[dict, int | None]:
    """The `expect` of the scenarios a run loads (a later one's fields over an earlier one's), and how many
    prolong calls their events refuse as too early (None: every one)."""
    expect: dict = {}
    forced: int | None = 0
    for ref in refs:
        doc = fmt.read(ref)
        expect.update(doc.get("expect", {}))
        for event in doc["events"]:
            if event.get("do") == "refuse" and event.get("reason") == "prolong_window" and forced is not None:
                forced = forced + 1 if event.get("nth") else None
    return expect, forced


class Tail:
    """The last `OUTPUT_KEPT` bytes a client printed, read by a thread of its own until the output ends."""

    def __init__(self, stream):
        self.lock = threading.Lock()
        self.kept, self.dropped = bytearray(), 0
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True, name="check-client-output")
        self.thread.start()

    def _read(self, stream) -> None:
        with stream:
            for chunk in iter(lambda: stream.read1(65536), b""):
                with self.lock:
                    self.kept += chunk
                    over = len(self.kept) - OUTPUT_KEPT
                    if over > 0:  # a client that prints 200 MB keeps 256 KiB here, not 200 MB
                        del self.kept[:over]
                        self.dropped += over

    def text(self, drain: float) -> str:
        """What was kept, once the output ended or `drain` seconds have passed (a helper the client left
        running may hold its output open for ever)."""
        self.thread.join(drain)
        with self.lock:
            kept, dropped = bytes(self.kept), self.dropped
        text = kept.decode("utf-8", errors="replace")
        return f"[{dropped} bytes of output before these not kept]\n{text}" if dropped else text


def _run(command: list[str], env: dict, opts: RunOptions) -> tuple[int | None, str, float, bool]:
    """(exit code, captured output, seconds, timed out); the command's whole process group goes on a timeout.

    The run ends when the command exits, not when its output does: a helper it left running (holding the
    output open) would otherwise keep the run going until the timeout. The output is then read for at most
    `DRAIN` seconds more, and only its last `OUTPUT_KEPT` bytes are kept."""
    out = subprocess.PIPE if opts.capture else None
    started = time.monotonic()
    try:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT if opts.capture else None,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    except FileNotFoundError:
        raise ClientCommandError(f"cannot run {command[0]!r}: no such command") from None
    except PermissionError:
        raise ClientCommandError(f"cannot run {command[0]!r}: not executable") from None
    tail = Tail(proc.stdout) if opts.capture else None
    timed_out = False
    try:
        proc.wait(timeout=opts.timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.wait()
        timed_out = True
    except BaseException:  # Ctrl-C: no client is left running behind us
        _kill_group(proc)
        raise
    output = tail.text(DRAIN) if tail is not None else ""
    return (None if timed_out else proc.returncode), output, time.monotonic() - started, timed_out


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
