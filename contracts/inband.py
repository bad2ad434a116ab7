"""The in-band rules of rent.php (HTTP 200 with `status:0` for errors), as functions returning reasons."""
from __future__ import annotations

from typing import Any, Mapping

from . import refusals
from .params import must_refuse, request_findings
from .validate import check_response


def envelope_reasons(status_code: int, payload: Any) -> list[str]:
    """HTTP 200 and a JSON object with an integer status 0 or 1; status 0 carries a non-empty msg."""
    reasons = []
    if status_code != 200:
        reasons.append(f"HTTP {status_code}: rent.php answers every call with HTTP 200")
    if not isinstance(payload, dict):
        return reasons + [f"body is not a JSON object ({type(payload).__name__})"]
    status = payload.get("status")
    if isinstance(status, bool) or status not in (0, 1):
        reasons.append(f"status must be the integer 0 or 1, got {status!r}")
    elif status == 0 and not (isinstance(payload.get("msg"), str) and payload["msg"]):
        reasons.append("status 0 without a msg")
    return reasons


def answer_reasons(verb: str, query: Mapping[str, str], payload: Any, dialect: str = "documented") -> list[str]:
    """What is wrong with the answer to the request that was really sent (judged by the registry)."""
    if not isinstance(payload, dict) or payload.get("status") not in (0, 1):
        return []  # envelope_reasons says it
    status, msg = payload.get("status"), payload.get("msg", "")
    found = request_findings(verb, query)
    if must_refuse(found):
        if status == 1:
            return [f"invalid request accepted with status 1 ({'; '.join(found)})"]
        return []
    if status == 0:
        if refusals.is_parameter_error(msg):
            return [f"valid request refused as a parameter error: {msg!r}"]
        if not refusals.documented(msg):
            return [f"undocumented refusal: {msg!r}"]
        return []
    return check_response(query["method"], payload, dialect)
