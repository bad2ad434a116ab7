"""The conformance verdict as tables per rule area, JSON or JUnit XML."""
from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from rich.console import Console
from rich.table import Table

from .rules import AREAS, BY_ID, CAPABILITIES
from .runner import Outcome

STYLE = {"held": "green", "broken": "red", "skipped": "yellow", "unjudged": "magenta"}
STATUSES = ("held", "broken", "skipped", "unjudged")


def summary(outcome: Outcome) -> dict[str, dict[str, int]]:
    """Counts of held, broken, skipped and unjudged rules per area."""
    out = {area: dict.fromkeys(STATUSES, 0) for area in AREAS}
    for r in outcome.results:
        out[BY_ID[r.rule].area][r.status] += 1
    return out


def print_report(outcome: Outcome, console: Console | None = None) -> None:
    """A table per rule area, then every broken rule with expected vs got and the calls that show it."""
    console = console or Console()
    kind = "the mock (worlds of its own)" if outcome.mock else "a server without the control extension"
    console.print(f"[bold]rent.php conformance[/bold]: {outcome.target}, {kind}, judged as {outcome.dialect}")
    for cap, reason in outcome.capabilities.items():
        console.print(f"  {cap:9} " + ("[green]offered[/green]" if reason is None else f"[yellow]no[/yellow]: {reason}"),
                      highlight=False)
    for area in AREAS:
        table = Table(title=f"{area}", title_justify="left", show_edge=False)
        table.add_column("rule")
        table.add_column("verdict")
        table.add_column("statement / why skipped")
        for r in outcome.results:
            rule = BY_ID[r.rule]
            if rule.area != area:
                continue
            text = rule.statement if r.status in ("held", "broken") else r.reason
            mark = " [dim](live departs)[/dim]" if rule.departs else ""
            table.add_row(r.rule, f"[{STYLE[r.status]}]{r.status}[/{STYLE[r.status]}]", text + mark)
        console.print(table)
    totals = Table(title="per area", title_justify="left")
    totals.add_column("area")
    for s in STATUSES:
        totals.add_column(s, justify="right")
    for area, counts in summary(outcome).items():
        totals.add_row(area, *(str(counts[s]) for s in STATUSES))
    console.print(totals)
    for r in outcome.results:
        if r.status != "broken":
            continue
        console.print(f"[red]✗ {r.rule}[/red]: {BY_ID[r.rule].statement}", highlight=False)
        for f in r.broken[:3]:
            console.print(f"    expected: {f.expected}\n    got:      {f.got}", highlight=False, markup=False)
            for call in f.calls[-4:]:
                console.print(f"      {call}", highlight=False, markup=False)
    broken = sum(r.status == "broken" for r in outcome.results)
    held = sum(r.status == "held" for r in outcome.results)
    console.print(f"{held} held, {broken} broken, "
                  f"{sum(r.status in ('skipped', 'unjudged') for r in outcome.results)} not judged "
                  f"of {len(outcome.results)} rules" + ("" if not outcome.machine else f"; {outcome.machine}"))


def as_json(outcome: Outcome) -> dict:
    """The verdict as a JSON document."""
    return {
        "target": outcome.target, "dialect": outcome.dialect, "mock": outcome.mock, "ok": outcome.ok,
        "capabilities": {c: {"offered": outcome.capabilities.get(c) is None, "reason": outcome.capabilities.get(c),
                             "means": CAPABILITIES[c]} for c in CAPABILITIES},
        "summary": summary(outcome), "machine": outcome.machine,
        "rules": [{"id": r.rule, "area": BY_ID[r.rule].area, "statement": BY_ID[r.rule].statement,
                   "status": r.status, "reason": r.reason, "departs": BY_ID[r.rule].departs,
                   "broken": [{"expected": f.expected, "got": f.got, "calls": f.calls} for f in r.broken]}
                  for r in outcome.results],
    }


def as_junit(outcome: Outcome) -> str:
    """One test case per rule (class = area): broken rules fail, skipped ones are skipped with the reason."""
    results = outcome.results
    suite = ET.Element("testsuite", name=f"rent.php conformance ({outcome.dialect})", tests=str(len(results)),
                       failures=str(sum(r.status == "broken" for r in results)),
                       skipped=str(sum(r.status in ("skipped", "unjudged") for r in results)))
    for r in results:
        case = ET.SubElement(suite, "testcase", classname=BY_ID[r.rule].area, name=r.rule)
        if r.status == "broken":
            first = r.broken[0]
            ET.SubElement(case, "failure", message=f"expected {first.expected}, got {first.got}").text = "\n".join(
                f"expected {f.expected}\ngot {f.got}\n" + "\n".join(f.calls) for f in r.broken)
        elif r.status in ("skipped", "unjudged"):
            ET.SubElement(case, "skipped", message=r.reason)
    return ET.tostring(suite, encoding="unicode")


def write(outcome: Outcome, path: str) -> None:
    """Write a report: `.xml` gives JUnit, anything else JSON."""
    text = as_junit(outcome) if path.endswith(".xml") else json.dumps(as_json(outcome), indent=2)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
