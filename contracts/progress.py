"""Progress of long commands on stderr: a live bar in a terminal, a plain line per step otherwise."""
from __future__ import annotations

import sys
import time
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

    last = [float("-inf")]

    def step(done: int, note: str = "") -> None:
        # a line a second at most, and the last one, so a log stays readable
        if time.monotonic() - last[0] < 1.0 and done != total:
            return
        last[0] = time.monotonic()
        of = f"/{total}" if total else ""
        click.echo(f"{label}: {done}{of} {note}".rstrip(), err=True)

    yield step
