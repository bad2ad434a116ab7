"""Optional parts of the install: a command that needs one says so in one line instead of a traceback."""
from __future__ import annotations

import importlib.util

import click


def require(module: str, extra: str, what: str, otherwise: str = "") -> None:
    """Stop with the pip command to run when `module` (from the `extra` extra) is not installed."""
    if importlib.util.find_spec(module) is None:
        raise click.ClickException(f"{what} needs the [{extra}] extra: pip install 'smspva-rent-mock[{extra}]'"
                                   + (f" ({otherwise})" if otherwise else ""))
