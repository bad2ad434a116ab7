"""JSON Schema pieces for what a world keeps, and a checker that names each problem by its place.

The snapshot format (`snapshot.py`), the catalogue format (`catalogue.py`) and the control bodies
(`control/bodies.py`) are built from these pieces, so a bound holds wherever a value comes in: what the
server can make, it can load. Checked with jsonschema-rs: a world's document is checked in milliseconds
(the pure-Python validator takes seconds for one catalogue).
"""
from __future__ import annotations

import dataclasses
import math

import jsonschema_rs

from .bounds import BOUNDS, SQLITE_MAX


def bounded(name: str) -> dict:
    """The JSON Schema of a whole number within bound `name` of the one table (bounds.py)."""
    return {"type": "integer", "minimum": BOUNDS[name].low, "maximum": BOUNDS[name].high}


BIG = SQLITE_MAX  # the largest integer SQLite keeps; every whole number of the format stays within it
WHOLE = bounded("counter")
SIGNED = bounded("seed")
TIME = bounded("time")  # a clock's reading, a moment that has happened
MOMENT = bounded("moment")  # a moment to come (a clock reading plus one span)
ORDER_ID = bounded("order_id")
TEXT = {"type": "string"}
NAME = {"type": "string", "minLength": 1}
FLAG = {"type": "boolean"}
NULL = {"type": "null"}
MONEY = {"type": ["string", "number"]}  # the exact amount is then judged by money.parse_amount
MAX_DURATION = BOUNDS["duration"].high  # an activation delay or active window: at most a century
DURATIONS = {"type": "array", "prefixItems": [bounded("duration")] * 2, "minItems": 2, "maxItems": 2}
MAX_HOLD_DAYS = BOUNDS["hold_days"].high
MAX_SPEED = BOUNDS["speed"].high
SPEED = {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_SPEED}


def array(items: dict, **more) -> dict:
    """An array of `items`."""
    return {"type": "array", "items": items, **more}


def mapping(values: dict, **more) -> dict:
    """An object whose every value is `values` (any key)."""
    return {"type": "object", "additionalProperties": values, **more}


def obj(properties: dict, required: tuple | list = (), closed: bool = True) -> dict:
    """An object with these properties (no others when `closed`)."""
    out = {"type": "object", "properties": properties, "required": list(required)}
    if closed:
        out["additionalProperties"] = False
    return out


def row(*items: dict) -> dict:
    """A fixed-length array (a tuple): one schema per place."""
    return {"type": "array", "prefixItems": list(items), "minItems": len(items), "maxItems": len(items)}


_BY_TYPE = {"int": WHOLE, "str": TEXT, "bool": FLAG, "float": {"type": "number"}, "list[str]": array(TEXT),
            "int | None": {"anyOf": [WHOLE, NULL]}}


def record(cls, **fields: dict) -> dict:
    """The schema of a dataclass written as the object of its fields (`vars()`): every field required,
    none other; types from the annotations, unless `fields` gives one. A field of a type not known here
    stops the import, so the format never falls behind the class."""
    props = {}
    for f in dataclasses.fields(cls):
        if f.name in fields:
            props[f.name] = fields[f.name]
        elif f.type in _BY_TYPE:
            props[f.name] = _BY_TYPE[f.type]
        else:
            raise TypeError(f"{cls.__name__}.{f.name}: no schema for {f.type!r}; give one to record()")
    return obj(props, list(props))


_KEYS = ("code", "id", "order", "apikey", "name")  # what names an item of a list, where it has one


def _step(node: object, step: object) -> object:
    # the checker reports an object key made of digits ("79001234567") as an int
    if isinstance(node, dict):
        return node.get(step, node.get(str(step)))
    if isinstance(node, list) and isinstance(step, int) and step < len(node):
        return node[step]
    return None


def _at(doc: object, path) -> object:
    for step in path:
        doc = _step(doc, step)
    return doc


def place(doc: object, path) -> str:
    """A path into `doc` as people read it: list items by their code, apikey or id where they have one."""
    out, node = [], doc
    for step in path:
        if isinstance(step, int) and isinstance(node, list) and step < len(node):
            node = node[step]
            name = next((node[k] for k in _KEYS if isinstance(node, dict) and type(node.get(k)) in (str, int)), None)
            out.append(f"[{str(name)[:40]}]" if name is not None else f"[{step}]")
        else:
            out.append(f".{step}")
            node = _step(node, step)
    return "".join(out).lstrip(".") or "document"


class Checker:
    """A compiled schema; `problems(doc)` lists where and how `doc` breaks it, first ones first."""

    def __init__(self, schema: dict):
        self.schema = schema
        self._validator = jsonschema_rs.validator_for(schema)

    def problems(self, doc: object, most: int = 3) -> list[str]:
        """Up to `most` problems, each `place: what is wrong` (`countries[RU].services.opt16.procent`)."""
        out = []
        try:
            for error in self._validator.iter_errors(doc):
                message, value = error.message, _at(doc, error.instance_path)
                if isinstance(value, float) and not math.isfinite(value):  # the checker reads NaN as null
                    message = message.replace("null", repr(value), 1)
                out.append(f"{place(doc, error.instance_path)}: {message[:300]}")
                if len(out) >= most:
                    break
        except ValueError as exc:  # nested past the checker's depth limit, or not JSON data at all
            return [f"document: {exc}"]
        return out

    def first(self, doc: object) -> str | None:
        """The first problem, saying whether there are more; None when `doc` fits."""
        found = self.problems(doc, most=2)
        return None if not found else found[0] + (" (and more)" if len(found) > 1 else "")
