"""The model's catalogue: countries, services, prices, discounts and stock per provider, seeded from what the
target shows (getcountries, getdataWithProviders, the PayPal tables), never from a file of ours; the facts
rent.php does not show in the dialect (switch type in documented, number form, lease days, ISO code) come
from the target's /_mock/catalogue when it offers one, else they stay unknown and are learned."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Callable

import phonenumbers

from . import arithmetic
from .arithmetic import cents

SERVICE_ISO = {"UK": "GB", "EN": "GB"}  # the service's own country codes where they differ from ISO 3166


@dataclass
class Offer:
    """A service as sold in one country: base price per day, discount rule, stock per provider."""

    price_day: Decimal
    procent_days: int = 0
    procent: int = 0
    day_step: int = 0
    stock: dict[str, int] = field(default_factory=dict)

    @property
    def terms(self) -> arithmetic.Offer:
        """The price rule alone (the arithmetic's Offer: one home for the formulas)."""
        return arithmetic.Offer(self.price_day, self.procent_days, self.procent)

    def discount(self, days: int) -> int:
        """Percent off a rental of `days`: `procent` from `procent_days` on, else 0."""
        return self.terms.discount(days)

    def price(self, days: int) -> Decimal:
        """price_day · days · (1 − discount/100), half-up to cents."""
        return self.terms.price(days)

    def total(self) -> int:
        """Numbers in stock over every provider."""
        return sum(self.stock.values())


@dataclass
class Country:
    """A country as the target shows it; None where the target did not say."""

    code: str
    name: str
    providers: list[str]  # allOperators, sorted by name
    offers: dict[str, Offer] = field(default_factory=dict)
    url_name: str | None = None
    switch: str | None = None  # "FAST" | "NORMAL" | None (not shown)
    avail_prolong: str | None = None
    iso: str = ""
    form: str | None = None  # "national" | "full" | None (not known yet)
    leases: dict[str, int] = field(default_factory=dict)  # provider -> lease days, where known

    @property
    def dial(self) -> int:
        """The dial code of the country's ISO code (phonenumbers)."""
        return phonenumbers.country_code_for_region(self.iso or SERVICE_ISO.get(self.code, self.code))

    @property
    def fast(self) -> bool | None:
        """True when numbers are always active (None: not known)."""
        return None if self.switch is None else self.switch.upper() == "FAST"


@dataclass
class Catalogue:
    """Every country (in the order getcountries lists them) and service (code -> (name, img))."""

    countries: dict[str, Country]
    services: dict[str, tuple[str, str]]
    paypal_days: Any = None
    paypal_min: Any = None

    def copy(self, only: set[str] | None = None) -> "Catalogue":
        """A copy whose countries (those in `only`, when given; the rest shared) can change independently."""
        countries = {code: (replace(c, providers=list(c.providers), leases=dict(c.leases),
                                    offers={s: replace(o, stock=dict(o.stock)) for s, o in c.offers.items()})
                            if only is None or code in only else c)
                     for code, c in self.countries.items()}
        return Catalogue(countries, dict(self.services), copy.deepcopy(self.paypal_days),
                         copy.deepcopy(self.paypal_min))

    def offer(self, country: str, service: str) -> Offer | None:
        """The offer of `service` in `country`, if both are in the catalogue."""
        land = self.countries.get(country)
        return land.offers.get(service) if land else None


Reader = Callable[[str, dict], Any]  # (method, params) -> data of a successful answer


def seed(read: Reader, extension: dict | None = None) -> Catalogue:
    """A catalogue from the target's own answers; `extension` is its /_mock/catalogue document, if any."""
    countries: dict[str, Country] = {}
    services: dict[str, tuple[str, str]] = {}
    for item in read("getcountries", {}) or []:
        code = str(item["code"])
        countries[code] = Country(code, str(item["name"]), [], url_name=item.get("url_country_name"),
                                  switch=item.get("rent_switch_type"), avail_prolong=item.get("rent_avail_prolong"))
    for code, land in countries.items():
        data = read("getdataWithProviders", {"country": code}) or {}
        land.providers = list(data.get("allOperators") or [])
        for s in data.get("services") or []:
            services[s["service"]] = (s["name"], s.get("img", ""))
            land.offers[s["service"]] = Offer(cents(s["price_day"]), int(s["procent_days"]), int(s["procent"]),
                                              int(s["day_step"]), {p: int(n) for p, n in s["count"].items()})
    cat = Catalogue(countries, services, read("get_days_canada_paypal", {}), read("get_min_paypal_days", {}))
    if extension:
        learn_extension(cat, extension)
    return cat


def learn_extension(cat: Catalogue, doc: dict) -> list[str]:
    """Take from the target's /_mock/catalogue what rent.php does not show; returns where the two disagree."""
    disagree = []
    for entry in doc.get("countries", []):
        land = cat.countries.get(entry.get("code"))
        if land is None:
            disagree.append(f"{entry.get('code')}: in /_mock/catalogue, not in getcountries")
            continue
        land.iso = str(entry.get("iso") or land.code)
        land.form = entry.get("number_form") or "full"
        if land.switch is None:
            land.switch = entry.get("rent_switch_type")
        shown = {"name": land.name, "rent_switch_type": land.switch, "url_country_name": land.url_name,
                 "rent_avail_prolong": land.avail_prolong}
        for key, value in shown.items():
            if value is not None and entry.get(key) not in (None, value):
                disagree.append(f"{land.code}: getcountries says {key} {value!r}, /_mock/catalogue {entry.get(key)!r}")
        land.leases = {p["name"]: int(p["lease_days"]) for p in entry.get("providers", [])}
        for scode, offer in (entry.get("services") or {}).items():
            mine = land.offers.get(scode)
            if mine is None or cents(offer["price_day"]) != mine.price_day or offer.get("stock") != mine.stock:
                disagree.append(f"{land.code} {scode}: /_mock/catalogue and getdataWithProviders differ")
    for entry in doc.get("services", []):
        mine = cat.services.get(entry.get("code"))
        if mine is not None and (mine[0], mine[1]) != (entry.get("name"), entry.get("img", "")):
            disagree.append(f"{entry.get('code')}: rent.php names it {mine!r}, /_mock/catalogue "
                            f"{(entry.get('name'), entry.get('img', ''))!r}")
    return disagree


# -- what the catalogue methods show (facts; answers.py gives them each dialect's shape) ----------------
def countries_view(cat: Catalogue) -> list[dict]:
    """getcountries."""
    out = []
    for c in cat.countries.values():
        item = {"name": c.name, "code": c.code}
        for key, value in (("url_country_name", c.url_name), ("rent_switch_type", c.switch),
                           ("rent_avail_prolong", c.avail_prolong)):
            if value is not None:
                item[key] = value
        out.append(item)
    return out


def default_services_view(cat: Catalogue) -> list[dict]:
    """get_default_services: the first country's services and prices."""
    first = next(iter(cat.countries.values()), None)
    if first is None:
        return []
    return [{"name": cat.services[s][0], "service": s, "priceForDay": o.price_day, "img": cat.services[s][1],
             "DAYP": o.procent_days, "PROC": o.procent} for s, o in first.offers.items()]


def by_service_view(cat: Catalogue, service: str, days: int) -> dict:
    """get_country_by_service: every country selling `service`, with the period price."""
    out = {}
    for c in cat.countries.values():
        o = c.offers.get(service)
        if o is not None:
            out[c.code] = {"service_name": cat.services[service][0], "price": o.price(days),
                           "procent_days": o.procent_days, "procent": o.procent, "day_step": o.day_step,
                           "country": c.name, "phoneAmount": o.total()}
    return out


def data_view(cat: Catalogue, land: Country) -> dict:
    """getdata, every field any dialect shows (answers.py keeps those of the dialect's shape)."""
    items = [{"name": cat.services[s][0], "service": s, "price_day": o.price_day, "count": o.total(),
              "img": cat.services[s][1], "procent_days": o.procent_days, "procent": o.procent,
              "day_step": o.day_step} for s, o in land.offers.items()]
    return {"services": items, "totalAmount": sum(i["count"] for i in items)}


def providers_view(cat: Catalogue, land: Country) -> dict:
    """getdataWithProviders."""
    items = [{"name": cat.services[s][0], "service": s, "price_day": o.price_day, "img": cat.services[s][1],
              "procent_days": o.procent_days, "procent": o.procent, "day_step": o.day_step,
              "count": dict(o.stock), "totalCount": o.total()} for s, o in land.offers.items()]
    return {"services": items, "totalAmount": sum(i["totalCount"] for i in items),
            "allOperators": sorted(land.providers)}


def count_view(land: Country) -> dict:
    """getcount."""
    return {s: o.total() for s, o in land.offers.items()}


def count_providers_view(land: Country) -> dict:
    """getCountWithProviders."""
    return {s: {"Amount": dict(o.stock), "Total": o.total()} for s, o in land.offers.items()}


def count_multi_view(land: Country, services: list[str]) -> dict:
    """get_count_multi: per provider the scarcest listed service, summed over providers."""
    offers = [land.offers[s] for s in services]
    return {"count": sum(min(o.stock.get(p, 0) for o in offers) for p in land.providers)}


_COUNTS = ("count", "totalCount", "totalAmount", "Total", "phoneAmount", "Amount")


def loosened(facts: Any, counts: bool = False) -> Any:
    """The facts with every stock count as "any count" (another server's stock moves with other renters)."""
    from .expect import Between
    if counts and isinstance(facts, int) and not isinstance(facts, bool):
        return Between(0, None, "stock moves with other renters")
    if isinstance(facts, dict):
        return {k: loosened(v, counts or k in _COUNTS) for k, v in facts.items()}
    if isinstance(facts, list):
        return [loosened(v, counts) for v in facts]
    return facts
