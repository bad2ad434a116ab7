"""Progress of long commands on stderr: a live bar in a terminal, a plain line per step otherwise."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterator

import click


@contextmanager
def progress(label: str, total: int | None) -> Iterator[Callable[[int, str], None]]:
    """Yields `step(done, note)`; stdout stays for the report, so pipes and JSON are untouched."""
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task(label, total=total)
            yield lambda done, note="": bar.update(task, completed=done, description=f"{label} {note}".strip())
        return

    def step(done: int, note: str = "") -> None:
        of = f"/{total}" if total else ""
        click.echo(f"{label}: {done}{of} {note}".rstrip(), err=True)

    yield step
