"""Predicted answers and how a received answer is compared with them.

A prediction is plain JSON-like data (dict, list, str, int, bool, None) where a value is known, and a leaf
below where the service leaves room: a set of values, an interval, "an id not issued before", "a valid
mobile number of the country". `compare` walks both and returns every difference with its path; a `Tag`
names the rule a part of the prediction comes from, so a difference is reported under that rule."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterable

_MONEY_TEXT = re.compile(r"^-?[0-9]+(\.[0-9]{1,2})?$")


@dataclass(frozen=True)
class Diff:
    """One difference: where in the answer, what the model predicted there, what came, and the rule."""

    path: str
    expected: str
    got: str
    rule: str | None = None

    def line(self) -> str:
        """The difference on one line."""
        return f"{self.path or 'answer'}: predicted {self.expected}, received {self.got}"


class Leaf:
    """A predicted value with room; subclasses say what they accept."""

    def diffs(self, got: Any, path: str, rule: str | None) -> list[Diff]:
        """The differences between this prediction and `got` (none when it is accepted)."""
        return [] if self.accepts(got) else [Diff(path, self.show(), shown(got), rule)]

    def accepts(self, got: Any) -> bool:
        """True when `got` is one of the values this leaf predicts."""
        raise NotImplementedError

    def show(self) -> str:
        """The prediction in words."""
        raise NotImplementedError


def is_int(value: Any) -> bool:
    """A JSON integer (a bool is not one)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """A JSON number (int or float, not bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Money(Leaf):
    """A money amount as a JSON number: its value to the cent, at most two decimals."""

    def __init__(self, value: Decimal):
        self.value = Decimal(value)

    def accepts(self, got):
        if not is_number(got):
            return False
        try:
            amount = Decimal(repr(got)) if isinstance(got, float) else Decimal(got)
        except InvalidOperation:
            return False
        return amount == self.value and amount == amount.quantize(Decimal("0.01"))

    def show(self):
        return f"{self.value} (a number)"


class MoneyText(Leaf):
    """A money amount written as a decimal string (the sdk's types, the balance API)."""

    def __init__(self, value: Decimal, places: int | None = None):
        self.value = Decimal(value)
        self.form = re.compile(rf"^-?[0-9]+\.[0-9]{{{places}}}$") if places else _MONEY_TEXT  # exactly `places`

    def accepts(self, got):
        return isinstance(got, str) and bool(self.form.match(got)) and Decimal(got) == self.value

    def show(self):
        return f'"{self.value}" (a decimal string)'


class Between(Leaf):
    """An integer within [lo, hi] (hi None: no upper bound)."""

    def __init__(self, lo: int, hi: int | None, why: str = ""):
        self.lo, self.hi, self.why = lo, hi, why

    def accepts(self, got):
        return is_int(got) and got >= self.lo and (self.hi is None or got <= self.hi)

    def show(self):
        upper = "" if self.hi is None else f"{self.hi}"
        return f"an integer in [{self.lo}, {upper or '…'}]" + (f" ({self.why})" if self.why else "")


class OneOf(Leaf):
    """Any one of several predictions (each may itself hold room)."""

    def __init__(self, options: Iterable[Any]):
        self.options = list(options)

    def diffs(self, got, path, rule):
        for option in self.options:
            if not compare(option, got, path, rule):
                return []
        return [Diff(path, self.show(), shown(got), rule)]

    def accepts(self, got):
        return not self.diffs(got, "", None)

    def show(self):
        return "one of " + " | ".join(show(o) for o in self.options)


class Kind(Leaf):
    """Any value of a JSON type ("string", "integer", "boolean", "number", "object", "array")."""

    CHECKS: dict[str, Callable[[Any], bool]] = {
        "string": lambda v: isinstance(v, str), "integer": is_int, "number": is_number,
        "boolean": lambda v: isinstance(v, bool), "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list), "nonempty": lambda v: isinstance(v, str) and v.strip() != "",
    }

    def __init__(self, kind: str, why: str = ""):
        self.kind, self.why = kind, why

    def accepts(self, got):
        return self.CHECKS[self.kind](got)

    def show(self):
        text = "a non-empty string" if self.kind == "nonempty" else f"any {self.kind}"
        return text + (f" ({self.why})" if self.why else "")


class Where(Leaf):
    """A value a predicate accepts, described in words."""

    def __init__(self, test: Callable[[Any], bool], text: str):
        self.test, self.text = test, text

    def accepts(self, got):
        try:
            return bool(self.test(got))
        except (TypeError, ValueError, ArithmeticError):
            return False

    def show(self):
        return self.text


class Schema(Leaf):
    """Where the model has no value for a field the registry declares: the field's JSON Schema."""

    def __init__(self, schema: dict):
        self.schema = schema

    def accepts(self, got):
        from jsonschema import Draft202012Validator
        return Draft202012Validator(self.schema).is_valid(got)

    def show(self):
        return f"a value of schema {json.dumps(self.schema, ensure_ascii=False)[:80]}"


class Absent(Leaf):
    """A key that must not be in the answer."""

    def accepts(self, got):
        return False

    def show(self):
        return "absent"


ABSENT = Absent()


class Tag:
    """Names the rule a part of the prediction comes from (the innermost tag wins)."""

    def __init__(self, rule: str, inner: Any):
        self.rule, self.inner = rule, inner


class Unordered:
    """A list whose order the service leaves open: the same items, matched by `key`, in any order."""

    def __init__(self, items: list, key: Callable[[Any], Any], key_of_got: Callable[[Any], Any]):
        self.items, self.key, self.key_of_got = items, key, key_of_got


def compare(expected: Any, got: Any, path: str = "", rule: str | None = None) -> list[Diff]:
    """Every difference between a prediction and an answer (an empty list: they agree)."""
    if isinstance(expected, Tag):
        return compare(expected.inner, got, path, expected.rule)
    if isinstance(expected, Leaf):
        return expected.diffs(got, path, rule)
    if isinstance(expected, Decimal):
        return Money(expected).diffs(got, path, rule)
    if isinstance(expected, dict):
        return _compare_dict(expected, got, path, rule)
    if isinstance(expected, Unordered):
        return _compare_unordered(expected, got, path, rule)
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            return [Diff(path, show(expected), shown(got), rule)]
        out: list[Diff] = []
        for i, (e, g) in enumerate(zip(expected, got)):
            out += compare(e, g, f"{path}[{i}]", rule)
        return out
    same = type(got) is type(expected) if isinstance(expected, (bool, int)) else got == expected
    if isinstance(expected, (bool, int)) and same:
        same = got == expected
    return [] if same else [Diff(path, show(expected), shown(got), rule)]


def _compare_dict(expected: dict, got: Any, path: str, rule: str | None) -> list[Diff]:
    if not isinstance(got, dict):
        return [Diff(path, show(expected), shown(got), rule)]
    out: list[Diff] = []
    for key, value in expected.items():
        where = f"{path}.{key}" if path else str(key)
        if value is ABSENT or (isinstance(value, Tag) and value.inner is ABSENT):
            if key in got:
                out.append(Diff(where, "absent", shown(got[key]), value.rule if isinstance(value, Tag) else rule))
        elif key not in got:
            out.append(Diff(where, show(value), "absent", value.rule if isinstance(value, Tag) else rule))
        else:
            out += compare(value, got[key], where, rule)
    for key in got:
        if key not in expected:
            out.append(Diff(f"{path}.{key}" if path else str(key), "absent", shown(got[key]), rule))
    return out


def _compare_unordered(expected: Unordered, got: Any, path: str, rule: str | None) -> list[Diff]:
    if not isinstance(got, list):
        return [Diff(path, show(expected), shown(got), rule)]
    want = {expected.key(item): item for item in expected.items}
    seen = [expected.key_of_got(g) for g in got]
    if sorted(map(str, want)) != sorted(map(str, seen)):
        return [Diff(path + " (keys)", show(sorted(want, key=str)), shown(seen), rule)]
    out: list[Diff] = []
    for i, (k, g) in enumerate(zip(seen, got)):
        out += compare(want[k], g, f"{path}[{i}]", rule)
    return out


def show(expected: Any) -> str:
    """A prediction in readable JSON-like text (room written in words)."""
    if isinstance(expected, Tag):
        return show(expected.inner)
    if isinstance(expected, Leaf):
        return f"<{expected.show()}>"
    if isinstance(expected, Decimal):
        return str(expected)
    if isinstance(expected, dict):
        return "{" + ", ".join(f'"{k}": {show(v)}' for k, v in expected.items() if v is not ABSENT) + "}"
    if isinstance(expected, Unordered):
        return "[" + ", ".join(show(i) for i in expected.items) + "] (any order)"
    if isinstance(expected, list):
        return "[" + ", ".join(show(i) for i in expected) + "]"
    return json.dumps(expected, ensure_ascii=False)


def shown(got: Any) -> str:
    """A received value as compact JSON (cut at 300 characters)."""
    try:
        text = json.dumps(got, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(got)
    return text if len(text) <= 300 else text[:297] + "..."


def rules_of(expected: Any) -> set[str]:
    """Every rule a prediction names (a leaf may name its own through a `rules` attribute)."""
    out: set[str] = set()
    stack = [expected]
    while stack:
        e = stack.pop()
        if isinstance(e, Tag):
            out.add(e.rule)
            stack.append(e.inner)
        elif isinstance(e, OneOf):
            stack.extend(e.options)
        elif isinstance(e, Leaf):
            out.update(getattr(e, "rules", ()))
        elif isinstance(e, dict):
            stack.extend(e.values())
        elif isinstance(e, Unordered):
            stack.extend(e.items)
        elif isinstance(e, list):
            stack.extend(e)
    return out
