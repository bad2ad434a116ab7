"""Coercion of query-string values to the types the registry declares, with reasons for each failure."""
from __future__ import annotations

import re
from typing import Any, Mapping

from . import registry
from .registry import Method, Param

_INT = re.compile(r"[+-]?[0-9]{1,18}", re.ASCII)  # ASCII digits only: int() would also read "٣" or "３"
_LONG_INT = re.compile(r"[+-]?[0-9]{19,}", re.ASCII)  # an integer, but past what the contract reads
MAX_STRING = 200


def ascii_int(raw: str) -> int | None:
    """`raw` as an integer when it is one written in ASCII digits (an optional sign, at most 18 digits)."""
    return int(raw) if _INT.fullmatch(raw) else None


def coerce_one(param: Param, raw: str) -> tuple[Any, str | None]:
    """Convert one raw value; returns (value, None) or (None, reason naming the parameter)."""
    if param.type == "integer":
        value = ascii_int(raw.strip())
        if value is None:
            longer = " of at most 18 digits" if _LONG_INT.fullmatch(raw.strip()) else ""
            return None, f"Parameter {param.name} must be an integer{longer}, got {raw[:40]!r}"
        if param.minimum is not None and value < param.minimum:
            return None, f"Parameter {param.name} must be at least {param.minimum}, got {value}"
        if param.maximum is not None and value > param.maximum:
            return None, f"Parameter {param.name} must be at most {param.maximum}, got {value}"
        return value, None
    if len(raw) > MAX_STRING:
        return None, f"Parameter {param.name} is longer than {MAX_STRING} characters"
    if param.type == "enum":
        if raw not in param.choices:
            return None, f"Parameter {param.name} must be one of {', '.join(param.choices)}, got {raw[:40]!r}"
        return raw, None
    if param.type == "csv":
        items = [part.strip() for part in raw.split(",") if part.strip()]
        if not items:
            return None, f"Parameter {param.name} must list at least one value"
        return items, None
    if not raw.strip():
        return None, f"Parameter {param.name} must not be empty"
    return raw.strip(), None


def coerce(method: Method, query: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Coerce every declared parameter of `method` from `query`; returns (values, reasons)."""
    values: dict[str, Any] = {}
    reasons: list[str] = []
    for param in method.params:
        raw = query.get(param.name)
        if raw is None or (raw == "" and param.required):
            if param.required:
                reasons.append(f"Missing required parameter: {param.name}")
            continue
        if raw == "":
            continue
        value, reason = coerce_one(param, raw)
        if reason:
            reasons.append(reason)
        else:
            values[param.name] = value
    return values, reasons


def unknown_params(method: Method, query: Mapping[str, str]) -> list[str]:
    """Query names the method does not declare (besides method and apikey)."""
    known = {p.name for p in method.params} | {"method", "apikey"}
    return sorted(set(query) - known)


def request_findings(verb: str, query: Mapping[str, str]) -> list[str]:
    """What a request itself does against the contract: non-GET, unknown or missing method,
    missing apikey, missing, malformed or out-of-range parameters, unknown parameters."""
    out = []
    if verb not in ("GET", "HEAD"):
        out.append(f"non-GET request ({verb})")
    name = query.get("method")
    if not name:
        return out + ["missing method"]
    spec = registry.method(name)
    if spec is None:
        return out + [f"unknown method {name[:60]!r}"]
    if spec.apikey == "required" and not query.get("apikey"):
        out.append("missing apikey")
    _, reasons = coerce(spec, query)
    out.extend(reasons)
    out.extend(f"unknown parameter {p!r}" for p in unknown_params(spec, query))
    return out


def must_refuse(findings: list[str]) -> bool:
    """True when a server owes a refusal (unknown parameters alone are ignored, as by the live service)."""
    return any(not f.startswith("unknown parameter") for f in findings)
