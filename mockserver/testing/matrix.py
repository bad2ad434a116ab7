"""`rent-mock check-client --matrix -- CMD`: the client's own command once per scenario, each against a
fresh mock of its own (its default world scripted by that one scenario), several at once; a verdict per
scenario, and the whole as a coverage ledger of scenarios (contracts.verdict)."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from contracts.verdict import HELD, XFAILED, Ledger

from mockserver.testing.behaviour import WAIVABLE, judged_as
from mockserver.testing.check_client import ClientCommandError, ClientRun, RunOptions, run_client
from mockserver.scenarios import format as fmt

OUTPUT_TAIL = 40  # lines of a client's output a report keeps


@dataclass
class Cell:
    """One scenario's run: its name and line, the run (None when the command could not start), the mark."""

    name: str
    description: str
    ref: str
    run: ClientRun | None = None
    error: str | None = None
    expected_to_fail: bool = False

    @property
    def problems(self) -> list[str]:
        """Why the client failed this scenario (empty: it survived)."""
        return [text for _, text in self.findings]

    @property
    def findings(self) -> list[tuple[str, str]]:
        """(group, finding) of each way the client failed this scenario."""
        if self.error:
            return [("run", self.error)]
        return self.run.findings() if self.run is not None else [("run", "not run")]

    @property
    def unwaived(self) -> list[str]:
        """The findings an --xfail mark does not waive: all but the outcome's (money, contract, honesty,
        leftovers, pacing always count)."""
        waivable = WAIVABLE if self.expected_to_fail else ()
        return [text for group, text in self.findings if group not in waivable]

    @property
    def verdict(self) -> str:
        """The scenario's verdict in one line."""
        problems = self.problems
        if not problems:
            return "survived, marked --xfail" if self.expected_to_fail else "survived"
        if self.expected_to_fail and not self.unwaived:
            return f"failed as expected (--xfail): {'; '.join(problems)}"
        if self.expected_to_fail:
            return f"FAILED (--xfail waives the outcome only): {'; '.join(self.unwaived)}"
        return f"FAILED: {'; '.join(problems)}"


def default_jobs() -> int:
    """Scenarios at once: one per core (a run mostly waits on the world's clock, but clients start up on a core)."""
    return max(1, os.cpu_count() or 1)


def plan(refs: tuple[str, ...], xfail: tuple[str, ...]) -> list[Cell]:
    """The cells to run: every shipped scenario when `refs` is empty; every reference and mark checked first."""
    docs = [(ref, fmt.read(ref)) for ref in (refs or tuple(fmt.names()))]
    names = [doc["name"] for _, doc in docs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise fmt.ScenarioError(f"scenario {twice[0]!r} is named twice: each cell of the matrix needs its own name")
    unknown = [x for x in xfail if x not in names]
    if unknown:
        raise fmt.ScenarioError(f"--xfail {unknown[0]}: not a scenario of this matrix ({', '.join(names)})")
    return [Cell(doc["name"], doc["description"], ref, expected_to_fail=doc["name"] in xfail) for ref, doc in docs]


def run_matrix(command: list[str], cells: list[Cell], options: RunOptions, jobs: int, progress=None) -> list[Cell]:
    """Run `command` once per cell, `jobs` at a time, each against its own fresh mock; `progress(cell)` is
    told as each one ends."""
    def one(cell: Cell) -> Cell:
        try:
            cell.run = run_client(command, replace(options, scenarios=(cell.ref,), capture=True))
        except (ClientCommandError, ValueError, OSError) as exc:
            cell.error = str(exc)
        if progress is not None:
            progress(cell)
        return cell

    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="matrix") as pool:
        return list(pool.map(one, cells))


def ledger(cells: list[Cell]) -> Ledger:
    """The matrix as a ledger of scenarios: survived (held), failed (broken), or failed as expected (the user
    marked it --xfail and only its outcome failed: a money, contract, honesty, leftover or pacing finding
    fails the scenario whatever the mark)."""
    book = Ledger("scenarios")
    for cell in cells:
        if not cell.problems:
            book.record(cell.name, HELD, "marked --xfail, but survived" if cell.expected_to_fail else "")
        elif not cell.unwaived:
            book.record(cell.name, XFAILED, f"--xfail: {'; '.join(cell.problems)}")
        else:
            waived = " (--xfail waives the outcome only)" if cell.expected_to_fail else ""
            book.broken(cell.name, "; ".join(cell.unwaived) + waived, _details(cell))
    return book


def _details(cell: Cell) -> list[str]:
    run = cell.run
    if run is None:
        return []
    lines = [f"request {v['seq']} {v['method']}: {v['finding']}" for v in run.report.violations]
    tail = run.output.splitlines()[-OUTPUT_TAIL:]
    return lines + (["client output (last lines):", *tail] if tail else [])


def as_json(cells: list[Cell], book: Ledger, command: list[str], options: RunOptions, exit_code: int) -> dict:
    """The matrix for `--report`."""
    rows = []
    for cell in cells:
        run = cell.run
        row = {"scenario": cell.name, "description": cell.description, "expected_to_fail": cell.expected_to_fail,
               "verdict": cell.verdict, "survived": not cell.problems, "problems": cell.problems,
               "findings": [{"group": g, "finding": t} for g, t in cell.findings]}
        if run is not None:
            row.update(exit_code=run.exit_code, timed_out=run.timed_out, seconds=round(run.seconds, 2),
                       calls=run.report.requests, calls_by_method=dict(run.report.calls),
                       violations=run.report.violations, warnings=run.report.warnings, cost=run.cost,
                       left=run.left.as_json(), output_tail=run.output.splitlines()[-OUTPUT_TAIL:],
                       expect=run.expect, pace=run.pace.as_json(), checks=run.ledger().as_json()["items"])
        rows.append(row)
    return {"command": command, "dialect": options.dialect, "clock": options.clock, "speed": options.speed,
            "judged_as": judged_as(options.keeps_numbers), "scenarios": rows, "coverage": book.as_json(),
            "exit_code": exit_code}

