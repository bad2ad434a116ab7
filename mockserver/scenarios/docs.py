"""`python -m mockserver.scenarios.docs`: rewrite the library table of docs/scenarios.md from the files."""
from __future__ import annotations

import re
import sys
from pathlib import Path

from .format import library_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"
SECTION = re.compile(r"(<!-- library: [^\n]*-->\n).*?(<!-- /library -->)", re.S)


def render(text: str) -> str:
    """`text` with its library table made afresh."""
    return SECTION.sub(lambda m: m.group(1) + library_table() + m.group(2), text)


if __name__ == "__main__":
    DOC.write_text(render(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    sys.stdout.write(f"wrote {DOC}\n")
