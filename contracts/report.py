"""Verdicts as a readable table, JUnit XML or JSON."""
from __future__ import annotations

import json
from collections import OrderedDict
from xml.etree import ElementTree as ET

from rich.console import Console
from rich.table import Table

from .registry import METHODS
from .verdict import HELD, NOT_JUDGED, write_junit
from .verify import IN_BAND, Verdict


def per_method(verdict: Verdict) -> "OrderedDict[str, dict]":
    """Counts per method: calls, status 1, status 0, violations."""
    rows: OrderedDict[str, dict] = OrderedDict()
    for step in verdict.steps:
        name = step.exchange.method if step.exchange.method in METHODS else IN_BAND
        row = rows.setdefault(name, {"calls": 0, "ok": 0, "refused": 0, "violations": 0})
        row["calls"] += 1
        row["ok"] += step.status == 1
        row["refused"] += step.status == 0
        row["violations"] += len(step.by_dialect[verdict.dialect])
    return rows


def speaks_line(verdict: Verdict) -> str:
    """Which dialect the server speaks, in a sentence."""
    if verdict.speaks:
        return f"speaks: {', '.join(verdict.speaks)}"
    return f"speaks no known dialect; closest: {verdict.dialect}"


def print_table(verdict: Verdict, console: Console | None = None, partial_ok: bool = False) -> None:
    """The per-method table, the violations, what was NOT JUDGED and why, and the verdict with its exit code."""
    console = console or Console()
    table = Table(title=f"rent.php contract: {verdict.target}")
    for col in ("method", "calls", "status 1", "status 0", "violations", "verdict"):
        table.add_column(col, justify="left" if col in ("method", "verdict") else "right")
    rows = per_method(verdict)
    for entry in verdict.ledger.entries.values():
        row = rows.get(entry.name, {"calls": 0, "ok": 0, "refused": 0, "violations": 0})
        style = None if entry.status == HELD else ("red" if row["violations"] else "yellow")
        table.add_row(entry.name, str(row["calls"]), str(row["ok"]), str(row["refused"]), str(row["violations"]),
                      entry.status, style=style)
    console.print(table)
    for label, reason in verdict.violations():
        console.print(f"[red]✗[/red] {label}: {reason}", markup=True, highlight=False)
    for refused in verdict.refused:
        console.print(f"[yellow]skipped[/yellow] {refused}", highlight=False)
    if verdict.spending:
        console.print(verdict.spending, highlight=False)
    for entry in verdict.ledger.of(NOT_JUDGED):
        console.print(entry.line(), highlight=False, markup=False)
    console.print(f"{speaks_line(verdict)}; judged as {verdict.dialect}: "
                  + ("[green]no violations[/green]" if verdict.ok else f"[red]{len(verdict.violations())} violations[/red]"))
    console.print(verdict.ledger.verdict_line(partial_ok), highlight=False)


def as_json(verdict: Verdict, partial_ok: bool = False) -> dict:
    """The verdict as a JSON document, with the coverage ledger and the exit code."""
    return {"target": verdict.target, "dialect": verdict.dialect, "speaks": verdict.speaks, "ok": verdict.ok,
            "exit_code": verdict.exit_code(partial_ok), "coverage": verdict.ledger.as_json(),
            "methods": per_method(verdict), "skipped": verdict.refused,
            "not_judged": [e.line() for e in verdict.ledger.of(NOT_JUDGED)],
            "spending": verdict.spending,
            "violations": [{"call": label, "reason": reason} for label, reason in verdict.violations()],
            "by_dialect": {d: [{"call": s.label, "reason": r} for s in verdict.steps for r in s.by_dialect[d]]
                           for d in verdict.steps[0].by_dialect} if verdict.steps else {}}


def as_junit(verdict: Verdict) -> ET.Element:
    """One test case per call (each violation a failure), and one skipped case per method NOT JUDGED."""
    failures = sum(1 for s in verdict.steps if s.by_dialect[verdict.dialect])
    unjudged = verdict.ledger.of(NOT_JUDGED)
    suite = ET.Element("testsuite", name=f"rent.php contract ({verdict.dialect})",
                       tests=str(len(verdict.steps) + len(verdict.refused) + len(unjudged)),
                       failures=str(failures), skipped=str(len(verdict.refused) + len(unjudged)))
    for step in verdict.steps:
        case = ET.SubElement(suite, "testcase", classname=step.exchange.method or "none", name=step.label)
        reasons = step.by_dialect[verdict.dialect]
        if reasons:
            ET.SubElement(case, "failure", message=reasons[0][:500]).text = "\n".join(reasons)
    for refused in verdict.refused:
        ET.SubElement(ET.SubElement(suite, "testcase", classname="guard", name=refused.split(":")[0]),
                      "skipped", message=refused)
    for entry in unjudged:
        ET.SubElement(ET.SubElement(suite, "testcase", classname="coverage", name=entry.name),
                      "skipped", type=NOT_JUDGED, message=entry.line())
    return suite


def write(verdict: Verdict, path: str, partial_ok: bool = False) -> None:
    """Write a report; `.xml` gives JUnit, anything else JSON."""
    if path.endswith(".xml"):
        write_junit(path, as_junit(verdict))
        return
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(as_json(verdict, partial_ok), indent=2))
