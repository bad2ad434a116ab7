"""JSON Schemas of the control API's request bodies, and a validator that names every problem.

Bodies are parsed with numbers as Decimal (`parse_body`), so a money field is judged exactly as sent;
every money field goes through `core.money.parse_amount` (the `money` keyword), every other number
must be finite (a NaN or an infinity is no number here, so range checks cannot be skipped).
"""
from __future__ import annotations

import json
import math
import re
from decimal import Decimal

from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema._keywords import type as _type_keyword

from ..core.catalogue import OFFER_LIMITS
from ..core.hub import name_problem
from ..core.money import parse_amount
from ..core.schema import TIME, bounded
from ..http.faults import latency_problem
from ..core.snapshot import CONFIG_SCHEMA

_MONEY = {"money": "non-negative"}  # a number or a decimal string: see core.money.parse_amount
_PRICE = {"money": "positive"}
# a new world's settings are judged as a snapshot's config is (what a world can be made with, it can load)
_CONFIG = {key: CONFIG_SCHEMA["properties"][key] for key in (
    "seed", "clock", "start", "speed", "dialect", "overrides", "activation_delay", "active_window", "hold_days",
    "refund")}
_WORLD = {"world_name": True}  # see core.hub.name_problem


def _obj(props: dict, required: tuple = ()) -> dict:
    # every call may name the world it acts on (docs/control.md); unknown fields are refused
    props = {"world": _WORLD, "apikey": {"type": "string", "maxLength": 128}, **props}
    return {"type": "object", "properties": props, "required": list(required), "additionalProperties": False}


WORLD_NEW = _obj({
    **_CONFIG, "balance": _MONEY, "apikey": {"type": "string", "minLength": 1, "maxLength": 128},
    "journal_size": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
})
RESET = _obj({})
ACCOUNT_NEW = _obj({"balance": _MONEY, "apikey": {"type": "string", "minLength": 1, "maxLength": 128}},
                   ("balance",))
TOP_UP = _obj({"amount": _PRICE}, ("amount",))
CLOCK = _obj({"advance": bounded("duration"), "set": TIME})
SMS = _obj({"order": {"type": "integer"}, "text": {"type": "string", "maxLength": 2000},
            "sender": {"type": "string", "maxLength": 64}, "service": {"type": "string", "maxLength": 32}},
           ("order", "text"))
STATE = _obj({"order": {"type": "integer"}, "state": {"enum": [-1, 0, 1]}}, ("order", "state"))
_COUNT = bounded("stock")
OFFER = _obj({"country": {"type": "string", "maxLength": 8}, "service": {"type": "string", "maxLength": 32},
              "price_day": _PRICE, "stock": {"type": "object", "additionalProperties": _COUNT},
              **{key: bounded(key) for key in OFFER_LIMITS}},
             ("country", "service"))
OFFER_GONE = _obj({"country": {"type": "string"}, "service": {"type": "string"}}, ("country", "service"))
COUNTRY_GONE = _obj({"country": {"type": "string"}}, ("country",))
SERVICE_NEW = _obj({"code": {"type": "string", "minLength": 1, "maxLength": 32},
                    "name": {"type": "string", "minLength": 1, "maxLength": 200}, "img": {"type": "string"}},
                   ("code", "name"))
FAULT = _obj({
    "method": {"type": "string", "maxLength": 64},
    "kind": {"enum": ["latency", "status0", "http", "malformed", "truncated", "drop", "rate_limit", "banned"]},
    "times": {"type": "integer", "minimum": 1}, "probability": {"type": "number", "minimum": 0, "maximum": 1},
    "latency_ms": {"latency": True},  # see http.faults.latency_problem
    "msg": {"type": "string", "minLength": 1, "maxLength": 500},
    "http_status": {"type": "integer", "minimum": 500, "maximum": 599},
    "per_second": {"type": "integer", "minimum": 1, "maximum": 100_000},
    "skip": {"type": "integer", "minimum": 0, "maximum": 1_000_000},
}, ("kind",))
SCENARIO = _obj({"scenario": {"oneOf": [{"type": "string", "minLength": 1, "maxLength": 256 * 1024},
                                         {"type": "object"}]}}, ("scenario",))
FAULT_GONE = _obj({"id": {"type": "integer"}})
JOURNAL = _obj({"method": {"type": "string"}, "limit": {"type": "integer", "minimum": 1, "maximum": 100_000}})



def _finite_number(checker, instance) -> bool:
    if isinstance(instance, float) and not math.isfinite(instance):
        return False
    return Draft202012Validator.TYPE_CHECKER.is_type(instance, "number")


def _type(validator, types, instance, schema):
    if isinstance(instance, float) and not math.isfinite(instance):
        yield ValidationError(f"must be a finite number, got {instance}")
        return
    yield from _type_keyword(validator, types, instance, schema)


def _world_name(validator, _, instance, schema):
    problem = name_problem(instance)
    if problem:
        yield ValidationError(problem)


def _latency(validator, _, instance, schema):
    problem = latency_problem(instance)
    if problem:
        yield ValidationError(problem.removeprefix("latency_ms: "))


def _money(validator, kind, instance, schema):
    try:
        parse_amount(instance, positive=kind == "positive")
    except ValueError as exc:
        yield ValidationError(str(exc))


_Validator = validators.extend(
    Draft202012Validator, {"type": _type, "money": _money, "world_name": _world_name, "latency": _latency},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("number", _finite_number))
_VALIDATORS: dict[int, Draft202012Validator] = {}


class BadText(ValueError):
    """A body's string that is no text: it holds a lone surrogate."""


# JSON's \ud800 escapes (and json.loads's 'surrogatepass' for bytes) let in code points UTF-8 cannot carry:
# kept, every answer showing them failed with UnicodeEncodeError, also after a restart from the state file
_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_body(data: bytes) -> object:
    """A control body as JSON with exact numbers (Decimal); NaN and ±Infinity parse, to be refused by field;
    a string holding a lone surrogate is refused (BadText) naming its field."""
    body = json.loads(data, parse_float=Decimal, parse_constant=float)
    problem = _surrogate(body, "body")
    if problem:
        raise BadText(problem)
    return body


def _surrogate(value: object, where: str) -> str | None:
    if isinstance(value, str):
        found = _SURROGATE.search(value)
        return None if found is None else \
            f"{where}: holds the lone surrogate {found.group()!r}, which is no character (send text as UTF-8)"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str) and _SURROGATE.search(key):
            return f"{where}: a name holds a lone surrogate, which is no character (send text as UTF-8)"
        problem = _surrogate(item, key if where == "body" else f"{where}.{key}")
        if problem:
            return problem
    return None


def _floats(value: object) -> object:
    if isinstance(value, Decimal):
        # 30.0 or 3e1 is a whole number: an int, as every other integer (a float would reach the state and
        # be refused when loaded). Past 2**63 only the range check needs it: a float then (huge ones inf).
        if value.is_finite() and value == value.to_integral_value() and abs(value) < 2 ** 63:
            return int(value)
        return float(value)
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_floats(v) for v in value]
    return value


def _money_fields(schema: dict) -> set[str]:
    return {k for k, sub in schema.get("properties", {}).items() if "money" in sub}


def prepare(schema: dict | None, body: object) -> tuple[object, list[str]]:
    """The body ready for an operation, or the problems: numbers as float (finite, in range), money
    fields as their exact canonical string ("12.50"), as the log keeps them."""
    if schema is None:
        return _floats(body), []
    money = _money_fields(schema)
    if isinstance(body, dict):
        body = {k: v if k in money else _floats(v) for k, v in body.items()}
    found = problems(schema, body)
    if found or not isinstance(body, dict):
        return body, found
    for key in money & set(body):
        body[key] = str(parse_amount(body[key], positive=schema["properties"][key]["money"] == "positive"))
    return body, []


def problems(schema: dict, body: object) -> list[str]:
    """Every way `body` breaks `schema`, each naming the field."""
    validator = _VALIDATORS.setdefault(id(schema), _Validator(schema))
    out = []
    for err in validator.iter_errors(body):
        where = ".".join(str(p) for p in err.absolute_path) or "body"
        out.append(f"{where}: {err.message}")
    return sorted(out)
