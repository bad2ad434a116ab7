"""What the scenarios rent: a country and its services with prices read from the server's catalogue."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .judge import Abort, Ctx
from ..model.arithmetic import Offer, days_of, offer_from

PREFERRED = ("RU",)  # the reference's own examples; any country with stock does


@dataclass
class Shop:
    """A country, its offers (service → Offer) and stock; `plain` services have no discount."""

    country: str
    offers: dict[str, Offer]
    stock: dict[str, dict[str, int]]  # service -> provider -> count
    plain: list[str]
    discounted: list[str]

    def price(self, service: str, dtype: str, dcount: int) -> Decimal:
        """The period price the rules predict."""
        return self.offers[service].price(days_of(dtype, dcount))


def shop(ctx: Ctx, rule: str = "PRICE-QUOTE") -> Shop:
    """Read a country's services and prices from getdataWithProviders (the method that shows discounts)."""
    countries = ctx.ok(rule, ctx.call("getcountries", "nokey")) or []
    codes = [c.get("code") for c in countries if isinstance(c, dict)]
    ordered = [c for c in PREFERRED if c in codes] + [c for c in codes if c not in PREFERRED]
    for code in ordered[:5]:
        data = ctx.ok(rule, ctx.call("getdataWithProviders", "nokey", country=code, dtype="week", dcount=1)) or {}
        services = data.get("services") if isinstance(data, dict) else None
        offers, stock = {}, {}
        for item in services or []:
            try:
                offers[item["service"]] = offer_from(item)
            except (KeyError, TypeError, ArithmeticError):
                continue
            stock[item["service"]] = {p: int(n) for p, n in (item.get("count") or {}).items()}
        usable = [s for s in offers if sum(stock[s].values()) >= 3 and offers[s].price_day > 0]
        plain = sorted((s for s in usable if not offers[s].procent), key=lambda s: offers[s].price_day)
        if len(plain) >= 3:
            discounted = [s for s in usable if offers[s].procent and 7 < offers[s].procent_days <= 90]
            for s, o in offers.items():  # let the spend guard estimate what a call costs
                ctx.s.main.guard.prices[(code, s)] = o.price_day
            return Shop(code, offers, stock, plain, discounted)
    ctx.check(rule, False, "a country with three priced services in stock", f"none among {ordered[:5]}")
    raise Abort(rule)


def rent(ctx: Ctx, sh: Shop, service: str, dtype: str = "week", dcount: int = 1, rule: str = "PRICE-PERIOD",
         who: str = "main", **extra) -> dict:
    """Rent one number; returns the created order (aborts the scenario when refused)."""
    return ctx.created(ctx.ok(rule, ctx.call("create", who, dtype=dtype, dcount=dcount, country=sh.country,
                                               service=service, **extra)))


def full_number(created: dict) -> str:
    """The full number without +: dial code digits and national number (pnumber may already hold both)."""
    ccode = str(created.get("ccode") or "").lstrip("+")
    return ccode + str(created.get("pnumber"))

