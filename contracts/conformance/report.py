"""The conformance verdict as tables per rule area, JSON or JUnit XML."""
from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..verdict import BROKEN, HELD, NOT_APPLICABLE, NOT_JUDGED, STATUSES, write_junit
from .rules import AREAS, BY_ID, CAPABILITIES
from .runner import Outcome

STYLE = {HELD: "green", BROKEN: "red", NOT_APPLICABLE: "dim", NOT_JUDGED: "magenta"}


def summary(outcome: Outcome) -> dict[str, dict[str, int]]:
    """Counts of held, broken, not applicable and NOT JUDGED rules per area."""
    out = {area: dict.fromkeys(STATUSES, 0) for area in AREAS}
    for r in outcome.results:
        out[BY_ID[r.rule].area][r.status] += 1
    return out


def print_report(outcome: Outcome, console: Console | None = None, partial_ok: bool = False) -> None:
    """A table per rule area, every broken rule with expected vs got and the calls that show it, what was NOT
    JUDGED and the flag that would judge it, and the verdict with its exit code."""
    console = console or Console()
    kind = "the mock (worlds of its own)" if outcome.mock else "a server without the control extension"
    console.print(f"[bold]rent.php conformance[/bold]: {outcome.target}, {kind}, judged as {outcome.dialect}")
    for cap, reason in outcome.capabilities.items():
        offered = "[green]offered[/green]" if reason is None else f"[yellow]no[/yellow]: {escape(reason)}"
        console.print(f"  {cap:9} {offered}", highlight=False)
    for area in AREAS:
        table = Table(title=f"{area}", title_justify="left", show_edge=False)
        table.add_column("rule")
        table.add_column("verdict")
        table.add_column("statement / why not judged")
        for r in outcome.results:
            rule = BY_ID[r.rule]
            if rule.area != area:
                continue
            text = rule.statement if r.status in (HELD, BROKEN) else r.reason
            if r.flag:
                text += f" (judge it with {r.flag})"
            mark = " [dim](live departs)[/dim]" if rule.departs else ""
            table.add_row(r.rule, f"[{STYLE[r.status]}]{r.status}[/{STYLE[r.status]}]", escape(text) + mark)
        console.print(table)
    totals = Table(title="per area", title_justify="left")
    totals.add_column("area")
    for s in STATUSES:
        totals.add_column(s, justify="right")
    for area, counts in summary(outcome).items():
        totals.add_row(area, *(str(counts[s]) for s in STATUSES))
    console.print(totals)
    for r in outcome.results:
        if r.status != BROKEN:
            continue
        console.print(f"[red]✗ {r.rule}[/red]: {BY_ID[r.rule].statement}", highlight=False)
        for f in r.broken[:3]:
            console.print(f"    expected: {f.expected}\n    got:      {f.got}", highlight=False, markup=False)
            for call in f.calls[-4:]:
                console.print(f"      {call}", highlight=False, markup=False)
    if outcome.machine:
        console.print(outcome.machine, highlight=False, markup=False)  # "[fuzz]" in a hint is not markup
    if outcome.coverage:
        console.print(explored(outcome.coverage), highlight=False, markup=False)
    console.print(outcome.ledger.verdict_line(partial_ok), highlight=False, markup=False)


def explored(coverage: dict[str, dict]) -> str:
    """What the run explored of the model, in one line per kind (taken of total, and the first few missing)."""
    names = {"branches": "decisions of the model taken both ways", "thresholds": "time thresholds met at -1 s, 0, +1 s",
             "operation pairs": "pairs of operations on one order", "refusal pairs": "refusals meeting refusals"}
    lines = ["explored:"]
    for kind, c in coverage.items():
        missing = f" (not yet: {'; '.join(c['missing'][:4])}{' …' if len(c['missing']) > 4 else ''})" if c["missing"] else ""
        lines.append(f"  {names.get(kind, kind)}: {c['taken']} of {c['total']}{missing}")
    return "\n".join(lines)


def as_json(outcome: Outcome, partial_ok: bool = False) -> dict:
    """The verdict as a JSON document, with the coverage ledger's counts and the exit code."""
    ledger = outcome.ledger
    return {
        "target": outcome.target, "dialect": outcome.dialect, "mock": outcome.mock, "ok": outcome.ok,
        "exit_code": ledger.exit_code(partial_ok), "counts": ledger.counts(),
        "capabilities": {c: {"offered": outcome.capabilities.get(c) is None, "reason": outcome.capabilities.get(c),
                             "means": CAPABILITIES[c]} for c in CAPABILITIES},
        "summary": summary(outcome), "machine": outcome.machine, "explored": outcome.coverage,
        "rules": [{"id": r.rule, "area": BY_ID[r.rule].area, "statement": BY_ID[r.rule].statement,
                   "status": r.status, "reason": r.reason, "flag": r.flag, "departs": BY_ID[r.rule].departs,
                   "broken": [{"expected": f.expected, "got": f.got, "calls": f.calls} for f in r.broken]}
                  for r in outcome.results],
    }


def as_junit(outcome: Outcome) -> ET.Element:
    """One test case per rule (class = area): broken rules fail; not applicable and NOT JUDGED ones are
    skipped with their type, the reason and the flag that would judge them."""
    results = outcome.results
    suite = ET.Element("testsuite", name=f"rent.php conformance ({outcome.dialect})", tests=str(len(results)),
                       failures=str(sum(r.status == BROKEN for r in results)),
                       skipped=str(sum(r.status in (NOT_APPLICABLE, NOT_JUDGED) for r in results)))
    for r in results:
        case = ET.SubElement(suite, "testcase", classname=BY_ID[r.rule].area, name=r.rule)
        if r.status == BROKEN:
            first = r.broken[0]
            ET.SubElement(case, "failure", message=f"expected {first.expected}, got {first.got}"[:500]).text = \
                "\n".join(f"expected {f.expected}\ngot {f.got}\n" + "\n".join(f.calls) for f in r.broken)
        elif r.status != HELD:
            ET.SubElement(case, "skipped", type=r.status,
                          message=r.reason + (f" (judge it with {r.flag})" if r.flag else ""))
    return suite


def write(outcome: Outcome, path: str, partial_ok: bool = False) -> None:
    """Write a report: `.xml` gives JUnit, anything else JSON."""
    if path.endswith(".xml"):
        write_junit(path, as_junit(outcome))
        return
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(as_json(outcome, partial_ok), indent=2))
