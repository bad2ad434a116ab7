"""Output paths checked when the options are read, before any work: a report that cannot be written is a
one-line usage error (exit 2), never a traceback after the whole run."""
from __future__ import annotations

import os
from pathlib import Path

import click


def output_file_problem(path: str) -> str | None:
    """Why a file cannot be written at `path` (None: it can)."""
    p = Path(path)
    if not path or path.endswith(os.sep):
        return "is not a file name"
    if p.is_dir():
        return "is a folder, not a file"
    if p.exists():
        if not p.is_file():
            return "is not a regular file"
        if not os.access(p, os.W_OK):
            return "is not writable"
        return None
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.exists():
        return f"cannot be written: the folder {parent} does not exist"
    if not parent.is_dir():
        return f"cannot be written: {parent} is not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot be written: the folder {parent} is not writable"
    return None


def output_dir_problem(path: str) -> str | None:
    """Why a folder cannot be made or written at `path` (None: it can)."""
    p = Path(path)
    if p.exists():
        if not p.is_dir():
            return "is a file, not a folder"
        if not os.access(p, os.W_OK | os.X_OK):
            return "is not writable"
        return None
    ancestor = p.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return f"cannot be made: {ancestor} is not a folder"
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return f"cannot be made: the folder {ancestor} is not writable"
    return None


class _Checked(click.ParamType):
    """A path the command will write, checked by `problem` when the option is read."""

    def __init__(self, problem, name: str):
        self.problem, self.name = problem, name

    def convert(self, value, param, ctx):
        problem = self.problem(str(value))
        if problem:
            self.fail(f"{value} {problem}", param, ctx)
        return str(value)


def OutputFile() -> click.ParamType:  # noqa: N802  (used like a click type)
    """A file the command will write."""
    return _Checked(output_file_problem, "FILE")


def OutputDir() -> click.ParamType:  # noqa: N802
    """A folder the command will write into (made when missing)."""
    return _Checked(output_dir_problem, "DIR")
