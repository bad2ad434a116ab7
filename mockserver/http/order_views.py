"""rent.php order methods: renting, the order list, SMS, prolonging, deleting, archive and restore."""
from __future__ import annotations

from ..core import rental, restore
from ..core.money import wire
from ..core.orders import Order
from .context import Call


def number_fields(world, order: Order, dialect: str) -> tuple[str, str]:
    """(pnumber, ccode) as the dialect writes them: live writes the whole number with ccode "" (docs/evidence.md
    W17), unless a user's catalogue says the country is "national"; documented and sdk the national form."""
    if dialect != "live":
        return order.pnumber, order.ccode
    country = world.catalogue.countries.get(order.country)
    if country is None:  # the country left the catalogue: still the live service's form
        return order.number, ""
    return country.live_number(order.number)


def _created(call: Call, order: Order) -> dict:
    pnumber, ccode = number_fields(call.world, order, call.dialect)
    return {"id": order.id, "pnumber": pnumber, "ccode": ccode, "service": order.service, "until": order.until}


def order_view(world, order: Order, now: int, dialect: str = "documented") -> dict:
    """An order as `orders` shows it in `dialect`."""
    own, _ = world.own_sms(order)
    service = world.catalogue.services.get(order.service)
    pnumber, ccode = number_fields(world, order, dialect)
    return {"id": order.id, "scode": order.service, "sname": service.name if service else order.service,
            "state": order.state, "pnumber": pnumber, "ccode": ccode, "cname": order.country,
            "hasnewsms": any(not s.read for s in own), "until": order.until,
            "canprolong": order.canprolong(now), "canprolongmax": order.canprolongmax(),
            "canprolonguntil": order.lease_until, "lastonline": order.shown_lastonline(now)}


def create(call: Call):
    """Rent a number for one service; `list` variant answers a one-element list."""
    orders = rental.create(call.world, call.apikey, call.get("dtype"), call.get("dcount"), call.get("country"),
                           [call.get("service")], call.get("provider"))
    item = _created(call, orders[0])
    return [item] if call.variant == "list" else item


def create_multi(call: Call):
    """Rent one number for several services: one order per service; sdk (also live's) answers the first order alone
    (docs/evidence.md W16: the others are in `orders`)."""
    orders = rental.create(call.world, call.apikey, call.get("dtype"), call.get("dcount"), call.get("country"),
                           call.get("services"), call.get("provider"))
    if call.variant == "sdk":
        return _created(call, orders[0])
    return [_created(call, o) for o in orders]


def orders(call: Call):
    """The account's running orders, oldest first."""
    world = call.world
    with world.lock:
        now = world.now()
        account = world.account(call.apikey)
        return [order_view(world, world.orders[oid], now, call.dialect) for oid in account.live]


def add_service_to_order(call: Call):
    """Add a service to a rented number; documented: no data, sdk (also live's): `{id, pnumber, service, until}`."""
    order = rental.add_service(call.world, call.apikey, call.get("id"), call.get("service"), call.get("pnumber"),
                               call.get("rent_days"))
    if call.variant != "sdk":
        return None
    pnumber, _ = number_fields(call.world, order, call.dialect)
    return {"id": order.id, "pnumber": pnumber, "service": call.get("service"), "until": order.until}


def _sms(s) -> dict:
    return {"text": s.text, "sender": s.sender, "date": s.date}


def sms(call: Call):
    """The order's SMS; sdk variant (also live's): `{SmsList, OtherSms}`, the number's other services' SMS apart."""
    own, other = rental.read_sms(call.world, call.apikey, call.get("id"))
    if call.variant == "sdk":
        return {"SmsList": [_sms(s) for s in own], "OtherSms": [_sms(s) for s in other]}
    return [_sms(s) for s in own]


def activate(call: Call):
    """Ask the number to come online."""
    order = rental.activate(call.world, call.apikey, call.get("id"))
    return [{"id": order.id}] if call.variant == "list" else {"id": order.id}


def prolong(call: Call):
    """Extend by weeks or months (prolong_max also takes days)."""
    order = rental.prolong(call.world, call.apikey, call.get("id"), call.get("dtype"), call.get("dcount"))
    return {"id": order.id}


def delete(call: Call):
    """Close the order into the archive."""
    order, _ = rental.delete(call.world, call.apikey, call.get("id"))
    return {"id": order.id}


def get_rent_history(call: Call):
    """The archive, newest closed first; sdk (also live's) adds isAvailForRestore."""
    items = restore.history(call.world, call.apikey, call.get("skip", 0), call.get("take", 10))
    out = []
    for item in items:
        c, o = item.closure, item.order
        row = {"orderId": c.order, "resourceCode": o.service, "number": o.number,
               "branchId": _branch(call.world, o),
               "haveSms": item.have_sms, "days": c.days, "country": o.country, "begin": c.begin,
               "end": c.end, "closed": c.closed}
        if call.variant == "sdk":
            row["isAvailForRestore"] = item.restorable
        out.append(row)
    return out


def _branch(world, order: Order) -> int:
    """The provider's number within its country (1-based), standing in for the service's branch id."""
    country = world.catalogue.countries.get(order.country)
    names = sorted(country.leases) if country else []
    return names.index(order.provider) + 1 if order.provider in names else 0


def restore_user_precalc(call: Call):
    """Fee and late days of restoring an archived order."""
    q = restore.quote(call.world, call.apikey, call.get("id"))
    o = q.order
    return {"ccode": o.country, "scode": o.service, "price": wire(q.price), "sname": q.sname,
            "pnumber": o.number, "outdays": q.outdays, "orderid": o.id, "prolongTo": 30}


def restore_user(call: Call):
    """Restore an archived order; documented: `true`, sdk (also live's): `{id}`."""
    order = restore.restore(call.world, call.apikey, call.get("id"))
    return {"id": order.id} if call.variant == "sdk" else True
