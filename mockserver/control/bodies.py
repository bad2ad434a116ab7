"""JSON Schemas of the control API's request bodies, and a validator that names every problem."""
from __future__ import annotations

from jsonschema import Draft202012Validator

from contracts.registry import DIALECTS, METHODS

from ..core.world import REFUND_POLICIES

_INT = {"type": "integer"}
_MONEY = {"type": ["number", "string"], "pattern": r"^\d+(\.\d{1,2})?$"}
_RANGE = {"type": "array", "prefixItems": [{"type": "integer", "minimum": 0}] * 2, "minItems": 2, "maxItems": 2}
_WORLD = {"type": "string", "maxLength": 64}


def _obj(props: dict, required: tuple = ()) -> dict:
    # every call may name the world it acts on (DESIGN section 3); unknown fields are refused
    props = {"world": _WORLD, "apikey": {"type": "string", "maxLength": 128}, **props}
    return {"type": "object", "properties": props, "required": list(required), "additionalProperties": False}


WORLD_NEW = _obj({
    "seed": _INT, "clock": {"enum": ["manual", "real"]}, "start": {"type": "integer", "minimum": 0},
    "speed": {"type": "number", "exclusiveMinimum": 0, "maximum": 1_000_000},
    "dialect": {"enum": list(DIALECTS)}, "balance": _MONEY, "apikey": {"type": "string", "minLength": 1, "maxLength": 128},
    "overrides": {"type": "object", "propertyNames": {"enum": list(METHODS)}, "additionalProperties": {"type": "string"}},
    "activation_delay": _RANGE, "active_window": _RANGE,
    "hold_days": {"type": "integer", "minimum": 0, "maximum": 3650},
    "refund": {"enum": list(REFUND_POLICIES)},
    "journal_size": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
})
RESET = _obj({})
ACCOUNT_NEW = _obj({"balance": _MONEY, "apikey": {"type": "string", "minLength": 1, "maxLength": 128}},
                   ("balance",))
TOP_UP = _obj({"amount": _MONEY}, ("amount",))
CLOCK = _obj({"advance": {"type": "integer", "minimum": 0, "maximum": 100 * 365 * 86_400},
              "set": {"type": "integer", "minimum": 0}})
SMS = _obj({"order": {"type": "integer"}, "text": {"type": "string", "maxLength": 2000},
            "sender": {"type": "string", "maxLength": 64}, "service": {"type": "string", "maxLength": 32}},
           ("order", "text"))
STATE = _obj({"order": {"type": "integer"}, "state": {"enum": [-1, 0, 1]}}, ("order", "state"))
_COUNT = {"type": "integer", "minimum": 0, "maximum": 1_000_000}
OFFER = _obj({"country": {"type": "string", "maxLength": 8}, "service": {"type": "string", "maxLength": 32},
              "price_day": _MONEY, "procent_days": _COUNT, "procent": {"type": "integer", "minimum": 0, "maximum": 100},
              "day_step": _COUNT, "stock": {"type": "object", "additionalProperties": _COUNT}},
             ("country", "service"))
OFFER_GONE = _obj({"country": {"type": "string"}, "service": {"type": "string"}}, ("country", "service"))
COUNTRY_GONE = _obj({"country": {"type": "string"}}, ("country",))
SERVICE_NEW = _obj({"code": {"type": "string", "minLength": 1, "maxLength": 32},
                    "name": {"type": "string", "minLength": 1, "maxLength": 200}, "img": {"type": "string"}},
                   ("code", "name"))
FAULT = _obj({
    "method": {"type": "string", "maxLength": 64},
    "kind": {"enum": ["latency", "status0", "http", "malformed", "truncated", "drop", "rate_limit"]},
    "times": {"type": "integer", "minimum": 1}, "probability": {"type": "number", "minimum": 0, "maximum": 1},
    "latency_ms": {"oneOf": [{"type": "integer", "minimum": 0, "maximum": 60_000}, _RANGE]},
    "msg": {"type": "string", "minLength": 1, "maxLength": 500},
    "http_status": {"type": "integer", "minimum": 500, "maximum": 599},
    "per_second": {"type": "integer", "minimum": 1, "maximum": 100_000},
}, ("kind",))
FAULT_GONE = _obj({"id": {"type": "integer"}})
JOURNAL = _obj({"method": {"type": "string"}, "limit": {"type": "integer", "minimum": 1, "maximum": 100_000}})

_VALIDATORS: dict[int, Draft202012Validator] = {}


def problems(schema: dict, body: object) -> list[str]:
    """Every way `body` breaks `schema`, each naming the field."""
    validator = _VALIDATORS.setdefault(id(schema), Draft202012Validator(schema))
    out = []
    for err in validator.iter_errors(body):
        where = ".".join(str(p) for p in err.absolute_path) or "body"
        out.append(f"{where}: {err.message}")
    return sorted(out)
