"""What a scripted event does (`do`), applied by the world at the event's moment `at`."""
from __future__ import annotations

from decimal import Decimal

from .money import money
from .orders import ACTIVATING, ACTIVE, Order
from .supply import deliver
from .world import World


def apply(world: World, at: int, event: dict, order: Order | None, values: dict, apikey: str | None) -> bool:
    """Apply one event at `at`; an action that needs an order and has none acts on every running order."""
    do = event["do"]
    if do == "stock":
        return _stock(world, event, values)
    if do == "drain":
        return _drain(world, at, event, order, apikey)
    targets = [order] if order is not None else [world.orders[i] for i in sorted(world.orders) if world.orders[i].live]
    done = False
    for target in targets:
        done = ACTIONS[do](world, at, event, target) or done
    return done


def _sms(world: World, at: int, event: dict, order: Order) -> bool:
    """An SMS to the order's number (lost unless it is running and online): for its own service, for
    another service of the number (`other`), or for a named one; `{code}` in the text is a fresh code."""
    service = event.get("service", "own")
    if service == "own":
        service = order.service
    elif service == "other":
        country = world.catalogue.countries.get(order.country)
        offered = sorted(country.offers) if country else []
        service = next((s for s in offered if s not in order.services), "opt0")
    text = event.get("text", "Your code: {code}")
    if "{code}" in text:
        text = text.replace("{code}", f"{world.rng.randint(10000, 99999)}")
    known = world.catalogue.services.get(service)
    sender = event.get("sender") or (known.name if known else "SMSPVA")
    return deliver(world, order, text, sender, service, at).delivered


def _state(world: World, at: int, event: dict, order: Order) -> bool:
    """The number goes online (1, for an active window), offline (0) or out of the system (-1)."""
    if not order.live or order.state == event["state"]:
        return False
    world.set_state(order, event["state"], at)
    country = world.catalogue.countries.get(order.country)
    if event["state"] == ACTIVE and not (country and country.always_active):
        world.schedule(at + world.draw(world.config.active_window), "deactivated", order)
    return True


def _activation(world: World, at: int, event: dict, order: Order) -> bool:
    """An order in state 2 stays there `delay` seconds from now (then comes online), or for good."""
    if not order.live or order.state != ACTIVATING:
        return False
    order.set_state(ACTIVATING, at)  # a new token: the activation already queued no longer applies
    if not event.get("never"):
        world.schedule(at + event["delay"], "activated", order)
    return True


def _jump(world: World, at: int, event: dict, order: Order) -> bool:
    """The clock moves on: `by` seconds from the event's moment, or to `past_until` seconds after the
    order's until (a client that slept through the end of its rental)."""
    if "by" in event:
        world.jump_to(at + event["by"])
        return True
    if order.closed is not None:
        return False
    world.jump_to(order.until + event["past_until"])
    return True


def _stock(world: World, event: dict, values: dict) -> bool:
    """Stock of a service (or every service: `*`) in a country (every country: `*`; none named: the
    call's) set to `count` for every provider."""
    code = event.get("country") or values.get("country")
    codes = list(world.catalogue.countries) if code == "*" else [code] if code in world.catalogue.countries else []
    service, count = event.get("service", "*"), event.get("count", 0)
    changed = False
    for c in codes:
        names = [name for name in world.catalogue.countries[c].offers if service in ("*", name)]
        country = world.catalogue.own_country(c) if names else None  # the world's own copy, to change
        for name in names:
            country.offers[name].stock = dict.fromkeys(country.leases, count)
            changed = True
    return changed


def _drain(world: World, at: int, event: dict, order: Order | None, apikey: str | None) -> bool:
    """The account's money goes elsewhere, down to `leave`: the order's account, the caller's, or every one."""
    owner = order.apikey if order is not None else apikey
    accounts = [world.accounts[owner]] if owner in world.accounts else list(world.accounts.values())
    leave = money(event.get("leave", "0"))
    changed = False
    for account in accounts:
        excess = account.balance - leave
        if excess > Decimal("0"):
            account.debit(at, "withdrawal", excess)
            changed = True
    return changed


ACTIONS = {"sms": _sms, "state": _state, "activation": _activation, "jump": _jump}
