"""Measure `rent-mock conform`: apply each broken variant to a copy of the project tree, serve the copy,
run conform against it, and print caught/missed.

    python -m tests.mutants.run                      # every variant, live dialect, conform's default examples
    python -m tests.mutants.run --dialect all --only N01,N02 --examples 0
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from contracts.conformance.runner import Outcome, run
from contracts.registry import DIALECTS
from contracts.conformance.target import Settings

from tests.serve_helpers import SERVE, start_server

from .variants import VARIANTS, Variant

ROOT = Path(__file__).resolve().parents[2]
COPIED = ("mockserver", "contracts", "simulator")


def apply(variant: Variant, tree: Path) -> None:
    """Copy the project's packages into `tree` and apply the variant (its text must occur exactly once)."""
    for name in COPIED:
        shutil.copytree(ROOT / name, tree / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    target = tree / variant.path
    text = target.read_text(encoding="utf-8")
    count = text.count(variant.old)
    if count != 1:
        raise ValueError(f"{variant.id}: the text to replace occurs {count} times in {variant.path}")
    target.write_text(text.replace(variant.old, variant.new), encoding="utf-8")


@contextmanager
def served(tree: Path, dialect: str):
    """The mock from `tree` on a free loopback port; yields its base URL."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    started = start_server([*SERVE, "--port", "0", "--clock", "manual", "--dialect", dialect], cwd=tree, env=env,
                           start_new_session=True)
    proc = started.proc
    try:
        yield started.base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:  # a mutant that deadlocks ignores SIGTERM: it must not outlive the run
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)


def judge(variant: Variant, dialect: str = "live", examples: int = 10) -> Outcome:
    """Conform's verdict on the variant."""
    with tempfile.TemporaryDirectory(prefix=f"mutant-{variant.id}-") as tmp:
        tree = Path(tmp)
        apply(variant, tree)
        with served(tree, dialect) as base:
            return run(Settings(base, dialect=dialect, examples=examples), console=Console(file=open(os.devnull, "w")))


@click.command()
@click.option("--only", help="Comma-separated variant ids (default: all).")
@click.option("--dialect", default="live", show_default=True,
              help="Dialect(s) to serve and judge in: one, a comma-separated list, or all.")
@click.option("--examples", default=25, show_default=True,
              help="State-machine examples per variant (conform's default).")
def main(only, dialect, examples):
    """Run conform against every broken variant in each dialect; exit 1 when fewer than 90% are caught."""
    chosen = [v for v in VARIANTS if not only or v.id in only.split(",")]
    dialects = list(DIALECTS) if dialect == "all" else dialect.split(",")
    console = Console()
    table = Table(title=f"conform against {len(chosen)} broken variants ({', '.join(dialects)})")
    for col in ("variant", "dialect", "rule broken on purpose", "bug", "verdict", "rules conform found broken"):
        table.add_column(col)
    missed: list[str] = []
    unseen: list[str] = []
    started_all = time.monotonic()
    for d in dialects:
        for v in chosen:
            if not v.visible_in(d):  # equivalent in this dialect: no client could tell it apart
                unseen.append(f"{v.id}/{d}")
                continue
            started = time.monotonic()
            try:
                outcome = judge(v, d, examples)
            except Exception as exc:  # noqa: BLE001  (a variant that does not start, or breaks the run: missed)
                missed.append(f"{v.id}/{d}")
                table.add_row(v.id, d, v.rule, v.bug, "[red]error[/red]", f"{type(exc).__name__}: {exc}"[:200])
                console.print(f"{v.id} {d} {v.rule}: ERROR {type(exc).__name__}: {exc}"[:300], highlight=False)
                continue
            broken = [r.rule for r in outcome.results if r.status == "broken"]
            if not broken:
                missed.append(f"{v.id}/{d}")
            verdict = "[green]caught[/green]" if broken else "[red]missed[/red]"
            table.add_row(v.id, d, v.rule, v.bug, verdict, ", ".join(broken) or "-")
            console.print(f"{v.id} {d} {v.rule}: {'caught' if broken else 'MISSED'} "
                          f"({', '.join(broken) or 'nothing broken'}; {time.monotonic() - started:.0f} s)",
                          highlight=False)
    console.print(table)
    runs = len(chosen) * len(dialects) - len(unseen)
    caught = runs - len(missed)
    rate = caught / runs if runs else 1.0
    console.print(f"caught {caught} of {runs} ({rate:.0%}) in {time.monotonic() - started_all:.0f} s with "
                  f"--examples {examples}; missed: {', '.join(missed) or 'none'}; not counted (equivalent in "
                  f"that dialect): {', '.join(unseen) or 'none'}")
    sys.exit(0 if rate >= 0.9 else 1)


if __name__ == "__main__":
    main()
