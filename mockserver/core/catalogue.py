"""The catalogue: countries, services, providers, prices and stock; loaded from JSON, shared by worlds.

A world's catalogue shares the server's countries and services until the world changes one (copy on write):
a fresh world then costs a few KiB instead of a copy of every offer. What is shared is read-only (stock,
offers and leases are read-only mappings; setting a field raises), so a change that forgets to take its own
copy first (`Catalogue.own_country`, `own_offer`, `own_services`) fails loudly instead of changing every world.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType

import phonenumbers
import pycountry

from .money import money, parse_amount
from .bounds import BOUNDS
from .schema import MONEY, NAME, TEXT, WHOLE, Checker, array, bounded, mapping, obj

MIN_LEASE_DAYS, MAX_LEASE_DAYS = BOUNDS["lease_days"].low, BOUNDS["lease_days"].high
MAX_STOCK = BOUNDS["stock"].high
# Bounds of an offer's whole-number fields, wherever an offer comes from (a catalogue file, a snapshot,
# POST /_mock/catalogue/offers, a scenario): a discount over 100 % would make prices negative.
OFFER_LIMITS = {key: BOUNDS[key].high for key in ("procent_days", "procent", "day_step")}
# How the live dialect writes a country's numbers: "full" is pnumber with the dial code and ccode "" (what the live
# service writes: recorded for PT and RO, read so by every client of the field, docs/evidence.md W17: the default);
# "national" is pnumber without the dial code and ccode "+351" (the reference's form, for a user's catalogue).
NUMBER_FORMS = ("national", "full")


OFFER_SCHEMA = obj({"price_day": MONEY, "stock": mapping(bounded("stock")),
                    **{key: {"type": "integer", "minimum": 0, "maximum": most} for key, most in OFFER_LIMITS.items()}},
                   ["price_day"], closed=False)
# The catalogue file format: what `to_doc()` writes and `parse()` reads. Files may carry fields of their
# own (closed=False) and leave out the optional ones; every field given must have its type and range.
CATALOGUE_SCHEMA = obj({
    "version": {"const": 1},
    "services": array(obj({"code": NAME, "name": TEXT, "img": TEXT}, ["code", "name"], closed=False)),
    "countries": array(obj({
        "code": NAME, "iso": TEXT, "name": TEXT, "rent_switch_type": TEXT,
        "rent_avail_prolong": {"type": ["string", "integer"]}, "url_country_name": TEXT,
        "number_form": {"enum": list(NUMBER_FORMS)},
        "providers": array(obj({"name": NAME, "lease_days": bounded("lease_days")}, ["name"], closed=False)),
        "services": mapping(OFFER_SCHEMA),
    }, ["code", "providers", "services"], closed=False)),
    "paypal": obj({"canada_days": array({"type": "object"}), "min_days": WHOLE}, closed=False),
}, ["services", "countries"], closed=False)
CATALOGUE_CHECK = Checker(CATALOGUE_SCHEMA)
# A catalogue as a state file's row keeps it: what differs from the server's (`Catalogue.compact_doc`).
COMPACT_SCHEMA = obj({"base": {"const": True}, "codes": array(NAME, uniqueItems=True),
                      "services": {"anyOf": [{"type": "null"}, CATALOGUE_SCHEMA["properties"]["services"]]},
                      "countries": mapping(CATALOGUE_SCHEMA["properties"]["countries"]["items"]),
                      "paypal": CATALOGUE_SCHEMA["properties"]["paypal"]},
                     ["base", "codes", "services", "countries", "paypal"])


class CatalogueError(ValueError):
    """The catalogue file is malformed; the message names the place."""


def _read_only_if_shared(self, name: str, value) -> None:
    if self.__dict__.get("_shared"):
        raise TypeError(f"this {type(self).__name__.lower()} is shared between worlds: change the world's own copy "
                        "(Catalogue.own_country / own_offer)")
    object.__setattr__(self, name, value)


@dataclass
class ServiceDef:
    """A service (a site whose SMS a number receives)."""

    code: str
    name: str
    img: str


@dataclass
class Offer:
    """A service as sold in one country: base price per day, discount rule, stock per provider."""

    price_day: Decimal
    procent_days: int
    procent: int
    day_step: int
    stock: dict[str, int]

    __setattr__ = _read_only_if_shared


@dataclass
class Country:
    """A country as the service lists it; `iso` differs from `code` where the service uses its own code."""

    code: str
    iso: str
    name: str
    dial: int
    switch_type: str
    avail_prolong: str
    url_name: str
    leases: dict[str, int]  # provider -> lease days of its numbers
    offers: dict[str, Offer] = field(default_factory=dict)
    number_form: str = "full"  # one of NUMBER_FORMS; the live dialect writes pnumber/ccode by it

    __setattr__ = _read_only_if_shared

    def copy(self) -> "Country":
        """A copy of its own: offers, stock and leases included."""
        offers = {s: Offer(o.price_day, o.procent_days, o.procent, o.day_step, dict(o.stock))
                  for s, o in self.offers.items()}
        return Country(self.code, self.iso, self.name, self.dial, self.switch_type, self.avail_prolong,
                       self.url_name, dict(self.leases), offers, self.number_form)

    def share(self) -> "Country":
        """Make this country read-only, so that worlds can share it; returns it."""
        if not self.__dict__.get("_shared"):
            for offer in self.offers.values():
                object.__setattr__(offer, "stock", MappingProxyType(offer.stock))
                object.__setattr__(offer, "_shared", True)
            object.__setattr__(self, "offers", MappingProxyType(self.offers))
            object.__setattr__(self, "leases", MappingProxyType(self.leases))
            object.__setattr__(self, "_shared", True)
        return self

    @property
    def ccode(self) -> str:
        """The dial code with a plus, as the wire shows it ("+7")."""
        return f"+{self.dial}"

    def live_number(self, full: str) -> tuple[str, str]:
        """(pnumber, ccode) of a full number as the live service writes it for this country."""
        if self.number_form == "full":
            return full, ""
        return full[len(str(self.dial)):], self.ccode

    @property
    def always_active(self) -> bool:
        """Numbers of FAST countries are online from the start and stay so."""
        return self.switch_type.upper() == "FAST"


@dataclass
class Catalogue:
    """Services and countries of one world (stock moves as numbers are rented); see the module's docstring."""

    services: dict[str, ServiceDef]
    countries: dict[str, Country]
    paypal_days: list[dict]
    paypal_min_days: int
    owned: set[str] | None = field(default=None, compare=False, repr=False)  # codes of countries it may change;
    # None: all of them (a catalogue that shares nothing)
    own_services_dict: bool = field(default=True, compare=False, repr=False)
    shared_docs: dict | None = field(default=None, compare=False, repr=False)  # once shared: each country's
    # document and the services' (what `parse(doc, base=self)` compares entries with)

    def copy(self) -> "Catalogue":
        """An independent copy that shares nothing (the simulator changes its stock before worlds exist)."""
        countries = {code: c.copy() for code, c in self.countries.items()}
        return Catalogue(dict(self.services), countries, [dict(d) for d in self.paypal_days], self.paypal_min_days)

    def freeze(self) -> dict:
        """Make this catalogue read-only for good, so that worlds can share it; returns `shared_docs`."""
        if self.shared_docs is None:
            doc = self.to_doc()
            self.shared_docs = {"services": doc["services"], "countries": {c["code"]: c for c in doc["countries"]}}
            for country in self.countries.values():
                country.share()
            self.countries, self.services = MappingProxyType(self.countries), MappingProxyType(self.services)
        return self.shared_docs

    def shared(self) -> "Catalogue":
        """A catalogue for one world that shares this one's countries and services until it changes them
        (this one becomes read-only for good)."""
        self.freeze()
        return Catalogue(self.services, dict(self.countries), self.paypal_days, self.paypal_min_days,
                         owned=set(), own_services_dict=False)

    def own_country(self, code: str) -> Country:
        """The country `code` as this world's own copy, to change (copied from the shared one on first use)."""
        country = self.countries[code]
        if self.owned is not None and code not in self.owned:
            country = self.countries[code] = country.copy()
            self.owned.add(code)
        return country

    def own_offer(self, code: str, service: str) -> Offer:
        """The offer of `service` in country `code` as this world's own, to change."""
        return self.own_country(code).offers[service]

    def own_services(self) -> dict[str, ServiceDef]:
        """The services as this world's own dict, to add to."""
        if not self.own_services_dict:
            self.services, self.own_services_dict = dict(self.services), True
        return self.services

    def to_doc(self) -> dict:
        """The catalogue as a document `parse()` reads back (current prices and stock included)."""
        return {
            "version": 1,
            "services": [{"code": s.code, "name": s.name, "img": s.img} for s in self.services.values()],
            "countries": [_country_doc(c) for c in self.countries.values()],
            "paypal": {"canada_days": [dict(d) for d in self.paypal_days], "min_days": self.paypal_min_days},
        }

    def compact_doc(self, base: "Catalogue") -> dict:
        """What differs from `base` (the server's catalogue): countries and services this catalogue still
        shares with it are named, not written (a state file's rows; `expand_doc` puts them back)."""
        base.freeze()
        return {"base": True, "codes": list(self.countries),
                "services": None if self.services is base.services else self.to_doc()["services"],
                "countries": {code: _country_doc(c) for code, c in self.countries.items()
                              if base.countries.get(code) is not c},
                "paypal": {"canada_days": [dict(d) for d in self.paypal_days], "min_days": self.paypal_min_days}}


# Changing an offer: the one set of rules for POST /_mock/catalogue/offers and a scenario's catalogue tweak, held
# to a catalogue file's bounds (OFFER_LIMITS, MAX_STOCK), so no change leaves a catalogue the file would refuse.
def offer_problem(country: Country, service: str, change: dict) -> str | None:
    """Why `change` (price_day, procent_days, procent, day_step, stock: one count for every provider or a count per
    provider) cannot be made to `service`'s offer in `country`, as "field: reason"; None when it can."""
    stock = change.get("stock")
    counts = list(stock.items()) if isinstance(stock, dict) else [] if stock is None else [(None, stock)]
    unknown = sorted(p for p, _ in counts if p is not None and p not in country.leases)
    if unknown:
        return f"stock: unknown provider {unknown[0]!r} for {country.code}"
    if service not in country.offers and "price_day" not in change:
        return "price_day: required for a service the country does not offer yet"
    wholes = [(key, change[key], most) for key, most in OFFER_LIMITS.items() if key in change]
    for key, value, most in wholes + [("stock", n, MAX_STOCK) for _, n in counts]:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
            return f"{key}: {value!r} is not a whole number from 0 to {most}"
    if "price_day" in change:
        try:
            parse_amount(change["price_day"], positive=True)
        except ValueError as exc:
            return f"price_day: {exc}"
    return None


def change_offer(catalogue: Catalogue, code: str, service: str, change: dict) -> Offer:
    """Make `change` (which offer_problem passed) to the world's own copy of the offer; returns the offer."""
    country = catalogue.own_country(code)
    offer = country.offers.get(service)
    if offer is None:
        offer = country.offers[service] = Offer(money(change["price_day"]), 0, 0, 0, {})
    if "price_day" in change:
        offer.price_day = money(change["price_day"])
    for key in OFFER_LIMITS:
        if key in change:
            setattr(offer, key, change[key])
    stock = change.get("stock")
    if isinstance(stock, int):
        offer.stock = dict.fromkeys(country.leases, stock)
    elif stock:
        offer.stock.update(stock)
    return offer


def _country_doc(c: Country) -> dict:
    return {
        "code": c.code, "iso": c.iso, "name": c.name, "rent_switch_type": c.switch_type,
        "rent_avail_prolong": c.avail_prolong, "url_country_name": c.url_name, "number_form": c.number_form,
        "providers": [{"name": p, "lease_days": d} for p, d in c.leases.items()],
        "services": {code: {"price_day": str(o.price_day), "procent_days": o.procent_days, "procent": o.procent,
                            "day_step": o.day_step, "stock": dict(o.stock)} for code, o in c.offers.items()},
    }


def expand_doc(compact: dict, base: Catalogue) -> dict:
    """The whole document of a `compact_doc` (checked against COMPACT_SCHEMA), with `base`'s entries."""
    docs = base.freeze()
    countries = []
    for code in compact["codes"]:
        entry = compact["countries"].get(code) or docs["countries"].get(code)
        if entry is None:
            raise CatalogueError(f"codes: {code!r} is neither written nor a country of the server's catalogue")
        countries.append(entry)
    services = docs["services"] if compact["services"] is None else compact["services"]
    return {"version": 1, "services": services, "countries": countries, "paypal": compact["paypal"]}


def _need(entry: dict, key: str, where: str):
    if key not in entry:
        raise CatalogueError(f"{where}: missing {key!r}")
    return entry[key]


def _int(value, where: str, most: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CatalogueError(f"{where}: expected a non-negative integer, got {value!r}")
    if most is not None and value > most:
        raise CatalogueError(f"{where}: at most {most}, got {value}")
    return value


def _number_form(entry: dict, where: str) -> str:
    form = entry.get("number_form", "full")  # the live service's form (W17), also for files older than the field
    if form not in NUMBER_FORMS:
        raise CatalogueError(f"{where}: number_form must be one of {', '.join(NUMBER_FORMS)}, got {form!r}")
    return form


def _country(entry: dict, services: dict[str, ServiceDef]) -> Country:
    code = str(_need(entry, "code", "country"))
    where = f"country {code}"
    iso = str(entry.get("iso", code)).upper()
    info = pycountry.countries.get(alpha_2=iso)
    if info is None:
        raise CatalogueError(f"{where}: {iso!r} is not an ISO 3166 country code (set 'iso')")
    dial = phonenumbers.country_code_for_region(iso)
    if not dial:
        raise CatalogueError(f"{where}: phonenumbers knows no dial code for {iso}")
    providers = _need(entry, "providers", where)
    leases = {}
    for p in providers:
        lease = _int(p.get("lease_days", 180), f"{where} provider {p.get('name')}", MAX_LEASE_DAYS)
        if lease < MIN_LEASE_DAYS:
            raise CatalogueError(f"{where}: lease_days must be at least {MIN_LEASE_DAYS}")
        leases[str(_need(p, "name", where))] = lease
    country = Country(code=code, iso=iso, name=str(entry.get("name", info.name)), dial=dial,
                      switch_type=str(entry.get("rent_switch_type", "NORMAL")),
                      avail_prolong=str(entry.get("rent_avail_prolong", "1")),
                      url_name=str(entry.get("url_country_name", info.name.lower().replace(" ", "-"))),
                      leases=leases, number_form=_number_form(entry, where))
    for scode, offer in _need(entry, "services", where).items():
        if scode not in services:
            raise CatalogueError(f"{where}: unknown service {scode!r}")
        stock = {p: _int(n, f"{where} {scode} stock {p}", MAX_STOCK) for p, n in offer.get("stock", {}).items()}
        unknown = set(stock) - set(leases)
        if unknown:
            raise CatalogueError(f"{where} {scode}: stock for unknown provider {sorted(unknown)[0]!r}")
        try:
            price = parse_amount(_need(offer, "price_day", f"{where} {scode}"), positive=True)
        except ValueError as exc:
            raise CatalogueError(f"{where} {scode}: price_day {exc}") from None
        whole = {key: _int(offer.get(key, 0), f"{where} {scode} {key}", most) for key, most in OFFER_LIMITS.items()}
        country.offers[scode] = Offer(price_day=price, stock=stock, **whole)
    return country


def parse(doc: dict, base: Catalogue | None = None, checked: bool = False) -> Catalogue:
    """Build a catalogue from its JSON document, checking every entry (against CATALOGUE_SCHEMA first,
    unless the caller has: `checked`).

    With `base` (the server's catalogue, shared by its worlds), an entry written exactly as the base writes it
    is the base's own shared country (or services), not a copy: a world loaded from a snapshot or checkpoint
    then costs what a fresh one does, and those entries need no parsing.
    """
    found = None if checked else CATALOGUE_CHECK.first(doc)
    if found:
        raise CatalogueError(found)
    known = base.freeze() if base is not None else {"services": None, "countries": {}}
    services: dict = {}
    if base is not None and doc.get("services") == known["services"]:
        services = base.services
    else:
        for entry in _need(doc, "services", "catalogue"):
            code = str(_need(entry, "code", "service"))
            services[code] = ServiceDef(code, str(_need(entry, "name", f"service {code}")), str(entry.get("img", "")))
    countries, owned = {}, set()
    for entry in _need(doc, "countries", "catalogue"):
        code = entry.get("code") if isinstance(entry, dict) else None
        same = isinstance(code, str) and known["countries"].get(code) == entry
        # an entry of the base's with the base's own services needs no check that its services exist
        if same and (services is base.services or all(s in services for s in entry["services"])):
            countries[code] = base.countries[code]
            continue
        country = _country(entry, services)
        countries[country.code] = country
        owned.add(country.code)
    paypal = doc.get("paypal", {})
    shares = base is not None
    return Catalogue(services, countries, list(paypal.get("canada_days", [])), int(paypal.get("min_days", 30)),
                     owned=owned if shares else None, own_services_dict=not shares or services is not base.services)


SHIPPED = {"live": "data/catalogue.json", "reference": "data/catalogue-reference.json"}
# Which shipped catalogue a world of each dialect starts from (docs/evidence.md C10): live worlds the newest list,
# documented and sdk worlds the reference one, which keeps the reference page's examples (RU, opt59, opt89).
DIALECT_CATALOGUE = {"live": "live", "documented": "reference", "sdk": "reference"}


def load(path: str | Path | None = None, which: str = "live") -> Catalogue:
    """Load the user's catalogue file, or the shipped one named `which` ("live" or "reference")."""
    if path is None:
        text = files("mockserver.core").joinpath(SHIPPED[which]).read_text(encoding="utf-8")
        where = f"shipped {which} catalogue"
    else:
        where = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise CatalogueError(f"{where}: not JSON (not UTF-8 text)") from None
    try:
        return parse(json.loads(text))
    except json.JSONDecodeError as exc:
        raise CatalogueError(f"{where}: not JSON ({exc})") from None
    except RecursionError:  # json.loads recurses once per nested array or object
        raise CatalogueError(f"{where}: not JSON (nested too deeply)") from None
    except CatalogueError as exc:
        raise CatalogueError(f"{where}: {exc}") from None


def shipped() -> dict[str, Catalogue]:
    """The shipped catalogues by dialect (the reference one shared by documented and sdk)."""
    loaded = {which: load(which=which) for which in SHIPPED}
    return {dialect: loaded[which] for dialect, which in DIALECT_CATALOGUE.items()}


def by_dialect(catalogue: "Catalogue | dict[str, Catalogue]") -> dict[str, Catalogue]:
    """Catalogues by dialect: a single catalogue (a user's file) serves every dialect."""
    if isinstance(catalogue, Catalogue):
        return {dialect: catalogue for dialect in DIALECT_CATALOGUE}
    return dict(catalogue)
