"""schemathesis checks that understand rent.php's in-band errors (needs `pip install schemathesis`)."""
from __future__ import annotations

from typing import Callable

from urllib.parse import parse_qsl, urlsplit

from .inband import answer_reasons, envelope_reasons

# schemathesis' own checks that assume REST status codes; rent.php answers errors with HTTP 200.
REST_ONLY = ("negative_data_rejection", "unsupported_method", "ignored_auth", "status_code_conformance",
             "positive_data_acceptance", "missing_required_header", "use_after_free",
             "ensure_resource_availability")


def _payload(response):
    try:
        return response.json()
    except Exception:  # noqa: BLE001 - any decoding problem is a finding of its own
        return None


def _nested(case) -> bool:
    """True when a query value is a mapping, or a list holding one (no single wire form)."""
    for value in (case.query or {}).values():
        items = value if isinstance(value, list) else [value]
        if any(isinstance(v, (dict, list)) for v in items):
            return True
    return False


def sent_query(response, case) -> dict[str, str]:
    """The query string as it went on the wire (first value of each name)."""
    url = getattr(getattr(response, "request", None), "url", None)
    if url:
        return dict(reversed(parse_qsl(urlsplit(url).query, keep_blank_values=True)))
    return {k: str(v[0] if isinstance(v, list) else v) for k, v in (case.query or {}).items()}


def checks_for(dialect: str = "documented") -> list[Callable]:
    """The in-band checks, judging success shapes in `dialect`."""

    def rent_envelope(ctx, response, case):
        """Every answer: HTTP 200, JSON object, integer status, msg with status 0."""
        reasons = envelope_reasons(response.status_code, _payload(response))
        if reasons:
            raise AssertionError("; ".join(reasons))

    def rent_in_band(ctx, response, case):
        """An invalid request gets status 0; a valid one status 1 or a documented refusal; shapes hold."""
        if _nested(case):
            return  # transports serialize nested values each their own way: the sent query is unknown
        reasons = answer_reasons(case.method.upper(), sent_query(response, case), _payload(response), dialect)
        if reasons:
            raise AssertionError("; ".join(reasons))

    return [rent_envelope, rent_in_band]


def excluded_checks() -> list[Callable]:
    """schemathesis' REST-minded checks to switch off for rent.php."""
    import schemathesis.checks as builtin

    return [getattr(builtin, name) for name in REST_ONLY if hasattr(builtin, name)]
