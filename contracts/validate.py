"""Validators that return the reasons a rent.php answer breaks the contract (empty list: it conforms)."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, validators

from . import shapes as S
from .registry import ACCOUNT_METHODS, ACCOUNT_REFUSALS, BALANCE_DECIMALS, DIALECTS, METHODS, data_schema, variant


def _strict_int(checker, instance) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


_TYPES = Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_int)
# JSON Schema counts true as an integer in Python's eyes; the wire contract does not.
StrictValidator = validators.extend(Draft202012Validator, type_checker=_TYPES)


@lru_cache(maxsize=None)
def _validator(name: str, variant_key: str, dialect: str) -> Any:
    return StrictValidator(data_schema(name, dialect, variant_key=variant_key))


_KINDS = {"array": "a list", "object": "an object", "integer": "an integer", "number": "a number",
          "string": "a string", "boolean": "a boolean", "null": "null"}
SHORT = 120  # a reason longer than this is summarised: a whole answer never lands in a report


def describe(value: Any) -> str:
    """A value in a few words: `an object with keys services, totalAmount`, `a list of 40 items`."""
    if isinstance(value, dict):
        keys = [str(k)[:30] for k in list(value)[:6]]
        return ("an object with keys " + ", ".join(keys) + (", …" if len(value) > 6 else "")) if value \
            else "an empty object"
    if isinstance(value, list):
        return f"a list of {len(value)} items" if value else "an empty list"
    if isinstance(value, str):
        return f"the string {value[:40]!r}" + (f" ({len(value)} characters)" if len(value) > 40 else "")
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    return repr(value)[:40]


def _message(error: Any) -> str:
    """jsonschema's message, or a summary of it when it would carry a large part of the answer."""
    if len(error.message) <= SHORT:
        return error.message
    if error.validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return f"expected {' or '.join(_KINDS.get(w, w) for w in wanted)}, got {describe(error.instance)}"
    return f"{describe(error.instance)} fails {error.validator!r} ({str(error.validator_value)[:60]})"


def _reasons(validator: Any, instance: Any, where: str) -> list[str]:
    out = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        path = "".join(f"[{p!r}]" if isinstance(p, str) else f"[{p}]" for p in list(error.absolute_path)[:8])
        out.append(f"{where}{path[:120]}: {_message(error)}")
    return out


_ERROR = StrictValidator(S.ENVELOPE_ERROR)


def check_error(payload: Any) -> list[str]:
    """Reasons `payload` is not a well-formed error envelope `{"status":0,"msg":...}`."""
    return _reasons(_ERROR, payload, "body")


def check_response(name: str, payload: Any, dialect: str = "documented",
                   overrides: dict[str, str] | None = None) -> list[str]:
    """Reasons `payload` is neither a valid success of `name` in `dialect` nor a well-formed error."""
    if name not in METHODS:
        return [f"unknown method {name!r}"]
    if not isinstance(payload, dict):
        return [f"body: expected a JSON object, got {type(payload).__name__}"]
    status = payload.get("status")
    if isinstance(status, bool) or not isinstance(status, int):
        return [f"body['status']: expected an integer, got {status!r}"]
    if status == 0:
        return check_error(payload)
    if status != 1:
        return [f"body['status']: expected 0 or 1, got {status}"]
    variant_key = variant(name, dialect, overrides)
    if variant_key not in METHODS[name].shapes:
        return [f"{name} has no shape variant {variant_key!r}"]
    if METHODS[name].shapes[variant_key] == S.NO_DATA:
        return ["body['data']: expected no data"] if "data" in payload else []
    if "data" not in payload:
        return ["body: missing 'data'"]
    reasons = _reasons(_validator(name, variant_key, dialect), payload["data"], "data")
    if reasons and overrides is None:
        others = [d for d in DIALECTS if d != dialect and not _reasons(
            _validator(name, METHODS[name].variant_for(d), d), payload["data"], "data")]
        if others:  # a server of another dialect: say which, it is the likely cause
            reasons[0] += f" (the {' / '.join(others)} shape)"
    return reasons



def check_account(metod: str, body: Any, dialect: str | None = None) -> list[str]:
    """Reasons an answer of the account API (/priemnik.php) to `metod` is neither its success nor a refusal; with
    `dialect`, the balance must carry that dialect's decimals (registry.BALANCE_DECIMALS)."""
    if isinstance(body, str):
        return [] if body in ACCOUNT_REFUSALS.values() else [f"body: unknown plain-text refusal {body[:60]!r}"]
    if metod not in ACCOUNT_METHODS:
        return [f"unknown metod {metod!r}"]
    reasons = _reasons(StrictValidator(ACCOUNT_METHODS[metod].shape), body, "body")
    balance = body.get("balance") if isinstance(body, dict) else None
    if not reasons and dialect and isinstance(balance, str):
        places = BALANCE_DECIMALS[dialect]
        if len(balance.partition(".")[2]) != places:
            reasons.append(f"body['balance']: {balance!r} has not the {dialect} dialect's {places} decimals")
    return reasons
