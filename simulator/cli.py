"""`rent-mock simulate` (behaviour, in-process) and `rent-mock load` (traffic against a server)."""
from __future__ import annotations

import json
import time
from pathlib import Path

import click

from contracts.paths import OutputDir

from .scenario import SHIPPED, ScenarioError, load


def _scenario_path(name: str) -> Path:
    """A scenario file by path, else a shipped scenario by name (a folder of that name is not a scenario)."""
    path = Path(name)
    if path.is_file():
        return path
    shipped = SHIPPED / (name if name.endswith(".toml") else f"{name}.toml")
    if shipped.is_file():
        return shipped
    known = ", ".join(p.stem for p in sorted(SHIPPED.glob("*.toml")))
    what = "is a folder, not a scenario file" if path.exists() else "is no scenario file"
    raise click.BadParameter(f"{name!r} {what} (shipped: {known})", param_hint="SCENARIO")


@click.command()
@click.argument("scenario")
@click.option("--seed", default=1, show_default=True, type=int, help="Seed of the run (same seed, same summary).")
@click.option("--days", type=click.IntRange(1, 3650), help="Override the scenario's length.")
@click.option("--out", "out_dir", default="simulation", show_default=True, type=OutputDir(),
              help="Folder for the outputs (made when missing).")
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots and the HTML report.")
def simulate(scenario, seed, days, out_dir, no_plots):
    """Simulate renters over weeks or months in seconds (SCENARIO: a TOML file or a shipped name)."""
    from contracts.extras import require
    from contracts.progress import progress

    if not no_plots:
        require("matplotlib", "sim", "rent-mock simulate's plots", "or pass --no-plots")
    from .engine import Simulation
    from .report import plot, write_html, write_summary

    try:
        spec = load(_scenario_path(scenario))
    except ScenarioError as exc:
        raise click.ClickException(str(exc)) from None
    started = time.perf_counter()
    sim = Simulation(spec, seed=seed, days=days)
    with progress(f"simulating {spec.name}", sim.days) as step:
        metrics = sim.run(lambda day: step(day, "days"))
    elapsed = time.perf_counter() - started
    summary = sim.summary()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    timing = {"wall_seconds": round(elapsed, 2), "events_per_second": round(metrics.events / elapsed)}
    write_summary(summary, out)
    (out / "timing.json").write_text(json.dumps(timing) + "\n", encoding="utf-8")
    if not no_plots:
        plot(summary, out)
        write_html(summary, timing, out)
    click.echo(f"{spec.name}: {summary['renters']} renters, {sim.days} days, {metrics.events} events in "
               f"{elapsed:.1f} s ({timing['events_per_second']} events/s) → {out}/summary.json"
               + ("" if no_plots else f", {out}/report.html"))
