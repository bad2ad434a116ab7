"""The control plane under /_mock/: thin Flask routes over the operations registered in `ops`."""
from __future__ import annotations

import hmac

from flask import Blueprint, current_app, request
from werkzeug.routing import IntegerConverter

from contracts.params import ascii_int

from ..http.responses import json_response
from . import bodies, guard
from .ops import ControlError, run

blueprint = Blueprint("control", __name__)


class AsciiInt(IntegerConverter):
    """`<int:...>` in paths: ASCII digits only (werkzeug's `\\d+` also matches "٤٠٠٠٠")."""

    regex = r"[0-9]+"


# before the routes below are bound: their <int:...> parts then use it
blueprint.record_once(lambda state: state.app.url_map.converters.__setitem__("int", AsciiInt))


@blueprint.errorhandler(ControlError)
def _refused(exc: ControlError):
    payload = {"error": exc.message}
    if exc.details:
        payload["details"] = exc.details
    return json_response(payload, exc.status)


@blueprint.before_request
def _guard():
    token = current_app.config.get("ADMIN_TOKEN")
    if token:
        given = request.headers.get("X-Mock-Token", "")
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            given = auth[7:]
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise ControlError(401, "control API needs the admin token (X-Mock-Token header)")
    if request.endpoint == "control.health":
        return  # tells only that the server is up: probes and containers may ask under any Host
    refused = guard.refusal(request.method, request.headers, request.scheme,
                            bool(request.content_length or request.headers.get("Transfer-Encoding")),
                            request.mimetype, bool(token), current_app.config.get("ALLOWED_HOSTS", ()))
    if refused:
        raise ControlError(*refused)


def _body() -> object:
    if not request.data:
        return {}
    try:
        return bodies.parse_body(request.data)
    except RecursionError:
        raise ControlError(400, "body: JSON nested too deeply") from None
    except bodies.BadText as exc:
        raise ControlError(400, str(exc)) from None
    except ValueError as exc:
        raise ControlError(400, f"body must be a JSON object (not JSON: {str(exc)[:80]})") from None


_INT_ARGS = ("limit", "id")


def call(name: str, body: object = None, **path):
    """Run operation `name` with the request's body, query string and path values merged."""
    body = _body() if body is None else body
    if isinstance(body, dict):
        merged = {k: v for k, v in request.args.items() if k in ("world", "apikey", "method", "limit", "id")}
        for key in _INT_ARGS:
            if key in merged:
                merged[key] = ascii_int(merged[key])
                if merged[key] is None:
                    raise ControlError(400, f"{key}: must be an integer")
        body = {**merged, **body, **path}
    payload, status = run(current_app.config["RUNTIME"], name, body)
    return json_response(payload, status)


routes = [
    ("GET", "/health", "health"), ("GET", "/worlds", "worlds.list"), ("POST", "/worlds", "worlds.create"), ("POST", "/reset", "reset"),
    ("POST", "/accounts", "accounts.create"), ("GET", "/clock", "clock.show"), ("POST", "/clock", "clock.move"),
    ("POST", "/sms", "sms.send"), ("GET", "/catalogue", "catalogue.show"),
    ("POST", "/catalogue/offers", "catalogue.offer"), ("DELETE", "/catalogue/offers", "catalogue.offer_gone"),
    ("POST", "/catalogue/services", "catalogue.service"), ("POST", "/faults", "faults.add"),
    ("GET", "/faults", "faults.list"), ("DELETE", "/faults", "faults.clear"), ("GET", "/journal", "journal.show"),
    ("DELETE", "/journal", "journal.clear"), ("GET", "/orders", "orders.list"),
    ("POST", "/scenarios", "scenarios.load"), ("GET", "/scenarios", "scenarios.list"),
]
for verb, path, name in routes:
    blueprint.add_url_rule(path, name.replace(".", "_"), (lambda n: lambda: call(n))(name), methods=[verb])


@blueprint.get("/worlds/<world>")
def describe_world(world: str):
    """A world's settings, clock and accounts."""
    return call("worlds.describe", {}, world=world)


@blueprint.delete("/worlds/<world>")
def delete_world(world: str):
    """Drop a world."""
    return call("worlds.delete", {}, world=world)


@blueprint.get("/worlds/<world>/snapshot")
def get_snapshot(world: str):
    """The world as versioned JSON."""
    return call("snapshot.get", {}, world=world)


@blueprint.put("/worlds/<world>/snapshot")
def put_snapshot(world: str):
    """Load a snapshot into a world (a larger body than other calls: up to --max-snapshot bytes)."""
    limit = current_app.config["RUNTIME"].max_snapshot
    if (request.content_length or 0) > limit:
        raise ControlError(413, f"snapshot of {request.content_length} bytes is over the limit of {limit} bytes "
                                "(rent-mock serve --max-snapshot)")
    request.max_content_length = limit
    return call("snapshot.put", {"snapshot": _body(), "world": world})


@blueprint.delete("/catalogue/countries/<country>")
def drop_country(country: str):
    """Remove a country from the world's catalogue."""
    return call("catalogue.country_gone", country=country)


@blueprint.get("/accounts/<apikey>")
def account(apikey: str):
    """Balance and ledger."""
    return call("accounts.show", {}, apikey=apikey)


@blueprint.post("/accounts/<apikey>/balance")
def top_up(apikey: str):
    """Top up an account."""
    return call("accounts.top_up", apikey=apikey)


@blueprint.post("/orders/<int:order>/state")
def set_state(order: int):
    """Set an order's state."""
    return call("orders.state", order=order)


@blueprint.delete("/faults/<int:rule>")
def clear_fault(rule: int):
    """Remove one fault rule."""
    return call("faults.clear", id=rule)


@blueprint.get("/orders/<int:order>/sms")
def order_sms(order: int):
    """An order's SMS without marking them read."""
    return call("orders.sms", {}, order=order)
