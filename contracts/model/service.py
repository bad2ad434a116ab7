"""The model of the whole service: its worlds, which apikey belongs to which, and one request's answer as the
service would give it: the envelope's checks (verb, method, world, apikey, parameters) in the service's order,
then the method's own prediction. The account API beside rent.php (/priemnik.php) too."""
from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any, Callable

from .. import registry
from ..params import coerce
from ..registry import ACCOUNT_METHODS, ACCOUNT_REFUSALS, BALANCE_DECIMALS
from .arithmetic import days_of
from .answers import Prediction, ok, param_refusal, refusal
from .archive import history, precalc, restore
from .catalogue import (Catalogue, by_service_view, loosened, count_multi_view, count_providers_view, count_view,
                        countries_view, data_view, default_services_view, providers_view)
from .expect import Diff, Kind, MoneyText, OneOf, Tag, compare
from .orders import orders
from .probe import decide, first_of
from .rent import activate, add_service, create, delete, prolong, sms
from .state import World

KARMA = "10"  # the mock's own karma (docs/evidence.md W8)


class Service:
    """Every world the model follows, by name, and the apikeys that belong to each."""

    def __init__(self):
        self.worlds: dict[str, World] = {}
        self.keys: dict[str, str] = {}  # apikey -> world name

    def add(self, world: World) -> World:
        """Follow a world (its accounts' keys included)."""
        self.worlds[world.name] = world
        for key in world.accounts:
            self.keys[key] = world.name
        return world

    def open_account(self, world: World, apikey: str, balance: Decimal) -> None:
        """A new account in `world`."""
        world.open_account(apikey, balance)
        self.keys[apikey] = world.name

    # -- rent.php ---------------------------------------------------------------------------------
    def rent(self, scope: str | None, query: dict[str, str], verb: str = "GET") -> Prediction:
        """The answer to `verb /w/<scope>/api/rent.php?query`; scope None: the root path, where the apikey
        names its world (a keyless call there reads the default world, which the model does not follow)."""
        if scope is None:
            scope = self.keys.get(query.get("apikey") or "") or next(iter(self.worlds))
        w = self.worlds[scope]
        name = query.get("method")
        spec = registry.method(name) if name else None
        apikey = query.get("apikey") or None
        owner = self.worlds.get(self.keys.get(apikey, "")) if apikey else None
        if owner is not None and owner is not w:
            owner = None  # an apikey of another world is not valid under this world's path
        values, reasons = coerce(spec, query) if spec else ({}, [])
        keyed = None if spec is None else spec.apikey == "required"
        failing = first_of("envelope", [
            ("ONLY_GET", verb not in ("GET", "HEAD")),
            ("NO_METHOD", not name),
            ("UNKNOWN_METHOD", None if not name else spec is None),
            ("NO_APIKEY", None if spec is None else keyed and apikey is None),
            ("BAD_APIKEY", None if spec is None else keyed and apikey is not None and owner is None),
            ("BAD_PARAMETER", None if spec is None else bool(reasons))],
            apart=("NO_METHOD>*", "UNKNOWN_METHOD>*", "NO_APIKEY>BAD_APIKEY"))
        if failing == "ONLY_GET":
            return Prediction(refusal("ONLY_GET", w.dialect, w.strict, rule="TEXT-DIALECT"))
        if failing == "NO_METHOD":
            return Prediction(refusal("NO_METHOD", w.dialect, w.strict, rule="TEXT-DIALECT"))
        if failing == "UNKNOWN_METHOD":
            return Prediction(refusal("UNKNOWN_METHOD", w.dialect, w.strict, name[:60], rule="TEXT-DIALECT"))
        if failing == "NO_APIKEY":
            return Prediction(refusal("NO_APIKEY", w.dialect, w.strict, rule="TEXT-DIALECT"))
        if failing == "BAD_APIKEY":
            rule = "WORLD-SCOPE" if decide("envelope.key-of-another-world", apikey in self.keys) else "TEXT-DIALECT"
            return Prediction(refusal("BAD_APIKEY", w.dialect, w.strict, rule=rule))
        world = owner or w
        if failing == "BAD_PARAMETER":
            return Prediction(Tag("TEXT-DIALECT", param_refusal("; ".join(reasons), w.strict)))
        variant = registry.variant(name, world.dialect, world.overrides)
        return METHODS[name](world, apikey, values, variant)

    # -- /priemnik.php ----------------------------------------------------------------------------
    def account_api(self, scope: str, query: dict[str, str], verb: str = "GET") -> Prediction:
        """The account API's answer: JSON with string values, or a plain-text refusal."""
        apikey = query.get("apikey") or None
        metod = query.get("metod")
        failing = first_of("account", [
            ("VERB", verb not in ("GET", "HEAD")),
            ("NO_APIKEY", apikey is None),
            ("BAD_APIKEY", None if apikey is None else self.keys.get(apikey) != scope),
            ("BAD_METOD", metod not in ACCOUNT_METHODS)], apart=("NO_APIKEY>BAD_APIKEY",))
        if failing in ("VERB", "BAD_METOD"):
            return Prediction(Tag("ACCOUNT-API", ACCOUNT_REFUSALS["bad_request"]))
        if failing == "NO_APIKEY":
            return Prediction(Tag("ACCOUNT-API", ACCOUNT_REFUSALS["no_apikey"]))
        if failing == "BAD_APIKEY":
            rule = "WORLD-SCOPE" if apikey in self.keys else "ACCOUNT-API"
            return Prediction(Tag(rule, ACCOUNT_REFUSALS["bad_apikey"]))
        w = self.worlds[scope]
        if decide("account.service-price", metod == "get_service_price"):
            return Prediction(Tag("ACCOUNT-API", _service_price(w, query)))
        balance, places = w.accounts[apikey].balance, BALANCE_DECIMALS[w.dialect]  # live: four decimals (W8b)
        body: dict[str, Any] = {"response": "1", "balance": Tag(w.money_rule, f"{balance:.{places}f}" if w.strict
                                                                else MoneyText(balance, places))}
        if metod == "get_userinfo":
            body.update(karma=KARMA if w.strict else Kind("string"),
                        name=f"rent-mock {w.name}" if w.strict else Kind("string"))
        return Prediction(Tag("ACCOUNT-API", body))


def _service_price(w: World, query: dict[str, str]) -> Any:
    """get_service_price: the service's base price per day in the country (docs/evidence.md W14)."""
    service, country = query.get("service"), query.get("country")
    given = bool(service and country)
    known = country in w.catalogue.countries if given else None
    offer = w.catalogue.offer(country, service) if known else None
    failing = first_of("service_price", [("BAD_REQUEST", not given),
                                         ("NO_COUNTRY", None if not given else not known),  # W14b
                                         ("NO_SERVICE", None if not known else offer is None)],
                       apart=("BAD_REQUEST>NO_COUNTRY,NO_SERVICE", "NO_COUNTRY>NO_SERVICE"))
    if failing == "BAD_REQUEST":
        return ACCOUNT_REFUSALS["bad_request"]
    if failing == "NO_COUNTRY":
        return ACCOUNT_REFUSALS["no_country"]
    if failing == "NO_SERVICE":
        return ACCOUNT_REFUSALS["no_service"]
    price = f"{offer.price_day:.2f}" if w.strict else MoneyText(offer.price_day)
    return {"response": "1", "country": country, "service": service, "price": price}


# -- the catalogue methods: facts of the stock as it is, or (a provider not yet seen) as it may be -------
def _views(w: World, facts: Callable[[Catalogue], Any]) -> tuple[list[tuple[tuple, Any]], bool]:
    """(assignment of pending orders to providers, facts) for every assignment the stock allows."""
    if not w.pending:
        return [((), facts(w.catalogue))], True
    out = []
    for combo in itertools.product(*(o.candidates for o in w.pending)):
        cat = w.catalogue.copy(only={o.country for o in w.pending})
        for order, provider in zip(w.pending, combo):
            offer = cat.offer(order.country, order.service)
            if offer is not None:
                offer.stock[provider] = offer.stock.get(provider, 0) - 1
        out.append((combo, facts(cat)))
    return out, False


def _catalogue_read(method: str, rule: str, facts: Callable[[Catalogue], Any], check: Callable[[Catalogue], Any]):
    def predict(w: World, apikey, v, variant) -> Prediction:
        refused = check(w.catalogue)
        if refused:
            return Prediction(refusal(refused[0], w.dialect, w.strict, *refused[1:], rule="CATALOGUE-VIEWS"))
        view = facts if w.strict else \
            (lambda cat: loosened(facts(cat), counts=method in ("getcount", "get_count_multi")))  # others rent too
        options, certain = _views(w, view)
        named = rule if rule != "STOCK-TAKEN" or w.orders else "CATALOGUE-VIEWS"  # stock judged once rented
        answers = [(combo, Tag(named, ok(method, variant, f))) for combo, f in options]
        if certain:
            return Prediction(answers[0][1])

        def learn(got) -> list[Diff]:
            fits = [combo for combo, a in answers if not compare(a, got)]
            if len(fits) == 1:  # the stock shows where the new orders' numbers came from
                for order, provider in zip(list(w.pending), fits[0]):
                    w.pin(order, provider)
            return []
        return Prediction(Tag(rule, OneOf(a for _, a in answers)), learn)
    return predict


def _country(v):
    def check(cat: Catalogue):
        return None if v["country"] in cat.countries else ("UNKNOWN_COUNTRY", v["country"])
    return check


def _read(method: str, rule: str, facts, check=lambda v: (lambda cat: None)):
    def predict(w, apikey, v, variant):
        return _catalogue_read(method, rule, lambda cat: facts(cat, v), check(v))(w, apikey, v, variant)
    return predict


def _services_check(v):
    def check(cat: Catalogue):
        land = cat.countries.get(v["country"])
        if land is None:
            return ("UNKNOWN_COUNTRY", v["country"])
        missing = next((s for s in v["services"] if s not in land.offers), None)
        return ("UNKNOWN_SERVICE", missing) if missing else None
    return check


def _service_check(v):
    def check(cat: Catalogue):
        return None if v["service"] in cat.services else ("UNKNOWN_SERVICE", v["service"])
    return check


METHODS: dict[str, Callable[..., Prediction]] = {
    "getcountries": _read("getcountries", "CATALOGUE-VIEWS", lambda cat, v: countries_view(cat)),
    "get_default_services": _read("get_default_services", "CATALOGUE-VIEWS", lambda cat, v: default_services_view(cat)),
    "get_country_by_service": _read("get_country_by_service", "PRICE-QUOTE",
                                    lambda cat, v: by_service_view(cat, v["service"], days_of(v["dtype"], v.get("dcount", 1))), _service_check),
    "getdata": _read("getdata", "STOCK-TAKEN", lambda cat, v: data_view(cat, cat.countries[v["country"]]), _country),
    "getdataWithProviders": _read("getdataWithProviders", "STOCK-TAKEN",
                                  lambda cat, v: providers_view(cat, cat.countries[v["country"]]), _country),
    "getcount": _read("getcount", "STOCK-TAKEN", lambda cat, v: count_view(cat.countries[v["country"]]), _country),
    "getCountWithProviders": _read("getCountWithProviders", "STOCK-TAKEN",
                                   lambda cat, v: count_providers_view(cat.countries[v["country"]]), _country),
    "get_count_multi": _read("get_count_multi", "STOCK-TAKEN",
                             lambda cat, v: count_multi_view(cat.countries[v["country"]], v["services"]),
                             _services_check),
    "get_days_canada_paypal": _read("get_days_canada_paypal", "CATALOGUE-VIEWS", lambda cat, v: cat.paypal_days),
    "get_min_paypal_days": _read("get_min_paypal_days", "CATALOGUE-VIEWS", lambda cat, v: cat.paypal_min),
    "create": lambda w, k, v, var: create(w, k, v, var, [v["service"]], "create"),
    "create_multi": lambda w, k, v, var: create(w, k, v, var, list(v["services"]), "create_multi"),
    "orders": orders,
    "add_service_to_order": add_service,
    "sms": sms,
    "activate": activate,
    "prolong": lambda w, k, v, var: prolong(w, k, v, var, "prolong"),
    "prolong_max": lambda w, k, v, var: prolong(w, k, v, var, "prolong_max"),
    "delete": delete,
    "get_rent_history": history,
    "restore_user_precalc": precalc,
    "restore_user": restore,
}
assert set(METHODS) == set(registry.METHODS), set(registry.METHODS) ^ set(METHODS)
