"""The account API beside rent.php (/priemnik.php): balance, user info and a service's price, from the worlds.

Same world rules as rent.php: under /w/<world>/ only that world's apikeys count; without the prefix the
apikey finds its world. Answers are the live service's (docs/evidence.md W8-W10, W14): JSON with string values
on success, a plain-text refusal otherwise; always HTTP 200."""
from __future__ import annotations

from typing import Mapping

from contracts.registry import ACCOUNT_METHODS, ACCOUNT_REFUSALS, BALANCE_DECIMALS

from ..core.money import money
from .rent import encode

TEXT_HEADERS = [("Content-Type", "text/html; charset=utf-8")]
JSON_HEADERS = [("Content-Type", "application/json")]
KARMA = "10"  # ours: the service shows a reputation score; a mock account has nothing to earn or lose


def answer(hub, verb: str, query: Mapping[str, str], world_name: str | None) -> tuple[list, bytes]:
    """(headers, body) of one /priemnik.php request; never raises for bad input."""
    apikey = query.get("apikey") or None
    if verb not in ("GET", "HEAD"):
        return _refuse("bad_request")
    if apikey is None:
        return _refuse("no_apikey")
    world = hub.world_of(apikey)
    if world is None or (world_name and world.name != world_name):
        return _refuse("bad_apikey")
    metod = query.get("metod")
    if metod not in ACCOUNT_METHODS:
        return _refuse("bad_request")
    if metod == "get_service_price":
        return _service_price(world, query)
    with world.lock:
        account = world.accounts.get(apikey)
        if account is None:
            return _refuse("bad_apikey")
        balance = f"{money(account.balance):.{BALANCE_DECIMALS[world.config.dialect]}f}"  # live "10.0000" (W8b)
    body = {"response": "1", "balance": balance}
    if metod == "get_userinfo":
        body.update(karma=KARMA, name=f"rent-mock {world.name}")
    return JSON_HEADERS, encode(body)


def _service_price(world, query: Mapping[str, str]) -> tuple[list, bytes]:
    """The service's base price per day in the country (ours: the rental catalogue's price_day, W14)."""
    service, country = query.get("service"), query.get("country")
    if not service or not country:
        return _refuse("bad_request")
    with world.lock:
        land = world.catalogue.countries.get(country)
        if land is None:  # the documentation's text for "service or country not found" (W14b)
            return _refuse("no_country")
        offer = land.offers.get(service)
        if offer is None:
            return _refuse("no_service")
        price = f"{money(offer.price_day):.2f}"
    return JSON_HEADERS, encode({"response": "1", "country": country, "service": service, "price": price})


def _refuse(kind: str) -> tuple[list, bytes]:
    return TEXT_HEADERS, ACCOUNT_REFUSALS[kind].encode()
