"""The verdict every judging tool gives: one exit-code convention and a coverage ledger.

Exit codes, the same for conform, verify, fuzz, load, check-client and replay (the README says them too):
  0  everything that applies was judged, and it held
  1  something broke the contract
  2  the tool could not run (usage, the target, a path)
  3  what was judged held, but applicable items were left NOT JUDGED (0 instead with --partial-ok)

The ledger names every rule, method or operation a tool knows, each as held, broken, not applicable to the
dialect (not a gap: it is not owed), or NOT JUDGED with the reason and the flag that would judge it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterable
from xml.etree import ElementTree as ET

import click

OK, BROKE, CANNOT_RUN, PARTIAL = 0, 1, 2, 3

HELD, BROKEN, NOT_APPLICABLE, NOT_JUDGED = "held", "broken", "not applicable", "NOT JUDGED"
XFAILED = "failed as expected"  # judged and broken, as the user said it would be (check-client --xfail)
STATUSES = (HELD, BROKEN, NOT_APPLICABLE, NOT_JUDGED, XFAILED)
_RANK = {NOT_APPLICABLE: 0, NOT_JUDGED: 1, XFAILED: 2, HELD: 3, BROKEN: 4}  # what a later record may overrule


class CannotRun(click.ClickException):
    """The tool cannot run as asked (target, path, option): one line, exit 2, no traceback."""

    exit_code = CANNOT_RUN


@dataclass
class Entry:
    """One item's verdict: `reason` says why it broke, does not apply or was not judged; `flag` what would judge it."""

    name: str
    status: str
    reason: str = ""
    flag: str = ""
    group: str = ""
    details: list[str] = field(default_factory=list)

    def line(self) -> str:
        """The entry on one line, e.g. `NOT JUDGED create: no --apikey given (judge it with --apikey KEY)`."""
        text = f"{self.status} {self.name}"
        if self.reason:
            text += f": {self.reason}"
        if self.flag:
            text += f" (judge it with {self.flag})"
        return text


@dataclass
class Ledger:
    """Every item a tool knows, with its verdict; `what` names the items ("rules", "methods", "operations")."""

    what: str
    entries: dict[str, Entry] = field(default_factory=dict)

    def record(self, name: str, status: str, reason: str = "", flag: str = "", group: str = "",
               details: Iterable[str] = ()) -> Entry:
        """Record a verdict; a stronger one stands (broken over held over NOT JUDGED over not applicable)."""
        assert status in STATUSES, status
        old = self.entries.get(name)
        if old is not None and _RANK[old.status] > _RANK[status]:
            return old
        if old is not None and old.status == status:
            old.details.extend(details)
            return old
        entry = Entry(name, status, reason, flag if status == NOT_JUDGED else "", group or (old.group if old else ""),
                      list(details))
        self.entries[name] = entry
        return entry

    def held(self, name: str, group: str = "") -> Entry:
        """Judged and held."""
        return self.record(name, HELD, group=group)

    def broken(self, name: str, reason: str, details: Iterable[str] = (), group: str = "") -> Entry:
        """Judged and broken, with the first reason (and any more in `details`)."""
        return self.record(name, BROKEN, reason, group=group, details=details)

    def not_applicable(self, name: str, reason: str, group: str = "") -> Entry:
        """Not owed in this dialect (or by this kind of server): never a gap."""
        return self.record(name, NOT_APPLICABLE, reason, group=group)

    def not_judged(self, name: str, reason: str, flag: str = "", group: str = "") -> Entry:
        """Applicable but not judged: why, and the flag that would judge it."""
        return self.record(name, NOT_JUDGED, reason, flag, group)

    def of(self, status: str) -> list[Entry]:
        """The entries with `status`, in the order they were first recorded."""
        return [e for e in self.entries.values() if e.status == status]

    def counts(self) -> dict[str, int]:
        """How many entries have each status."""
        return {s: len(self.of(s)) for s in STATUSES}

    def exit_code(self, partial_ok: bool = False) -> int:
        """1 on anything broken; 3 when applicable items were not judged (unless `partial_ok`); else 0."""
        if self.of(BROKEN):
            return BROKE
        if self.of(NOT_JUDGED) and not partial_ok:
            return PARTIAL
        return OK

    def summary(self) -> str:
        """`40 held, 1 broken, 3 not applicable, 4 NOT JUDGED of 48 rules`."""
        c = self.counts()
        expected = f"{c[XFAILED]} failed as expected, " if c[XFAILED] else ""
        return (f"{c[HELD]} held, {c[BROKEN]} broken, {expected}{c[NOT_APPLICABLE]} not applicable, "
                f"{c[NOT_JUDGED]} NOT JUDGED of {len(self.entries)} {self.what}")

    def verdict_line(self, partial_ok: bool = False) -> str:
        """The last line of a run: the summary and what the exit code means."""
        code = self.exit_code(partial_ok)
        meaning = {OK: "everything that applies was judged and held",
                   BROKE: "something broke the contract",
                   PARTIAL: f"held, but {len(self.of(NOT_JUDGED))} applicable {self.what} were NOT JUDGED "
                            "(--partial-ok accepts that)"}[code]
        if code == OK and self.of(NOT_JUDGED):
            meaning = f"held; {len(self.of(NOT_JUDGED))} {self.what} NOT JUDGED, accepted by --partial-ok"
        return f"{self.summary()}: {meaning} (exit {code})"

    def as_json(self) -> dict:
        """The ledger for a JSON report."""
        return {"what": self.what, "counts": self.counts(),
                "items": [{"name": e.name, "status": e.status, "reason": e.reason, "flag": e.flag,
                           "group": e.group, "details": e.details} for e in self.entries.values()]}

    def junit(self, suite_name: str) -> ET.Element:
        """A JUnit testsuite: broken items fail; the others but held (not applicable, NOT JUDGED, failed as
        expected) are skipped with their reason, as pytest reports an xfail."""
        c = self.counts()
        suite = ET.Element("testsuite", name=suite_name, tests=str(len(self.entries)), failures=str(c[BROKEN]),
                           skipped=str(c[NOT_APPLICABLE] + c[NOT_JUDGED] + c[XFAILED]), errors="0")
        for e in self.entries.values():
            case = ET.SubElement(suite, "testcase", classname=e.group or self.what, name=e.name)
            if e.status == BROKEN:
                ET.SubElement(case, "failure", message=e.reason[:500]).text = "\n".join([e.reason, *e.details])
            elif e.status != HELD:
                ET.SubElement(case, "skipped", type=e.status, message=e.line()[:500])
        return suite

    def write(self, path: str, suite_name: str, facts: dict, partial_ok: bool) -> None:
        """A run's report: JUnit XML when `path` ends in .xml, else JSON of `facts`, the ledger and the exit code."""
        if path.endswith(".xml"):
            write_junit(path, self.junit(suite_name))
            return
        text = json.dumps({**facts, "coverage": self.as_json(), "exit_code": self.exit_code(partial_ok)},
                          indent=2, ensure_ascii=False)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)


def write_junit(path: str, suite: ET.Element) -> None:
    """The one JUnit file every judging tool writes: an XML declaration, then <testsuites> holding the run's
    <testsuite> (CI readers take both; one form means one parser for the team's reports)."""
    suites = ET.Element("testsuites")
    suites.append(suite)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def partial_ok_option(func):
    """`--partial-ok`: exit 0, not 3, when what was judged held but applicable items were not judged."""
    return click.option("--partial-ok", is_flag=True,
                        help="Exit 0 (not 3) when everything judged held but some applicable items were "
                             "NOT JUDGED.")(func)
