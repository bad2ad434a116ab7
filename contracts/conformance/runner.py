"""Run every scenario the target can take (and the model-based machine), with progress; collect the verdict."""
from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from ..client import SpendRefused
from ..extras import install_hint
from ..model import probe
from ..target import ControlRefused, TargetError
from ..verdict import BROKEN, Ledger
from . import scenarios_archive, scenarios_life, scenarios_model, scenarios_money  # noqa: F401  (they register scenarios)
from .judge import SCENARIOS, Abort, Ctx, Finding, RuleResult, Scenario, show, verdicts
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
    coverage: dict[str, dict] = field(default_factory=dict)  # what the run explored of the model (probe.coverage)

    @property
    def ok(self) -> bool:
        """True when no rule is broken."""
        return not any(r.status == BROKEN for r in self.results)

    @property
    def ledger(self) -> Ledger:
        """Every rule as held, broken, not applicable or NOT JUDGED (the shared coverage ledger)."""
        led = Ledger("rules")
        for r in self.results:
            reason = r.reason or (f"expected {r.broken[0].expected}, got {r.broken[0].got}" if r.broken else "")
            led.record(r.rule, r.status, reason, r.flag, BY_ID[r.rule].area)
        return led


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
    except ControlRefused as exc:  # the control API refused the suite's own set-up
        stop = f"scenario {sc.name} stopped: {exc}"[:300]
    except TargetError:
        raise  # the server went away: the run stops in one line
    except Exception as exc:  # noqa: BLE001  (an answer of a shape the scenario could not read)
        stop = None
        calls = [show(ex) for ex in session.calls[-4:]]
        judged = {f.rule for f in mine}
        mine += [Finding(rule, False, "answers a scenario can read (the contract's shapes)",
                         f"an answer it could not read: {type(exc).__name__}: {str(exc)[:200]}", calls)
                 for rule in sc.rules if rule not in judged]
    findings.extend(mine)
    judged = {f.rule for f in mine}
    if stop:
        for rule in sc.rules:
            if rule not in judged:
                unjudged.setdefault(rule, stop)


def run(settings: Settings, console: Console | None = None, machine: bool = True,
        target: Target | None = None) -> Outcome:
    """Meet the target (unless met already), run what it allows, and return the verdict (the mock's worlds are
    deleted after)."""
    console = console or Console(stderr=True)
    target = target or Target(settings)
    findings: list[Finding] = []
    skipped: dict[str, tuple[str, str]] = {}
    unjudged: dict[str, str] = {}
    machine_note = ""
    taken = probe.reset()
    for rule in BY_ID.values():
        reason = target.missing(rule.needs)
        if reason:
            skipped[rule.id] = (reason, target.flag(rule.needs))
    runnable = [sc for sc in SCENARIOS if not target.missing(sc.needs)]
    for sc in SCENARIOS:
        if sc not in runnable:
            for rule in sc.rules:
                skipped.setdefault(rule, (f"its scenario needs {target.missing(sc.needs)}", target.flag(sc.needs)))
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
                    machine_note = f"model-based machine skipped (needs hypothesis: {install_hint('fuzz')})"
                else:
                    machine_note = run_machine(target, findings, settings.examples, settings.exhaustive)
                progress.advance(task)
    finally:
        target.close()
    return Outcome(settings.base_url, target.dialect, target.mock_dialect is not None, target.caps,
                   verdicts(findings, skipped, target.dialect, unjudged), machine_note,
                   probe.coverage(target.dialect, taken))
