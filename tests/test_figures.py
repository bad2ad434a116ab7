"""docs/figures.md is generated: every figure names the command that measured it, the day and the machine."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

from click import Group

from benchmarks.figures import PAGE, ROOT, SOURCES, read_rows, render
from mockserver.cli import main as rent_mock


def test_every_figure_names_a_command_that_exists_a_date_and_a_machine():
    rows = read_rows(PAGE.read_text(encoding="utf-8"))
    assert rows, "docs/figures.md has no figures: run python benchmarks/figures.py"
    sources = {s.command.replace(" --out {work}", " --out DIR") for s in SOURCES}
    problems = []
    for row in rows:
        argv = shlex.split(row["command"])
        if row["command"] not in sources:
            problems.append(f"{row['figure']}: {row['command']!r} is not a source of benchmarks/figures.py")
        if argv[0] == "rent-mock":
            if not isinstance(rent_mock, Group) or argv[1] not in rent_mock.commands:
                problems.append(f"{row['figure']}: rent-mock has no command {argv[1]!r}")
        elif argv[0] == "python":
            if not (ROOT / argv[1]).is_file():
                problems.append(f"{row['figure']}: {argv[1]} does not exist")
        else:
            problems.append(f"{row['figure']}: {argv[0]!r} is neither rent-mock nor a python script")
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["date"]):
            problems.append(f"{row['figure']}: measured on {row['date']!r}, not a date")
        if not re.match(r"\d+ cores \(load [\d.]+\), Python 3\.\d+", row["machine"]):
            problems.append(f"{row['figure']}: machine {row['machine']!r} does not say cores, load and Python")
    assert problems == []


def test_the_page_is_exactly_what_the_generator_writes():
    text = PAGE.read_text(encoding="utf-8")
    assert render(read_rows(text)) == text, "docs/figures.md was edited by hand: run python benchmarks/figures.py"


def test_a_row_without_a_command_is_not_read_as_a_figure():
    text = "| simulate: events | 5 | rent-mock simulate | 2026-01-01 | 2 cores |\n"
    assert read_rows(text) == []


def test_the_layout_names_every_benchmark_script_the_figures_come_from():
    # conform_time.py became a Source while docs/development.md's layout still listed only the older scripts
    layout = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    scripts = {Path(word).name for s in SOURCES for word in s.command.split() if word.startswith("benchmarks/")}
    assert scripts and not {name for name in scripts if name not in layout}
