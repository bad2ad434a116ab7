"""Control operations on a world's catalogue: prices, discounts, stock, offers, countries, services."""
from __future__ import annotations

from ..core.catalogue import Offer, ServiceDef, change_offer, offer_problem
from ..core.money import wire
from . import bodies
from .ops import ControlError, op


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
    change = {key: value for key, value in body.items() if key not in ("country", "service", "world")}
    problem = offer_problem(country, body["service"], change)
    if problem:
        raise ControlError(400, problem)
    offer = change_offer(world.catalogue, country.code, body["service"], change)
    return _offer_json(country.code, body["service"], offer), 200


@op("catalogue.offer_gone", bodies.OFFER_GONE, mutates=True)
def drop_offer(rt, body, world):
    """Stop selling a service in a country (its archived orders then fail to restore: NOSERVICEDATA)."""
    world.now()
    world.touch()
    country = world.catalogue.countries.get(body["country"])
    if country is None or body["service"] not in country.offers:
        raise ControlError(404, f"{body['country']} does not offer {body['service']!r}")
    del world.catalogue.own_country(country.code).offers[body["service"]]
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
    world.catalogue.own_services()[body["code"]] = ServiceDef(body["code"], body["name"], body.get("img", ""))
    return {"code": body["code"], "name": body["name"]}, 201
