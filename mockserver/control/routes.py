"""The control plane under /_mock/: worlds, accounts, the clock, SMS and order states (JSON in and out)."""
from __future__ import annotations

import hmac
from decimal import Decimal

from flask import Blueprint, current_app, request

from ..core import errors as E
from ..core import supply
from contracts.registry import METHODS

from ..core.hub import DEFAULT, Hub, new_apikey
from ..core.money import money, wire
from ..core.world import World, WorldConfig
from ..http.app import json_response
from ..http.order_views import order_view
from . import bodies

blueprint = Blueprint("control", __name__)


class ControlError(Exception):
    """A control call refused with an HTTP status and a message."""

    def __init__(self, status: int, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.status, self.message, self.details = status, message, details or []


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


def _hub() -> Hub:
    return current_app.config["HUB"]


def _body(schema: dict) -> dict:
    if not request.data:
        body: object = {}
    else:
        body = request.get_json(silent=True)
        if body is None:
            raise ControlError(400, "body must be a JSON object")
    found = bodies.problems(schema, body)
    if found:
        raise ControlError(400, found[0], found)
    return body  # type: ignore[return-value]


def _world(body: dict, by_apikey: bool = True) -> World:
    """The world named by `world` (body or query), or owning `apikey`, else the default world."""
    hub = _hub()
    name = body.get("world") or request.args.get("world")
    apikey = (body.get("apikey") or request.args.get("apikey")) if by_apikey else None
    if name:
        if name not in hub.worlds:
            raise ControlError(404, f"unknown world {name!r}")
        return hub.worlds[name]
    if apikey:
        world = hub.world_of(apikey)
        if world is None:
            raise ControlError(404, f"unknown apikey {apikey!r}")
        return world
    return hub.worlds[DEFAULT]


@blueprint.get("/health")
def health():
    """Liveness."""
    return json_response({"ok": True})


@blueprint.post("/worlds")
def new_world():
    """A fresh isolated world with one funded account."""
    body = _body(bodies.WORLD_NEW)
    hub = _hub()
    base = hub.worlds[DEFAULT].config
    apikey = body.get("apikey") or new_apikey()
    config = WorldConfig(
        seed=body.get("seed", 1), clock=body.get("clock", "manual"), start=body.get("start", base.start),
        speed=float(body.get("speed", 1.0)), dialect=body.get("dialect", base.dialect),
        overrides=dict(body.get("overrides", {})),
        activation_delay=tuple(body.get("activation_delay", base.activation_delay)),
        active_window=tuple(body.get("active_window", base.active_window)),
        hold_days=body.get("hold_days", base.hold_days), refund=body.get("refund", base.refund),
        accounts={apikey: money(body.get("balance", "100"))})
    _check_overrides(config.overrides)
    try:
        world = hub.create_world(config)
    except ValueError as exc:
        raise ControlError(400, str(exc)) from None
    return json_response({"world": world.name, "apikey": apikey, "now": world.clock.now(),
                          "base_path": f"/w/{world.name}"}, 201)


def _check_overrides(overrides: dict[str, str]) -> None:
    for name, variant in overrides.items():
        if variant not in METHODS[name].shapes:
            known = ", ".join(METHODS[name].shapes)
            raise ControlError(400, f"overrides.{name}: unknown variant {variant!r} (known: {known})")


@blueprint.get("/worlds/<name>")
def describe_world(name: str):
    """A world's settings, clock and accounts."""
    world = _world({"world": name})
    c = world.config
    with world.lock:
        return json_response({
            "world": world.name, "seed": c.seed, "dialect": c.dialect, "overrides": c.overrides,
            "clock": world.clock.state(), "activation_delay": list(c.activation_delay),
            "active_window": list(c.active_window), "hold_days": c.hold_days, "refund": c.refund,
            "accounts": {k: wire(a.balance) for k, a in world.accounts.items()},
            "orders": sum(1 for o in world.orders.values() if o.live)})


@blueprint.delete("/worlds/<name>")
def delete_world(name: str):
    """Drop a world (the default world is reset instead)."""
    _world({"world": name})
    _hub().delete_world(name)
    return json_response({"deleted": True})


@blueprint.post("/reset")
def reset():
    """Rebuild a world from its seed, clock included."""
    world = _world(_body(bodies.RESET))
    fresh = _hub().reset(world.name)
    return json_response({"world": fresh.name, "now": fresh.clock.now(), "apikeys": list(fresh.accounts)})


@blueprint.post("/accounts")
def new_account():
    """Open a funded account in a world."""
    body = _body(bodies.ACCOUNT_NEW)
    world = _world(body, by_apikey=False)  # here `apikey` names the new account
    try:
        apikey = _hub().add_account(world, body["balance"], body.get("apikey"))
    except ValueError as exc:
        raise ControlError(400, str(exc)) from None
    return json_response({"apikey": apikey, "balance": wire(world.accounts[apikey].balance)}, 201)


def _account_world(apikey: str) -> World:
    world = _hub().world_of(apikey)
    if world is None:
        raise ControlError(404, f"unknown apikey {apikey!r}")
    return world


@blueprint.get("/accounts/<apikey>")
def account(apikey: str):
    """Balance and ledger of an account."""
    world = _account_world(apikey)
    with world.lock:
        world.now()
        acc = world.account(apikey)
        return json_response({"apikey": apikey, "world": world.name, "balance": wire(acc.balance),
                              "ledger": [e.as_json() for e in acc.ledger]})


@blueprint.post("/accounts/<apikey>/balance")
def top_up(apikey: str):
    """Add money to an account."""
    body = _body(bodies.TOP_UP)
    _account_world(apikey)
    amount = money(body["amount"])
    if amount <= Decimal("0"):
        raise ControlError(400, "amount: must be positive")
    return json_response({"apikey": apikey, "balance": wire(_hub().top_up(apikey, amount))})


@blueprint.get("/clock")
def clock():
    """A world's time."""
    world = _world({})
    with world.lock:
        world.now()
        return json_response(world.clock.state())


@blueprint.post("/clock")
def move_clock():
    """Advance or set a world's time, applying every due event in order."""
    body = _body(bodies.CLOCK)
    if "advance" in body and "set" in body:
        raise ControlError(400, "give advance or set, not both")
    world = _world(body)
    with world.lock:
        now = world.clock.now()
        target = body.get("set", now + body.get("advance", 0))
        if target < now:
            raise ControlError(400, f"set: the clock never goes backwards (now is {now})")
        events = world.advance(target - now)
        return json_response({"now": world.clock.now(), "events": events})


@blueprint.post("/sms")
def send_sms():
    """Send an SMS to an order's number (delivered only while it is active)."""
    body = _body(bodies.SMS)
    world = _hub().world_of_order(body["order"])
    if world is None:
        raise ControlError(404, f"unknown order {body['order']}")
    result = supply.send_sms(world, body["order"], body["text"], body.get("sender", ""), body.get("service"))
    out = {"delivered": result.delivered}
    if result.reason:
        out["reason"] = result.reason
    return json_response(out)


@blueprint.post("/orders/<int:order_id>/state")
def set_state(order_id: int):
    """Set an order's state: -1 number lost, 0 back/offline, 1 online now."""
    body = _body(bodies.STATE)
    world = _hub().world_of_order(order_id)
    if world is None:
        raise ControlError(404, f"unknown order {order_id}")
    try:
        order = supply.force_state(world, order_id, body["state"])
    except E.DomainError:
        raise ControlError(404, f"order {order_id} is not running") from None
    with world.lock:
        return json_response(order_view(world, order, world.clock.now()))
