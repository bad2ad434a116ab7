"""What tests that hold a page's prose to the code share."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen".split()


def page(name: str) -> str:
    """A docs/ page with its whitespace folded to single spaces, so a phrase can span a line break."""
    return " ".join((ROOT / "docs" / name).read_text(encoding="utf-8").split())


def spelled(n: int) -> str:
    """A count as the docs write it: in words up to sixteen, else in digits."""
    return WORDS[n] if n < len(WORDS) else str(n)
