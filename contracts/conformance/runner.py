"""Run every scenario the target can take (and the model-based machine), with progress; collect the verdict."""
from __future__ import annotations

from dataclasses import dataclass, field

import requests
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from ..client import SpendRefused
from . import scenarios_archive, scenarios_life, scenarios_money  # noqa: F401  (they register scenarios)
from .judge import SCENARIOS, Abort, Ctx, Finding, RuleResult, Scenario, verdicts
from .rules import BY_ID
from .target import Settings, Target


@dataclass
class Outcome:
    """A run's verdict: every rule's result, what the target offered, and where it was run."""

    target: str
    dialect: str
    mock: bool
    capabilities: dict[str, str | None]
    results: list[RuleResult] = field(default_factory=list)
    machine: str = ""  # what the model-based machine did, or why it did not run

    @property
    def ok(self) -> bool:
        """True when no rule is broken."""
        return not any(r.status == "broken" for r in self.results)


def _run_one(target: Target, sc: Scenario, findings: list[Finding], unjudged: dict[str, str]) -> None:
    session = target.session()
    mine: list[Finding] = []
    try:
        sc.run(Ctx(session, mine))
        stop = None
    except Abort as exc:
        stop = f"scenario {sc.name} stopped at {exc.args[0]}"
    except SpendRefused as exc:
        stop = f"spend guard: {exc}"
    except requests.RequestException as exc:  # the control API refused the suite's own set-up
        stop = f"scenario {sc.name} stopped: {type(exc).__name__}: {exc}"[:300]
    findings.extend(mine)
    judged = {f.rule for f in mine}
    if stop:
        for rule in sc.rules:
            if rule not in judged:
                unjudged.setdefault(rule, stop)


def run(settings: Settings, console: Console | None = None, machine: bool = True) -> Outcome:
    """Probe the target, run what it allows, and return the verdict (the mock's worlds are deleted after)."""
    console = console or Console(stderr=True)
    target = Target(settings)
    findings: list[Finding] = []
    skipped: dict[str, str] = {}
    unjudged: dict[str, str] = {}
    machine_note = ""
    for rule in BY_ID.values():
        reason = target.missing(rule.needs)
        if reason:
            skipped[rule.id] = reason
    runnable = [sc for sc in SCENARIOS if not target.missing(sc.needs)]
    for sc in SCENARIOS:
        if sc not in runnable:
            for rule in sc.rules:
                skipped.setdefault(rule, f"its scenario needs {target.missing(sc.needs)}")
    try:
        with Progress(TextColumn("[bold]conform[/bold] {task.description}"), BarColumn(), MofNCompleteColumn(),
                      console=console, transient=True) as progress:
            task = progress.add_task("", total=len(runnable) + (1 if machine else 0))
            for sc in runnable:
                progress.update(task, description=sc.name)
                _run_one(target, sc, findings, unjudged)
                progress.advance(task)
            if machine and settings.examples > 0:
                progress.update(task, description=f"model-based machine ({settings.examples} examples)")
                try:
                    from .machine import run_machine
                except ImportError:  # hypothesis comes with the fuzz extra
                    machine_note = "model-based machine skipped (needs hypothesis: pip install 'smspva-rent-mock[fuzz]')"
                else:
                    machine_note = run_machine(target, findings, settings.examples)
                progress.advance(task)
    finally:
        target.close()
    return Outcome(settings.base_url, target.dialect, target.mock_dialect is not None, target.caps,
                   verdicts(findings, skipped, target.dialect, unjudged), machine_note)
