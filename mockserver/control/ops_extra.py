"""Control operations for the catalogue (prices, stock), fault rules, the journal and snapshots."""
from __future__ import annotations

from ..core.catalogue import Offer, ServiceDef
from ..core.hub import name_problem
from ..core.money import money, wire
from ..core.snapshot import SnapshotError, dump_world, load_world
from . import bodies
from .ops import ControlError, op, room_for_a_world


@op("catalogue.show")
def catalogue(rt, body, world):
    """The world's catalogue, prices and stock as they are now (the catalogue file format)."""
    world.now()
    return world.catalogue.to_doc(), 200


def _offer_json(country: str, service: str, offer: Offer) -> dict:
    return {"country": country, "service": service, "price_day": wire(offer.price_day),
            "procent_days": offer.procent_days, "procent": offer.procent, "day_step": offer.day_step,
            "stock": dict(offer.stock)}


@op("catalogue.offer", bodies.OFFER, mutates=True)
def set_offer(rt, body, world):
    """Set a service's price, discount and stock per provider in a country (adds the offer if new)."""
    world.now()
    world.touch()
    country = world.catalogue.countries.get(body["country"])
    if country is None:
        raise ControlError(404, f"unknown country {body['country']!r}")
    if body["service"] not in world.catalogue.services:
        raise ControlError(404, f"unknown service {body['service']!r} (add it with /_mock/catalogue/services)")
    unknown = sorted(set(body.get("stock", {})) - set(country.leases))
    if unknown:
        raise ControlError(400, f"stock: unknown provider {unknown[0]!r} for {country.code}")
    offer = country.offers.get(body["service"])
    if offer is None:
        if "price_day" not in body:
            raise ControlError(400, "price_day: required for a service the country does not offer yet")
        offer = country.offers[body["service"]] = Offer(money(body["price_day"]), 0, 0, 0, {})
    if "price_day" in body:
        offer.price_day = money(body["price_day"])
    for key in ("procent_days", "procent", "day_step"):
        if key in body:
            setattr(offer, key, body[key])
    offer.stock.update(body.get("stock", {}))
    return _offer_json(country.code, body["service"], offer), 200


@op("catalogue.offer_gone", bodies.OFFER_GONE, mutates=True)
def drop_offer(rt, body, world):
    """Stop selling a service in a country (its archived orders then fail to restore: NOSERVICEDATA)."""
    world.now()
    world.touch()
    country = world.catalogue.countries.get(body["country"])
    if country is None or country.offers.pop(body["service"], None) is None:
        raise ControlError(404, f"{body['country']} does not offer {body['service']!r}")
    return {"deleted": True}, 200


@op("catalogue.country_gone", bodies.COUNTRY_GONE, mutates=True)
def drop_country(rt, body, world):
    """Remove a country (its archived orders then fail to restore: NOORDERCOUNTRY)."""
    world.now()
    world.touch()
    if world.catalogue.countries.pop(body["country"], None) is None:
        raise ControlError(404, f"unknown country {body['country']!r}")
    return {"deleted": True}, 200


@op("catalogue.service", bodies.SERVICE_NEW, mutates=True)
def add_service(rt, body, world):
    """Add (or rename) a service; offer it in countries with /_mock/catalogue/offers."""
    world.touch()
    world.catalogue.services[body["code"]] = ServiceDef(body["code"], body["name"], body.get("img", ""))
    return {"code": body["code"], "name": body["name"]}, 201


@op("faults.add", bodies.FAULT)
def add_fault(rt, body, world):
    """Add a fault rule for a method (or "*") of the world."""
    method = body.get("method", "*")
    latency = body.get("latency_ms", 0)
    settings = {k: body[k] for k in ("times", "probability", "msg", "http_status", "per_second") if k in body}
    if body["kind"] == "latency":
        settings["latency_ms"] = tuple(latency) if isinstance(latency, list) else (latency, latency)
    rule = rt.faults.add(world.name, method, body["kind"], **settings)
    return rule.as_json(), 201


@op("faults.list")
def list_faults(rt, body, world):
    """The world's fault rules."""
    return {"faults": rt.faults.listing(world.name)}, 200


@op("faults.clear", bodies.FAULT_GONE)
def clear_faults(rt, body, world):
    """Remove one rule (`id`) or all of the world's."""
    gone = rt.faults.clear(world.name, body.get("id"))
    if body.get("id") is not None and not gone:
        raise ControlError(404, f"unknown fault rule {body['id']}")
    return {"cleared": gone}, 200


@op("journal.show", bodies.JOURNAL)
def journal(rt, body, world):
    """The world's recent requests, filtered by method and apikey."""
    book = rt.journal(world.name)
    entries = book.query(body.get("method"), body.get("apikey"), body.get("limit", 100))
    return {"world": world.name, "size": book.size, "entries": entries}, 200


@op("journal.clear")
def clear_journal(rt, body, world):
    """Empty the world's journal."""
    return {"cleared": rt.journal(world.name).clear()}, 200


@op("snapshot.get")
def snapshot(rt, body, world):
    """The whole world as versioned JSON, clock and RNG included."""
    return dump_world(world), 200


@op("snapshot.put", None, mutates=True, scope="hub")
def put_snapshot(rt, body):
    """Load a snapshot into the world named by the path (created if new)."""
    name = body.get("world")
    problem = name_problem(name)
    if problem:
        raise ControlError(400, f"world: {problem}")
    if name not in rt.hub.worlds:
        room_for_a_world(rt)
    try:
        world = load_world(body.get("snapshot"), name, rt.hub._next_id, rt.hub.wall)
        rt.hub.install(world)
    except SnapshotError as exc:
        raise ControlError(400, str(exc)) from None
    except ValueError as exc:
        raise ControlError(409, str(exc)) from None
    world.last_now = world.clock.now()
    return {"world": name, "now": world.clock.now(), "orders": len(world.orders)}, 200


@op("orders.list")
def list_orders(rt, body, world):
    """An account's running orders with what rent.php does not show (provider, services, full number)."""
    world.now()
    account = world.accounts.get(body.get("apikey") or "")
    if account is None:
        raise ControlError(400, "apikey: give the account whose orders to list")
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
