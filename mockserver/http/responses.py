"""JSON answers of the Flask side (control API, dashboard, errors): one encoding, the wire's."""
from __future__ import annotations

from flask import Response

from .rent import encode


def json_response(payload, status: int = 200) -> Response:
    """A compact JSON response (non-ASCII kept as is, NaN refused)."""
    return Response(encode(payload), status=status, mimetype="application/json")
