"""Optional parts of the install: a command that needs one says so in one line instead of a traceback, with
the pip command that works where this copy was installed from (a checkout or the package index)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from .verdict import CannotRun

_CHECKOUT = Path(__file__).resolve().parent.parent  # the repository, when running from a checkout


def from_checkout() -> bool:
    """True when this copy runs from a source checkout (an editable install or PYTHONPATH), not from a wheel."""
    pyproject = _CHECKOUT / "pyproject.toml"
    return pyproject.is_file() and 'name = "smspva-rent-mock"' in pyproject.read_text(encoding="utf-8")


def install_hint(extra: str) -> str:
    """The pip command that installs `extra` here."""
    if from_checkout():
        return f"pip install -e '.[{extra}]' (in {_CHECKOUT})"
    return f"pip install 'smspva-rent-mock[{extra}]'"


def require(module: str, extra: str, what: str, otherwise: str = "") -> None:
    """Stop (exit 2: the tool cannot run) with the pip command to run when `module` (from `extra`) is missing."""
    if importlib.util.find_spec(module) is None:
        raise CannotRun(f"{what} needs the [{extra}] extra: {install_hint(extra)}"
                                   + (f" ({otherwise})" if otherwise else ""))
