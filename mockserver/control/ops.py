"""Control operations as plain functions of (runtime, body): Flask routes call them, log replay too."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from contracts.registry import DIALECTS, METHODS

from ..core import errors as E
from ..core import supply
from ..core.clock import MAX_TIME
from ..core.hub import DEFAULT, new_apikey
from ..core.money import money, wire
from ..core.rental import PERIOD_LIMITS
from ..core.world import World, WorldConfig
from ..http.order_views import order_view
from ..state.storage import StoreFailure
from . import bodies


class ControlError(Exception):
    """A control call refused with an HTTP status and a message."""

    def __init__(self, status: int, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.status, self.message, self.details = status, message, details or []


@dataclass
class Op:
    """One control operation: its body schema, whether it changes state, how it finds its world."""

    name: str
    fn: Callable
    schema: dict | None
    mutates: bool
    # "world": acts in one world (its lock held); "hub+world": also changes the hub's indexes (the hub
    # lock taken first, per the lock order in core/hub.py); "hub": creates, replaces or drops worlds
    scope: str
    by_apikey: bool = True  # False where `apikey` names something new, not the world to act on


OPS: dict[str, Op] = {}


def op(name: str, schema: dict | None = None, mutates: bool = False, scope: str = "world", by_apikey: bool = True):
    """Register a control operation."""
    def register(fn):
        OPS[name] = Op(name, fn, schema, mutates, scope, by_apikey)
        return fn
    return register


def validate(schema: dict | None, body: object) -> dict:
    """The body if it fits `schema` (numbers finite, money exact), else a 400 naming every problem."""
    body, found = bodies.prepare(schema, body)
    if found:
        raise ControlError(400, found[0], found)
    return dict(body) if isinstance(body, dict) else {}


def world_of(rt, body: dict, by_apikey: bool = True) -> World:
    """The world named by `world`, or owning `apikey`, or holding `order`; else the default world."""
    hub = rt.hub
    if body.get("world"):
        world = hub.worlds.get(body["world"])
        if world is None:
            raise ControlError(404, f"unknown world {body['world']!r}")
        belongs(hub, world, body, by_apikey)
        return world
    if body.get("order") is not None:
        world = hub.world_of_order(body["order"])
        if world is None:
            raise ControlError(404, f"unknown order {body['order']}")
        return world
    if by_apikey and body.get("apikey"):
        world = hub.world_of(body["apikey"])
        if world is None:
            raise ControlError(404, f"unknown apikey {body['apikey']!r}")
        return world
    return hub.worlds[DEFAULT]


def belongs(hub, world: World, body: dict, by_apikey: bool = True) -> None:
    """Refuse (400) a body that names a world and an apikey or order of another world."""
    key = body.get("apikey") if by_apikey else None
    owner = hub.world_of(key) if key else None
    if owner is not None and owner is not world:
        raise ControlError(400, f"apikey {key!r} is an account of world {owner.name!r}, not of {world.name!r} "
                                "(leave world out: an apikey finds its world)")
    order = body.get("order")
    owner = hub.world_of_order(order) if isinstance(order, int) else None
    if owner is not None and owner is not world:
        raise ControlError(400, f"order {order} is in world {owner.name!r}, not in {world.name!r} "
                                "(leave world out: an order finds its world)")


def unknown_account(world: World, key: object) -> ControlError:
    """The 404 for an apikey that has no account in `world`."""
    return ControlError(404, f"unknown apikey {key!r} in world {world.name!r}")


def run(rt, name: str, body: object) -> tuple[object, int]:
    """Validate, run and (when it changes state) log one control operation."""
    spec = OPS[name]
    body = validate(spec.schema, body)
    try:
        return _run(rt, spec, body)
    except StoreFailure as exc:
        raise ControlError(500, exc.wire_msg) from None


def _run(rt, spec: Op, body: dict) -> tuple[object, int]:
    # a world the operation puts in place stays locked until the operation is logged (see core/hub.py)
    if spec.scope == "hub":
        with rt.hub.lock, rt.hub.unpublished():
            if spec.mutates:
                rt.begin()
                _settle(rt, body.get("world") or DEFAULT)
            result = spec.fn(rt, body)
            if spec.mutates:
                rt.record("control", spec.name, rt.hub.worlds.get(body.get("world", "")), body)
            return result
    with rt.hub.hold(lambda: world_of(rt, body, spec.by_apikey), hub=spec.scope == "hub+world") as world, \
            rt.hub.unpublished():
        if spec.mutates:
            rt.begin()
            if spec.scope == "hub+world":
                _settle(rt, world.name)
        try:
            result = spec.fn(rt, body, world)
        except E.DomainError as exc:
            raise ControlError(404 if exc.msg == E.ORDER_NOT_FOUND else 400, exc.msg) from None
        if spec.mutates:
            body["world"] = world.name
            rt.record("control", spec.name, rt.hub.worlds.get(world.name), body)
        return result


def _settle(rt, name: object) -> None:
    """A hub-wide operation is about to change world `name` (it moves apikeys or order ids between worlds):
    a checkpoint running now copies that world first (why: mockserver/state/storage.py)."""
    if rt.store is not None and not rt.replaying and isinstance(name, str):
        rt.store.settle(rt.hub, name)


def check_dialect(dialect: object, overrides: object) -> None:
    """Refuse (400) a dialect or a per-method override the registry does not know."""
    if dialect not in DIALECTS:
        raise ControlError(400, f"dialect: {dialect!r} is not one of {', '.join(DIALECTS)}")
    if not isinstance(overrides, dict):
        raise ControlError(400, "overrides: must be an object of method: variant")
    for method, variant in overrides.items():
        if method not in METHODS:
            raise ControlError(400, f"overrides: unknown method {method!r}")
        if variant not in METHODS[method].shapes:
            known = ", ".join(METHODS[method].shapes)
            raise ControlError(400, f"overrides.{method}: unknown variant {variant!r} (known: {known})")


@op("health")
def health(rt, body, world):
    """Liveness."""
    return {"ok": True}, 200


def room_for_a_world(rt) -> None:
    """Refuse a new world past the server's cap (a replay re-creates what was allowed then)."""
    if not rt.replaying and len(rt.hub.worlds) >= rt.max_worlds:
        raise ControlError(409, f"world limit reached: {len(rt.hub.worlds)} worlds exist, the cap is "
                                f"{rt.max_worlds} (rent-mock serve --max-worlds); delete one first")


@op("worlds.create", bodies.WORLD_NEW, mutates=True, scope="hub")
def create_world(rt, body):
    """A fresh isolated world with one funded account (the effective name and apikey go in the log)."""
    hub = rt.hub
    base = hub.worlds[DEFAULT].config
    room_for_a_world(rt)
    if body.get("journal_size", 0) > rt.journal_max:
        raise ControlError(400, f"journal_size: at most {rt.journal_max} (rent-mock serve --journal-max)")
    body.setdefault("apikey", new_apikey())
    # what the default world lent goes into the logged body, so a replay does not depend on it
    for key in ("dialect", "hold_days", "refund"):
        body.setdefault(key, getattr(base, key))
    for key in ("activation_delay", "active_window"):
        body.setdefault(key, list(getattr(base, key)))
    overrides = dict(body.get("overrides", {}))
    check_dialect(body["dialect"], overrides)
    config = WorldConfig(
        seed=body.get("seed", 1), clock=body.get("clock", "manual"), start=body.setdefault("start", base.start),
        speed=float(body.get("speed", 1.0)), dialect=body.get("dialect", base.dialect), overrides=overrides,
        activation_delay=tuple(body.get("activation_delay", base.activation_delay)),
        active_window=tuple(body.get("active_window", base.active_window)),
        hold_days=body.get("hold_days", base.hold_days), refund=body.get("refund", base.refund),
        accounts={body["apikey"]: money(body.get("balance", "100"))})
    try:
        world = hub.create_world(config, name=body.get("world"))
    except ValueError as exc:
        raise ControlError(400, str(exc)) from None
    body["world"] = world.name
    if "journal_size" in body:
        rt.new_journal(world.name, body["journal_size"])
    return {"world": world.name, "apikey": body["apikey"], "now": world.clock.now(),
            "base_path": f"/w/{world.name}"}, 201


@op("worlds.list", scope="hub")
def list_worlds(rt, body):
    """Every world: name, dialect, clock, accounts (counts of orders: GET /worlds/<name>, under its lock)."""
    worlds = [{"world": w.name, "dialect": w.config.dialect, "clock": w.config.clock, "now": w.clock.now(),
               "accounts": len(w.accounts), "base_path": "" if w.name == DEFAULT else f"/w/{w.name}"}
              for w in sorted(rt.hub.worlds.values(), key=lambda w: (w.name != DEFAULT, w.name))]
    return {"worlds": worlds}, 200


@op("worlds.describe")
def describe_world(rt, body, world):
    """A world's settings, clock and accounts."""
    c = world.config
    return {"world": world.name, "seed": c.seed, "dialect": c.dialect, "overrides": c.overrides,
            "clock": world.clock.state(), "activation_delay": list(c.activation_delay),
            "active_window": list(c.active_window), "hold_days": c.hold_days, "refund": c.refund,
            "max_rental_days": PERIOD_LIMITS.get(c.dialect),
            "accounts": {k: wire(a.balance) for k, a in world.accounts.items()},
            "orders": sum(1 for o in world.orders.values() if o.live)}, 200


@op("worlds.delete", bodies.RESET, mutates=True, scope="hub")
def delete_world(rt, body):
    """Drop a world (the default world is reset instead)."""
    name = body.get("world", DEFAULT)
    if name not in rt.hub.worlds:
        raise ControlError(404, f"unknown world {name!r}")
    world = rt.hub.worlds[name]
    rt.hub.delete_world(name)
    rt.faults.clear(name)
    rt.retire(world, rt.drop_journal(name))
    return {"deleted": True}, 200


@op("reset", bodies.RESET, mutates=True, scope="hub+world")
def reset(rt, body, world):
    """Rebuild a world from its seed, clock included."""
    fresh = rt.hub.reset(world.name)
    rt.retire(world)  # its journal stays in place
    fresh.last_now = fresh.clock.now()
    return {"world": fresh.name, "now": fresh.clock.now(), "apikeys": list(fresh.accounts)}, 200


@op("accounts.create", bodies.ACCOUNT_NEW, mutates=True, scope="hub+world", by_apikey=False)
def new_account(rt, body, world):
    """Open a funded account in a world (here `apikey` names the new account)."""
    body.setdefault("apikey", new_apikey())
    try:
        apikey = rt.hub.add_account(world, body["balance"], body["apikey"])
    except ValueError as exc:
        raise ControlError(400, str(exc)) from None
    return {"apikey": apikey, "balance": wire(world.accounts[apikey].balance)}, 201


@op("accounts.show")
def account(rt, body, world):
    """Balance and ledger of an account."""
    world.now()
    acc = world.accounts.get(body["apikey"])
    if acc is None:
        raise ControlError(404, f"unknown apikey {body['apikey']!r}")
    return {"apikey": acc.apikey, "world": world.name, "balance": wire(acc.balance),
            "ledger": [e.as_json() for e in acc.ledger]}, 200


@op("accounts.top_up", bodies.TOP_UP, mutates=True)
def top_up(rt, body, world):
    """Add money to an account."""
    amount = money(body["amount"])
    if amount <= Decimal("0"):
        raise ControlError(400, "amount: must be positive")
    if body["apikey"] not in world.accounts:
        raise unknown_account(world, body["apikey"])
    try:
        balance = rt.hub.top_up(body["apikey"], amount)
    except E.DomainError as exc:  # past the most a balance holds: refused, as a file would refuse the balance
        raise ControlError(400, f"amount: {exc.msg}") from None
    return {"apikey": body["apikey"], "balance": wire(balance)}, 200


@op("clock.show")
def clock(rt, body, world):
    """A world's time."""
    world.now()
    return world.clock.state(), 200


@op("clock.move", bodies.CLOCK, mutates=True)
def move_clock(rt, body, world):
    """Advance or set a world's time, applying every due event in order."""
    if "advance" in body and "set" in body:
        raise ControlError(400, "give advance or set, not both")
    now = world.now()
    target = body.get("set", now + body.get("advance", 0))
    if target < now:
        raise ControlError(400, f"set: the clock never goes backwards (now is {now})")
    if target > MAX_TIME:  # the schema bounds `set`; `advance` is bounded here, from now
        raise ControlError(400, f"advance: the clock stops at {MAX_TIME} (9999-12-31T23:59:59Z); now is {now}")
    events = world.advance(target - now)
    return {"now": world.clock.now(), "events": events}, 200


@op("sms.send", bodies.SMS, mutates=True)
def send_sms(rt, body, world):
    """Send an SMS to an order's number (delivered only while it is active)."""
    result = supply.send_sms(world, body["order"], body["text"], body.get("sender", ""), body.get("service"))
    out = {"delivered": result.delivered}
    if result.reason:
        out["reason"] = result.reason
    return out, 200


@op("orders.state", bodies.STATE, mutates=True)
def set_state(rt, body, world):
    """Set an order's state: -1 number lost, 0 back/offline, 1 online now."""
    try:
        order = supply.force_state(world, body["order"], body["state"])
    except E.DomainError:
        raise ControlError(404, f"order {body['order']} is not running") from None
    return order_view(world, order, world.clock.now(), world.config.dialect), 200


@op("orders.list")
def list_orders(rt, body, world):
    """An account's running orders with what rent.php does not show (provider, services, full number)."""
    world.now()
    if not body.get("apikey"):
        raise ControlError(400, "apikey: give the account whose orders to list")
    account = world.accounts.get(body["apikey"])
    if account is None:
        raise unknown_account(world, body["apikey"])
    return {"orders": [{"id": o.id, "provider": o.provider, "number": o.number, "country": o.country,
                        "services": o.services, "state": o.state, "until": o.until}
                       for o in (world.orders[i] for i in account.live)]}, 200


@op("orders.sms")
def order_sms(rt, body, world):
    """An order's SMS, its own and its number's other services', without marking them read."""
    world.now()
    order = world.orders.get(body["order"])
    if order is None:
        raise ControlError(404, f"unknown order {body['order']}")
    own, other = world.own_sms(order)
    view = lambda items: [{"text": s.text, "sender": s.sender, "date": s.date, "service": s.service,  # noqa: E731
                           "read": s.read} for s in items]
    return {"own": view(own), "other": view(other)}, 200
