"""A defensive JSON parse for answers from servers we judge: NaN, Infinity and numbers that overflow are
refused, and so is nesting deeper than a bound (RecursionError never escapes); BadJSON is a ValueError."""
from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

MAX_DEPTH = 64  # nesting of a JSON answer; rent.php's deepest is 5


class BadJSON(ValueError):
    """An answer the contract cannot take as JSON: not JSON, NaN or Infinity, or nested too deep."""


def _no_constant(name: str) -> Any:
    raise BadJSON(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadJSON(f"{text[:20]} overflows a number")
    return value


def depth(text: str) -> int:
    """How deeply arrays and objects nest in valid JSON text."""
    if '"' in text:
        text = _STRINGS.sub("", text)
    brackets = _NOT_BRACKET.sub("", text)
    return max(accumulate(1 if c in "[{" else -1 for c in brackets), default=0)


def parse_json(body: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON refusing NaN and Infinity, numbers that overflow, and nesting deeper than `max_depth`."""
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadJSON("not JSON: not UTF-8 text") from None
    try:
        value = json.loads(body, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise BadJSON(f"JSON nested deeper than {max_depth} levels") from None
    except BadJSON:
        raise
    except json.JSONDecodeError as exc:
        raise BadJSON(f"not JSON: {exc.msg} at character {exc.pos}") from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise BadJSON(f"not JSON: {str(exc)[:80]}") from None
    # only text with more openers than the bound can nest beyond it: most answers skip the scan
    if body.count("[") + body.count("{") > max_depth and depth(body) > max_depth:
        raise BadJSON(f"JSON nested deeper than {max_depth} levels")
    return value


# valid JSON only reaches these (after json.loads), so every string is closed and the scan is linear
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
