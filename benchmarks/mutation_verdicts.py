"""Every mutant that survived benchmarks/mutation.py's sample, classified by reading the code: "equivalent" (no
client can tell the mutant from the mock: the reason says why) or "gap" (conform should have caught it: what
closed the gap). Keys are benchmarks/mutation.py's: path:line:index at the commit docs/judging.md names."""
from __future__ import annotations

VERDICTS: dict[str, tuple[str, str]] = {
}
