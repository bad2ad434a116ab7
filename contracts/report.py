"""Verdicts as a readable table, JUnit XML or JSON."""
from __future__ import annotations

import json
from collections import OrderedDict
from xml.etree import ElementTree as ET

from rich.console import Console
from rich.table import Table

from .verify import Verdict


def per_method(verdict: Verdict) -> "OrderedDict[str, dict]":
    """Counts per method: calls, status 1, status 0, violations."""
    rows: OrderedDict[str, dict] = OrderedDict()
    for step in verdict.steps:
        name = step.exchange.method or "(none)"
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


def print_table(verdict: Verdict, console: Console | None = None) -> None:
    """The per-method table, the violations and the dialect verdict."""
    console = console or Console()
    table = Table(title=f"rent.php contract: {verdict.target}")
    for col in ("method", "calls", "status 1", "status 0", "violations"):
        table.add_column(col, justify="left" if col == "method" else "right")
    for name, row in per_method(verdict).items():
        style = "red" if row["violations"] else None
        table.add_row(name, str(row["calls"]), str(row["ok"]), str(row["refused"]), str(row["violations"]),
                      style=style)
    console.print(table)
    for label, reason in verdict.violations():
        console.print(f"[red]✗[/red] {label}: {reason}", markup=True, highlight=False)
    for refused in verdict.refused:
        console.print(f"[yellow]skipped[/yellow] {refused}", highlight=False)
    if verdict.spending:
        console.print(verdict.spending, highlight=False)
    console.print(f"{speaks_line(verdict)}; judged as {verdict.dialect}: "
                  + ("[green]no violations[/green]" if verdict.ok else f"[red]{len(verdict.violations())} violations[/red]"))


def as_json(verdict: Verdict) -> dict:
    """The verdict as a JSON document."""
    return {"target": verdict.target, "dialect": verdict.dialect, "speaks": verdict.speaks, "ok": verdict.ok,
            "methods": per_method(verdict), "skipped": verdict.refused,
            "spending": verdict.spending,
            "violations": [{"call": label, "reason": reason} for label, reason in verdict.violations()],
            "by_dialect": {d: [{"call": s.label, "reason": r} for s in verdict.steps for r in s.by_dialect[d]]
                           for d in verdict.steps[0].by_dialect} if verdict.steps else {}}


def as_junit(verdict: Verdict) -> str:
    """One test case per call; each violation a failure."""
    failures = sum(1 for s in verdict.steps if s.by_dialect[verdict.dialect])
    suite = ET.Element("testsuite", name=f"rent.php contract ({verdict.dialect})", tests=str(len(verdict.steps)),
                       failures=str(failures), skipped=str(len(verdict.refused)))
    for step in verdict.steps:
        case = ET.SubElement(suite, "testcase", classname=step.exchange.method or "none", name=step.label)
        reasons = step.by_dialect[verdict.dialect]
        if reasons:
            ET.SubElement(case, "failure", message=reasons[0]).text = "\n".join(reasons)
    for refused in verdict.refused:
        ET.SubElement(ET.SubElement(suite, "testcase", classname="guard", name=refused.split(":")[0]),
                      "skipped", message=refused)
    return ET.tostring(suite, encoding="unicode")


def write(verdict: Verdict, path: str) -> None:
    """Write a report; `.xml` gives JUnit, anything else JSON."""
    text = as_junit(verdict) if path.endswith(".xml") else json.dumps(as_json(verdict), indent=2)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
