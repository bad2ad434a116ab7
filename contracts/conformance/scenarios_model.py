"""Scenarios judged by the model (contracts/model/): a fixed tour of every method and of what the model adds
(stock, FAST countries, SMS routing, worlds, number forms, texts, the account API), each answer compared whole.
The random sequences of the same kind are machine.py's."""
from __future__ import annotations

import weakref

from ..model.catalogue import Catalogue
from .differ import Broke, Differ, plan, seed_catalogue
from .judge import Abort, Ctx, scenario
from ..model.arithmetic import DAY, LOST

_CATALOGUES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def catalogue_of(ctx: Ctx) -> Catalogue:
    """The model's catalogue for the target (read once per run, from the scenario's fresh world)."""
    target = ctx.s.target
    if target not in _CATALOGUES:
        _CATALOGUES[target] = seed_catalogue(target, ctx.s)
    return _CATALOGUES[target]


def differ(ctx: Ctx, foreign: bool = False) -> Differ:
    """A differ on the scenario's world (and another world of the mock, for world scoping)."""
    made = ctx.s.target.new_world() if foreign else None
    return Differ(ctx.s.target, ctx.s, catalogue_of(ctx), made)


def judged(ctx: Ctx, run) -> None:
    """Run `run(differ)`; the rules its answers judged are held, a difference is broken (and stops it)."""
    try:
        d = differ(ctx, foreign=ctx.s.world is not None)
    except Broke as exc:
        ctx.findings.append(exc.finding)
        raise Abort(exc.finding.rule) from None
    try:
        run(d)
    except Broke as exc:
        ctx.findings.append(exc.finding)
        ctx.findings.extend(f for f in d.findings() if f.rule != exc.finding.rule)
        raise Abort(exc.finding.rule) from None
    ctx.findings.extend(d.findings())


@scenario("CATALOGUE-VIEWS", "PRICE-QUOTE", "TEXT-DIALECT", "UNNAMED")
def catalogue_reads(ctx: Ctx) -> None:
    """Every catalogue method's whole answer, for every country the tour rents in, and their refusals."""
    def run(d: Differ) -> None:
        where = plan(d.w.catalogue)
        d.call("getcountries", "nokey")
        d.call("get_default_services", "nokey")
        d.call("get_days_canada_paypal", "nokey")
        d.call("get_min_paypal_days", "nokey")
        for country in where.countries:
            services = where.services[country]
            for method in ("getdata", "getdataWithProviders", "getcount", "getCountWithProviders"):
                d.call(method, "nokey", country=country)
            d.call("get_count_multi", "nokey", country=country, services=",".join(services[:2]), dtype="week",
                   dcount=1)
            d.call("get_country_by_service", "nokey", service=services[0], dtype="month", dcount=2)
        d.call("getcount", "nokey", country="XX")
        d.call("get_country_by_service", "nokey", service="opt999999", dtype="week")
        d.call("getdata", "nokey")
        d.call("get_count_multi", "nokey", country=where.countries[0], services="opt999999", dtype="week", dcount=1)
    judged(ctx, run)


@scenario("STOCK-TAKEN", "STATE-FAST", "NUMBER-FORM", "SMS-OTHER", "SMS-CLOSED", "WORLD-SCOPE", "TEXT-DIALECT",
          "ACCOUNT-API", "UNNAMED", needs=("apikey", "spend", "balance", "clock"))
def model_tour(ctx: Ctx) -> None:
    """One of everything, judged whole: rentals in a plain, a FAST and a full-number country, stock before and
    after, SMS for the order's own, added and other services, an archived order's SMS, calls under another
    world's path, the account API, and refusals in the dialect's words."""
    def run(d: Differ) -> None:
        where = plan(d.w.catalogue)
        d.look()
        first = where.countries[0]
        rented = {}
        for country in where.countries:  # one rental in each: plain, FAST, full-form
            services = where.services[country]
            d.call("getCountWithProviders", "nokey", country=country)
            made = d.call("create", dtype="week", dcount=1, country=country, service=services[0])
            rented[country] = (made["data"][0] if isinstance(made["data"], list) else made["data"])["id"]
            d.look()
        services = where.services[first]
        made = d.call("create_multi", dtype="week", dcount=1, country=first, services=",".join(services[:2]))
        first_id = (made["data"][0] if isinstance(made["data"], list) else made["data"])["id"]
        number = d.w.orders[first_id].number  # its sibling's id: from the answer, or (one object) the model's
        multi = [o.id for o in d.w.orders.values() if o.number == number and o.live]
        d.look()
        d.call("add_service_to_order", id=multi[0], service=services[2], pnumber=d.w.orders[multi[0]].number)
        d.call("add_service_to_order", id=multi[0], service=services[1], pnumber=d.w.orders[multi[0]].number)
        d.set_state(multi[0], 1)
        d.set_state(multi[1], 1)
        for service in (None, services[1], services[2], "opt999999"):  # own, a sibling's, added, nobody's
            d.send_sms(multi[0], f"code for {service or 'its own service'}", "CONFORM", service)
        d.look()
        d.call("sms", id=multi[0])
        d.call("sms", id=multi[1])
        d.look()
        d.call("activate", id=multi[0])
        d.advance(d.w.params.active_window[1] + 1)
        d.look()
        d.send_sms(multi[0], "too late", "CONFORM")
        d.set_state(multi[1], LOST)
        d.look()
        d.call("delete", id=multi[1])
        d.call("getCountWithProviders", "nokey", country=first)
        d.look()
        # another world's path: its apikey is refused here, ours there; keyless reads see that world
        d.call("orders", "foreign")
        d.call("getcount", "nokey", "foreign", country=first)
        d.call("orders", "main", "foreign")
        d.call("orders", "main", "root")  # the root path: the apikey names its world
        d.call("getcount", "foreign", "root", country=first)
        d.account("get_balance", "foreign")
        d.account("get_balance", "main", "foreign")
        d.account("get_userinfo")
        d.account("get_service_price", country=first, service=services[0])
        d.account("get_service_price", country=first, service="opt999999")
        d.account("get_balance", "nokey")
        d.account("nosuch")
        # refusals in the dialect's words
        d.call("create", "alt", dtype="month", dcount=1000, country=first, service=services[0])
        d.call("create", dtype="week", dcount=1, country="XX", service=services[0])
        d.call("prolong", id=multi[0], dtype="week", dcount=1)
        d.call("prolong", id=multi[0], dtype="year", dcount="x")
        d.call("sms", "alt", id=multi[0])
        d.call("nosuch")
        d.call("orders", verb="POST")
        # expiry, the hold, an archived order's SMS, the stock back when the hold ends
        d.advance(15 * DAY)  # past its until (prolonged by a week above)
        d.look()
        d.call("sms", id=multi[0])
        d.call("restore_user_precalc", id=multi[0])
        for country, oid in rented.items():  # back in orders: a FAST country's in state 1 again
            d.call("restore_user", id=oid)
        d.look()
        d.advance(d.w.params.hold_days * DAY)
        d.look()
        d.call("getCountWithProviders", "nokey", country=first)
        d.call("restore_user_precalc", id=multi[0])
    judged(ctx, run)
