"""Coercion of query-string values to the types the registry declares, with reasons for each failure."""
from __future__ import annotations

import re
from typing import Any, Mapping

from .registry import Method, Param

_INT = re.compile(r"^[+-]?\d{1,18}$")
MAX_STRING = 200


def coerce_one(param: Param, raw: str) -> tuple[Any, str | None]:
    """Convert one raw value; returns (value, None) or (None, reason naming the parameter)."""
    if param.type == "integer":
        if not _INT.match(raw.strip()):
            return None, f"Parameter {param.name} must be an integer, got {raw[:40]!r}"
        value = int(raw)
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
