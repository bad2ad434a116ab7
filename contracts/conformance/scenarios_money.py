"""Scenarios for prices, period limits, ids and the read-only rules (quotes, unknown restores, history)."""
from __future__ import annotations

from decimal import Decimal

from .judge import Ctx, scenario
from ..model.arithmetic import DAY, cents, days_of
from ..model.texts import amount
from .shop import full_number, rent, shop

UNKNOWN_ID = 999_999_999  # far above any order id a server hands out


@scenario("PRICE-QUOTE")
def quotes(ctx: Ctx) -> None:
    """get_country_by_service prices the asked period by the rules, for plain and discounted services."""
    sh = shop(ctx)
    periods = (("week", 1), ("month", 1), ("month", 2))
    cases = [(s, dtype, dcount) for s in sh.plain[:2] + sh.discounted[:2] for dtype, dcount in periods]
    # and prices that fall between cents, where rounding shows (half a cent first)
    between = sorted(((s, dtype, dcount) for s in sh.offers for dtype, dcount in periods
                      if sh.offers[s].sub_cent(days_of(dtype, dcount))),
                     key=lambda c: sh.offers[c[0]].sub_cent(days_of(c[1], c[2])) != Decimal("0.5"))
    for service, dtype, dcount in cases + between[:3]:
        data = ctx.ok("PRICE-QUOTE", ctx.call("get_country_by_service", "nokey", service=service, dtype=dtype,
                                              dcount=dcount)) or {}
        entry = data.get(sh.country) if isinstance(data, dict) else None
        got = cents(entry["price"]) if isinstance(entry, dict) and "price" in entry else entry
        ctx.equal("PRICE-QUOTE", sh.price(service, dtype, dcount), got, f"{service} {dcount} {dtype}")


@scenario("RESTORE-UNKNOWN", needs=("apikey",))
def restore_unknown(ctx: Ctx) -> None:
    """An id the server never issued is NOREMOTEDATA."""
    ctx.restore_refused("RESTORE-UNKNOWN", ctx.call("restore_user_precalc", id=UNKNOWN_ID), "NOREMOTEDATA")


@scenario("HISTORY-ORDER", "HISTORY-PAGING", "IDS-UNIQUE", needs=("apikey",))
def history_pages(ctx: Ctx) -> None:
    """Newest closed first; skip/take slice one list; take defaults to 10 (12 closures made where possible)."""
    if ctx.s.world is not None:
        sh = shop(ctx, "HISTORY-ORDER")
        for i in range(12):
            made = rent(ctx, sh, sh.plain[i % 3], rule="HISTORY-ORDER")
            ctx.s.advance(60 + 7 * i)  # distinct closing times
            ctx.ok("HISTORY-ORDER", ctx.call("delete", id=made["id"]))
    items = ctx.history(skip=0, take=1000)
    closed = [h.get("closed") for h in items]
    ctx.equal("HISTORY-ORDER", sorted(closed, reverse=True), closed, "closed, in the order listed")
    ids = [h.get("orderId") for h in items]
    ctx.check("IDS-UNIQUE", len(set(ids)) == len(ids), "distinct order ids in history", ids)
    ctx.equal("HISTORY-PAGING", ids[:10], [h.get("orderId") for h in ctx.history()], "ids without skip/take")
    ctx.equal("HISTORY-PAGING", ids[1:4], [h.get("orderId") for h in ctx.history(skip=1, take=3)],
              "ids with skip=1&take=3")
    if ids:
        ctx.equal("HISTORY-PAGING", [], ctx.history(skip=len(ids), take=5), f"skip={len(ids)} (past the end)")


@scenario("PRICE-PERIOD", "PRICE-DISCOUNT", "IDS-UNIQUE", needs=("apikey", "spend", "balance"))
def period_prices(ctx: Ctx) -> None:
    """Each create debits exactly the period price; discounts from procent_days on."""
    sh = shop(ctx, "PRICE-PERIOD")
    plan = [(sh.plain[0], "week", 1, "PRICE-PERIOD"), (sh.plain[1], "week", 2, "PRICE-PERIOD"),
            (sh.plain[2], "month", 1, "PRICE-PERIOD")]
    for service in sh.discounted[:1]:
        off = sh.offers[service]
        plan += [(service, "week", 1, "PRICE-DISCOUNT"),
                 (service, "month", -(-off.procent_days // 30), "PRICE-DISCOUNT")]
    ids = []
    for service, dtype, dcount, rule in plan:
        before = ctx.s.balance()
        made = rent(ctx, sh, service, dtype, dcount, rule=rule)
        ids.append(made.get("id"))
        ctx.equal(rule, before - sh.price(service, dtype, dcount), ctx.s.balance(),
                  f"balance after {dcount} {dtype} of {service}")
    ctx.check("IDS-UNIQUE", all(isinstance(i, int) and not isinstance(i, bool) for i in ids) and len(set(ids)) == len(ids),
              "distinct integer ids", ids)


@scenario("PRICE-MULTI", "IDS-UNIQUE", needs=("apikey", "spend", "balance"))
def multi(ctx: Ctx) -> None:
    """create_multi: one order per service on one number, each service's period price."""
    sh = shop(ctx, "PRICE-MULTI")
    services = sh.plain[:2]
    before = ctx.s.balance()
    made = ctx.ok("PRICE-MULTI", ctx.call("create_multi", dtype="week", dcount=1, country=sh.country,
                                          services=",".join(services))) or []
    if isinstance(made, dict):  # live and sdk answer the first order alone; `orders` shows all on its number
        first = made
        made = [{"id": o.get("id"), "service": o.get("scode"), "pnumber": o.get("pnumber")}
                for o in ctx.ok("PRICE-MULTI", ctx.call("orders")) or [] if o.get("pnumber") == first.get("pnumber")]
        ctx.equal("PRICE-MULTI", first.get("id"), made[0].get("id") if made else None, "the answer's order first")
    ctx.equal("PRICE-MULTI", services, [m.get("service") for m in made], "services of the orders")
    ctx.equal("PRICE-MULTI", 1, len({m.get("pnumber") for m in made}), "distinct numbers")
    ids = [m.get("id") for m in made]
    ctx.check("IDS-UNIQUE", len(set(ids)) == len(ids) == len(services), "one distinct id per service", ids)
    total = sum((sh.price(s, "week", 1) for s in services), Decimal("0"))
    ctx.equal("PRICE-MULTI", before - total, ctx.s.balance(), "balance after create_multi")


@scenario("PRICE-ADD-SERVICE", needs=("apikey", "spend", "balance"))
def add_service(ctx: Ctx) -> None:
    """The added service's price_day for the whole days left, or for rent_days."""
    sh = shop(ctx, "PRICE-ADD-SERVICE")
    made = rent(ctx, sh, sh.plain[0], rule="PRICE-ADD-SERVICE")
    number = full_number(made)
    if ctx.s.world is not None:
        ctx.s.advance(DAY + 3600)  # 5 days and 23 hours left: charged as 6
    left = -(-(made["until"] - ctx.s.now()) // DAY)
    before = ctx.s.balance()
    ctx.ok("PRICE-ADD-SERVICE", ctx.call("add_service_to_order", id=made["id"], service=sh.plain[1], pnumber=number))
    after = ctx.s.balance()
    ctx.equal("PRICE-ADD-SERVICE", before - cents(sh.offers[sh.plain[1]].price_day * left), after,
              f"balance after adding {sh.plain[1]} for {left} days left")
    ctx.ok("PRICE-ADD-SERVICE", ctx.call("add_service_to_order", id=made["id"], service=sh.plain[2], pnumber=number,
                                         rent_days=3))
    ctx.equal("PRICE-ADD-SERVICE", after - cents(sh.offers[sh.plain[2]].price_day * 3), ctx.s.balance(),
              f"balance after adding {sh.plain[2]} with rent_days=3")


@scenario("PRICE-NO-DEBT", needs=("apikey", "spend", "balance", "clock"))
def no_debt(ctx: Ctx) -> None:
    """An account that cannot pay is refused, keeps its balance and gets no order."""
    sh = shop(ctx, "PRICE-NO-DEBT")
    price = sh.price(sh.plain[0], "week", 1)
    ctx.s.open_account("poor", price - Decimal("0.01"))
    ctx.refused_as("PRICE-NO-DEBT", ctx.call("create", "poor", dtype="week", dcount=1, country=sh.country,
                                             service=sh.plain[0]), "NO_BALANCE", amount(price),
                   amount(price - Decimal("0.01")), what="create one cent short")
    ctx.equal("PRICE-NO-DEBT", price - Decimal("0.01"), ctx.s.balance("poor"), "balance after the refusal")
    ctx.equal("PRICE-NO-DEBT", [], ctx.ok("PRICE-NO-DEBT", ctx.call("orders", "poor")), "orders after the refusal")


@scenario("PERIOD-90", "PERIOD-LEASE", "PERIOD-MAX-90", "LEASE-90", needs=("apikey", "spend"))
def periods(ctx: Ctx) -> None:
    """90 days are always rentable; longer than the lease (or, live, than 90 days) is refused."""
    sh = shop(ctx, "PERIOD-90")
    service = sh.plain[0]
    # every provider guarantees 90 days (on a paid service, one rental is enough to show it)
    providers = [p for p, n in sh.stock[service].items() if n > 0] if ctx.s.world is not None else [None]
    for provider in providers:
        extra = {"provider": provider} if provider else {}
        made = ctx.created(ctx.succeeds("PERIOD-90", ctx.call("create", dtype="month", dcount=3, country=sh.country,
                                                               service=service, **extra), "create of 90 days"))
        order = ctx.order(made["id"]) or {}
        ctx.check("LEASE-90", order.get("canprolonguntil", 0) >= made["until"],
                  f"canprolonguntil ≥ begin + 90 d = {made['until']} ({provider or 'any provider'})",
                  order.get("canprolonguntil"))
    if ctx.p.max_rental_days is not None:
        days = ctx.p.max_rental_days + 1
        asked = 7 * -(-days // 7)
        ctx.refused_as("PERIOD-MAX-90", ctx.call("create", dtype="week", dcount=asked // 7, country=sh.country,
                                                 service=service), "PERIOD_LIMIT", asked, ctx.p.max_rental_days,
                       what=f"create of {asked} days")
        return
    provider = next((p for p, n in sh.stock[service].items() if n > 2), None)
    if ctx.dialect != "live" and provider:
        probe = rent(ctx, sh, service, "week", 1, rule="PERIOD-LEASE", provider=provider)
        row = ctx.order(probe["id"]) or {}
        lease_days = (row.get("canprolonguntil", 0) - (probe["until"] - 7 * DAY)) // DAY
        months = lease_days // 30 + 1
        ctx.refused_as("PERIOD-LEASE", ctx.call("create", dtype="month", dcount=months, country=sh.country,
                                                service=service, provider=provider), "PERIOD_TOO_LONG", 30 * months,
                       lease_days, what=f"create of {30 * months} days on {provider} (lease {lease_days} days)")
