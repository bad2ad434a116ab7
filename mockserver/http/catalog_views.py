"""rent.php catalogue methods: countries, services, prices and stock, in each dialect's shape.

They are read-only: `rent.dispatch` runs them under the world's lock after reading the clock (so due
events, such as stock coming back when a hold ends, are already applied)."""
from __future__ import annotations

from ..core import errors as E
from ..core.catalogue import Country
from ..core.money import period_days, price_for_days, wire
from .context import Call


def _str(value) -> str:
    return str(wire(value)) if not isinstance(value, int) else str(value)


def _country(call: Call) -> Country:
    code = call.get("country")
    country = call.world.catalogue.countries.get(code)
    if country is None:
        raise E.DomainError(E.UNKNOWN_COUNTRY.format(code))
    return country


def getcountries(call: Call):
    """Countries; the sdk variant (also live's) adds url name, switch type and prolong flag."""
    out = []
    for c in call.world.catalogue.countries.values():
        item = {"name": c.name, "code": c.code}
        if call.variant == "sdk":
            item.update(url_country_name=c.url_name, rent_switch_type=c.switch_type,
                        rent_avail_prolong=c.avail_prolong)
        out.append(item)
    return out


def get_default_services(call: Call):
    """Services priced as in the first country of the catalogue."""
    cat = call.world.catalogue
    first = next(iter(cat.countries.values()))
    out = []
    for code, offer in first.offers.items():
        svc = cat.services[code]
        fields = (offer.price_day, offer.procent_days, offer.procent)
        if call.variant == "sdk":
            price, dayp, proc = (_str(v) for v in fields)
        else:
            price, dayp, proc = wire(fields[0]), fields[1], fields[2]
        out.append({"name": svc.name, "service": code, "priceForDay": price, "img": svc.img,
                    "DAYP": dayp, "PROC": proc})
    return out


def get_country_by_service(call: Call):
    """Countries selling a service, with the price of the asked period."""
    cat = call.world.catalogue
    service = call.get("service")
    if service not in cat.services:
        raise E.DomainError(E.UNKNOWN_SERVICE.format(service))
    days = period_days(call.get("dtype"), call.get("dcount", 1))
    out = {}
    for c in cat.countries.values():
        offer = c.offers.get(service)
        if offer is None:
            continue
        price = price_for_days(offer.price_day, days, offer.procent_days, offer.procent)
        nums = (price, offer.procent_days, offer.procent, offer.day_step)
        shown = [_str(v) for v in nums] if call.variant == "sdk" else [wire(price), *nums[1:]]
        out[c.code] = {"service_name": cat.services[service].name, "price": shown[0], "procent_days": shown[1],
                       "procent": shown[2], "day_step": shown[3], "country": c.name,
                       "phoneAmount": sum(offer.stock.values())}
    return out


def _services(call: Call, country: Country):
    for code, offer in country.offers.items():
        yield code, call.world.catalogue.services[code], offer


def getdata(call: Call):
    """Services of a country: base price per day and stock; `list` adds img; sdk (also live): wrapped with totalAmount."""
    country = _country(call)
    items = []
    for code, svc, offer in _services(call, country):
        item = {"name": svc.name, "service": code, "price_day": wire(offer.price_day),
                "count": sum(offer.stock.values())}
        if call.variant == "list":
            item["img"] = svc.img
        elif call.variant == "sdk":
            item.update(img=svc.img, procent_days=offer.procent_days, procent=offer.procent,
                        day_step=offer.day_step)
        items.append(item)
    if call.variant == "sdk":
        return {"services": items, "totalAmount": sum(i["count"] for i in items)}
    return items


def getdataWithProviders(call: Call):
    """Services of a country with stock per provider."""
    country = _country(call)
    services = []
    for code, svc, offer in _services(call, country):
        services.append({"name": svc.name, "service": code, "price_day": wire(offer.price_day), "img": svc.img,
                         "procent_days": offer.procent_days, "procent": offer.procent,
                         "day_step": offer.day_step, "count": dict(offer.stock),
                         "totalCount": sum(offer.stock.values())})
    return {"services": services, "totalAmount": sum(s["totalCount"] for s in services),
            "allOperators": sorted(country.leases)}


def getcount(call: Call):
    """Numbers in stock per service."""
    return {code: sum(offer.stock.values()) for code, _, offer in _services(call, _country(call))}


def getCountWithProviders(call: Call):
    """Numbers in stock per service and provider."""
    return {code: {"Amount": dict(offer.stock), "Total": sum(offer.stock.values())}
            for code, _, offer in _services(call, _country(call))}


def get_count_multi(call: Call):
    """Numbers that could carry every listed service at once (per provider, the scarcest service)."""
    country = _country(call)
    offers = []
    for code in call.get("services"):
        offer = country.offers.get(code)
        if offer is None:
            raise E.DomainError(E.UNKNOWN_SERVICE.format(code))
        offers.append(offer)
    return {"count": sum(min(o.stock.get(p, 0) for o in offers) for p in country.leases)}


def get_days_canada_paypal(call: Call):
    """Day packages payable by PayPal."""
    return list(call.world.catalogue.paypal_days)


def get_min_paypal_days(call: Call):
    """The minimum number of days payable by PayPal."""
    days = call.world.catalogue.paypal_min_days
    return {"Days": days, "Status": 1, "Message": f"Minimum {days} days for PayPal payment"}
