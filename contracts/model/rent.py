"""Renting as the model predicts it: create and create_multi, activate, prolong, add a service, delete, sms.

Each function takes the world, the caller's apikey, the coerced parameters and the answer's variant, and
returns a Prediction: the whole answer (refusals with the dialect's text, checked in the service's order) and
how the model changes once the answer is in (pinning what was drawn: the number, the id, the provider)."""
from __future__ import annotations

from decimal import Decimal

from .arithmetic import (ACTIVATING, ACTIVE, DAY, GUARANTEED_DAYS, LOST, NOT_ACTIVE, PROLONG_WINDOW, canprolong,
                         canprolongmax, cents, days_left, days_of, unused_days)
from .answers import Prediction, ok, refusal
from .expect import Between, Diff, OneOf, Tag, Where, is_int
from .numbers import forms, fresh, full_of, written
from .presence import Presence, Span
from .probe import decide, edge, first_of
from .state import Order, World
from .texts import amount


def refuse(w: World, key: str, rule: str, *args) -> Prediction:
    """A refusal that changes nothing."""
    return Prediction(refusal(key, w.dialect, w.strict, *args, rule=rule))


def not_found(w: World, apikey: str, order_id: int, rule_other: str) -> Prediction:
    """"Order not found": an id of another account names the isolation rule, an unknown one the text rule."""
    other = w.orders.get(order_id)
    rule = rule_other if decide("order.of-another", other is not None and other.apikey != apikey) else "TEXT-DIALECT"
    return refuse(w, "ORDER_NOT_FOUND", rule)


def no_money(w: World, apikey: str, price: Decimal) -> Prediction | None:
    """The refusal of a charge the balance cannot pay (None: it can)."""
    balance = w.accounts[apikey].balance
    if balance < price:
        return refuse(w, "NO_BALANCE", "PRICE-NO-DEBT", amount(price), amount(balance))
    return None


# -- create, create_multi ---------------------------------------------------------------------------
def create(w: World, apikey: str, v: dict, variant: str, services: list[str], method: str) -> Prediction:
    """Rent one number for each of `services`: checks in the service's order, then the orders it makes."""
    dup = next((s for s in services if services.count(s) > 1), None)
    days = days_of(v["dtype"], v["dcount"])
    cap = w.params.max_rental_days
    land = w.catalogue.countries.get(v["country"])
    missing = next((s for s in services if s not in land.offers), None) if land else None
    offers = [land.offers[s] for s in services] if land and not missing else []
    prices = [o.price(days) for o in offers]
    provider = v.get("provider")
    candidates = [provider] if provider else sorted(land.providers) if land else []
    usable = [p for p in candidates if all(o.stock.get(p, 0) > 0 for o in offers)]
    known = land is not None and not missing
    if known and usable and all(p in land.leases for p in usable):
        long_enough = [p for p in usable if land.leases[p] >= days]
    else:  # leases not shown: every provider guarantees 90 days; beyond that the model cannot tell
        long_enough = usable
    failing = first_of("create", [
        ("DUPLICATE_SERVICES", dup is not None),
        ("PERIOD_LIMIT", None if cap is None else days > cap),
        ("UNKNOWN_COUNTRY", land is None),
        ("UNKNOWN_SERVICE", None if land is None else missing is not None),
        ("NO_BALANCE", None if not known else w.accounts[apikey].balance < sum(prices, Decimal("0"))),
        ("UNKNOWN_PROVIDER", None if land is None else provider is not None and provider not in land.providers),
        ("NO_NUMBERS", None if not known or (provider and provider not in land.providers) else not usable),
        ("PERIOD_TOO_LONG", None if not known or not usable else not long_enough)],
        apart=("UNKNOWN_COUNTRY>*", "UNKNOWN_SERVICE>NO_BALANCE,NO_NUMBERS,PERIOD_TOO_LONG",
               "UNKNOWN_PROVIDER>NO_NUMBERS,PERIOD_TOO_LONG", "NO_NUMBERS>PERIOD_TOO_LONG"),
        only={"PERIOD_LIMIT": "live", "PERIOD_TOO_LONG": "documented,sdk"})  # live's cap lies below every lease
    if failing == "DUPLICATE_SERVICES":
        return refuse(w, "DUPLICATE_SERVICES", "PRICE-MULTI", dup)
    if failing == "PERIOD_LIMIT":
        return refuse(w, "PERIOD_LIMIT", "PERIOD-MAX-90", days, cap)
    if failing == "UNKNOWN_COUNTRY":
        return refuse(w, "UNKNOWN_COUNTRY", "CATALOGUE-VIEWS", v["country"])
    if failing == "UNKNOWN_SERVICE":
        return refuse(w, "UNKNOWN_SERVICE", "CATALOGUE-VIEWS", missing)
    if failing == "NO_BALANCE":
        return no_money(w, apikey, sum(prices, Decimal("0")))
    if failing == "UNKNOWN_PROVIDER":
        return refuse(w, "UNKNOWN_PROVIDER", "CATALOGUE-VIEWS", provider, land.code)
    if failing == "NO_NUMBERS":
        return refuse(w, "NO_NUMBERS", "STOCK-TAKEN", ",".join(services), land.code)
    if failing == "PERIOD_TOO_LONG":
        return refuse(w, "PERIOD_TOO_LONG", "PERIOD-LEASE", days, max(land.leases[p] for p in usable))
    until = w.now + days * DAY
    fast = decide("create.fast", w.fast(land.code))
    rule = "PRICE-MULTI" if method == "create_multi" else ("PRICE-DISCOUNT" if any(o.discount(days) for o in offers)
                                                           else "PRICE-PERIOD")
    taken = {n for n in w.holders if w.held(n)}
    number = fresh(land.dial, w.dialect, land.form, taken)
    items = []
    for s in services:
        item = {"id": Tag("IDS-UNIQUE", Where(lambda i: is_int(i) and i not in w.issued and i >= 1,
                                              "an order id not issued before")),
                "service": s, "until": Tag("STATE-CREATE", until)}
        items.append(Tag("NUMBER-FORM", {**item, **number} if isinstance(number, dict) else
                         _with_number(item, number)))
    facts = items[0] if method == "create" else items

    def learn(got) -> list[Diff]:
        data = got.get("data")
        rows = data if isinstance(data, list) else [data]
        ids = [r["id"] for r in rows]
        full, form = full_of(rows[0], land.dial)
        diffs = []
        if len(set(ids)) != len(ids):
            diffs.append(Diff("data[*].id", "distinct ids", str(ids), "IDS-UNIQUE"))
        if any(full_of(r, land.dial)[0] != full for r in rows):
            diffs.append(Diff("data[*].pnumber", "one number for every service", str(rows), "PRICE-MULTI"))
        if land.form is None and w.dialect == "live":
            land.form = form  # learned from the first answer in this country
        for i, (s, price) in enumerate(zip(services, prices)):
            order = Order(rows[i]["id"] if i < len(rows) else None, apikey, land.code, s, full, w.now, until, days,
                          Presence.fixed(ACTIVE, Span.at(w.now)) if fast else Presence.fixed(NOT_ACTIVE),
                          candidates=tuple(long_enough), paid=price)
            order.state_rule = "STATE-FAST" if fast else "STATE-CREATE"
            w.accounts[apikey].balance -= price
            if order.id is None:  # a variant that answers the first order alone: the others' ids come later
                w.unnamed.append(order)
            else:
                w.open(order)
                w.pending_order(order)
        w.money_rule = rule
        return diffs

    return Prediction(Tag(rule, ok(method, variant, facts)), learn)


def _with_number(item: dict, options) -> object:
    return OneOf({**item, **o} for o in options.options)


# -- activate ---------------------------------------------------------------------------------------
def activate(w: World, apikey: str, v: dict, variant: str) -> Prediction:
    """0 → 2 (then 1 after the activation delay); in 2 or 1 nothing changes; in −1 refused."""
    order = w.owned(apikey, v["id"])
    if order is None:
        return not_found(w, apikey, v["id"], "ISOLATION-WRITE")
    if first_of("activate", [("ORDER_LOST", w.lost(order))]):
        return refuse(w, "ORDER_LOST", "STATE-LOST")
    states = order.presence.states(w.now)
    rule = "STATE-ACTIVATE" if decide("activate.offline", states == {NOT_ACTIVE}) else "STATE-REACTIVATE"

    def learn(got):
        if order.presence.states(w.now) == {NOT_ACTIVE}:
            order.presence = order.presence.activated(w.now, w.params.activation_delay, w.params.active_window)
            order.state_rule = "STATE-ACTIVATE"
        return []

    return Prediction(Tag(rule, ok("activate", variant, {"id": order.id})), learn)


# -- prolong, prolong_max ---------------------------------------------------------------------------
def prolong(w: World, apikey: str, v: dict, variant: str, method: str) -> Prediction:
    """Extend a running order inside its last 7 days, under its lease limit, at today's period prices."""
    order = w.owned(apikey, v["id"])
    if order is None:
        return not_found(w, apikey, v["id"], "ISOLATION-WRITE")
    days = days_of(v["dtype"], v["dcount"])
    cap = w.params.max_rental_days
    land = w.country_of(order)
    missing = next((s for s in order.services if s not in land.offers), None) if land else None
    price = sum((land.offers[s].price(days) for s in order.services), Decimal("0")) if land and not missing else None
    edge("prolong.window", order.until - w.now - PROLONG_WINDOW)
    if order.lease_until is not None:
        edge("prolong.lease", order.until + days * DAY - order.lease_until, DAY)
    failing = first_of("prolong", [
        ("PROLONG_LOST", w.lost(order)),
        ("PROLONG_WINDOW", order.until - w.now >= PROLONG_WINDOW),
        ("PERIOD_LIMIT", None if cap is None else days > cap),
        ("PROLONG_LIMIT", None if order.lease_until is None else order.until + days * DAY > order.lease_until),
        ("UNKNOWN_COUNTRY", land is None),
        ("UNKNOWN_SERVICE", None if land is None else missing is not None),
        ("NO_BALANCE", None if price is None else w.accounts[apikey].balance < price)],
        apart=("UNKNOWN_COUNTRY>UNKNOWN_SERVICE,NO_BALANCE", "UNKNOWN_SERVICE>NO_BALANCE"), only={"PERIOD_LIMIT": "live"})
    if failing == "PROLONG_LOST":
        return refuse(w, "PROLONG_LOST", "PROLONG-LOST")
    if failing == "PROLONG_WINDOW":
        return refuse(w, "PROLONG_WINDOW", "PROLONG-WINDOW")
    if failing == "PERIOD_LIMIT":
        return refuse(w, "PERIOD_LIMIT", "PERIOD-MAX-90", days, cap)
    if failing == "PROLONG_LIMIT":
        return refuse(w, "PROLONG_LIMIT", "PROLONG-LEASE", canprolongmax(order.until, order.lease_until))
    if failing == "UNKNOWN_COUNTRY":
        return refuse(w, "UNKNOWN_COUNTRY", "CATALOGUE-VIEWS", order.country)
    if failing == "UNKNOWN_SERVICE":
        return refuse(w, "UNKNOWN_SERVICE", "CATALOGUE-VIEWS", missing)
    if failing == "NO_BALANCE":
        return no_money(w, apikey, price)
    rule = "PROLONG-DAYS" if decide("prolong.by-days", v["dtype"] == "day") else "PROLONG-EXTENDS"

    def learn(got):
        w.accounts[apikey].balance -= price
        order.paid += price
        order.until += days * DAY
        order.days += days
        order.until_rule = rule
        w.scheduled(order)
        w.money_rule = rule
        return []

    return Prediction(Tag(rule, ok(method, variant, {"id": order.id})), learn)


# -- add_service_to_order ---------------------------------------------------------------------------
def add_service(w: World, apikey: str, v: dict, variant: str) -> Prediction:
    """The number also takes `service`'s SMS, for its price_day times the whole days left (or rent_days)."""
    order = w.owned(apikey, v["id"])
    if order is None:
        return not_found(w, apikey, v["id"], "ISOLATION-WRITE")
    land = w.country_of(order)
    service = v["service"]
    offer = land.offers.get(service) if land else None
    days = v.get("rent_days") or days_left(w.now, order.until)
    if not decide("add_service.rent_days", v.get("rent_days")):
        edge("add_service.days-left", _to_whole_day(order.until - w.now))
    price = cents(offer.price_day * days) if offer else None
    failing = first_of("add_service", [
        ("PNUMBER_MISMATCH", v["pnumber"].lstrip("+") != order.number),
        ("ORDER_LOST", w.lost(order)),
        ("UNKNOWN_COUNTRY", land is None),
        ("UNKNOWN_SERVICE", None if land is None else offer is None),
        ("SERVICE_ON_ORDER", any(service in o.services for o in w.siblings(order) if o.apikey == apikey)),
        ("NO_BALANCE", None if price is None else w.accounts[apikey].balance < price)],
        apart=("UNKNOWN_COUNTRY>UNKNOWN_SERVICE,NO_BALANCE", "UNKNOWN_SERVICE>NO_BALANCE"))
    if failing == "PNUMBER_MISMATCH":
        return refuse(w, "PNUMBER_MISMATCH", "PRICE-ADD-SERVICE")
    if failing == "ORDER_LOST":
        return refuse(w, "ORDER_LOST", "STATE-LOST")
    if failing == "UNKNOWN_COUNTRY":
        return refuse(w, "UNKNOWN_COUNTRY", "CATALOGUE-VIEWS", order.country)
    if failing == "UNKNOWN_SERVICE":
        return refuse(w, "UNKNOWN_SERVICE", "CATALOGUE-VIEWS", service)
    if failing == "SERVICE_ON_ORDER":
        return refuse(w, "SERVICE_ON_ORDER", "PRICE-ADD-SERVICE", service)
    if failing == "NO_BALANCE":
        return no_money(w, apikey, price)

    def learn(got):
        w.accounts[apikey].balance -= price
        order.paid += price
        order.extra.append(service)
        w.money_rule = "PRICE-ADD-SERVICE"
        return []

    shapes = forms(w.dialect, land.form)
    number = written(order.number, land.dial, shapes[0]) if len(shapes) == 1 else {}
    facts = {"id": order.id, "service": service, "until": order.until,
             **{k: Tag("NUMBER-FORM", x) for k, x in number.items()}}
    return Prediction(Tag("PRICE-ADD-SERVICE", ok("add_service_to_order", variant, facts)), learn)


# -- delete -----------------------------------------------------------------------------------------
def delete(w: World, apikey: str, v: dict, variant: str) -> Prediction:
    """Close into the archive; unused whole days come back as the world's refund policy says."""
    order = w.owned(apikey, v["id"])
    if order is None:
        return not_found(w, apikey, v["id"], "ISOLATION-WRITE")
    refund = Decimal("0")
    is_lost = decide("delete.lost", w.lost(order))
    offer = w.catalogue.offer(order.country, order.service)
    if decide("delete.refunds", w.params.refunds(LOST if is_lost else NOT_ACTIVE) and offer is not None):
        edge("delete.unused-days", _to_whole_day(order.until - w.now))
        unused = unused_days(w.now, order.until)
        refund = cents(min(offer.price_day * unused, order.paid - order.refunded))

    def learn(got):
        w.close(order, w.now, deleted=True)
        if refund > 0:
            w.accounts[apikey].balance += refund
            order.refunded += refund
        w.money_rule = "DELETE-LOST-REFUND" if is_lost else "DELETE-NO-REFUND"
        return []

    return Prediction(Tag("DELETE-CLOSES", ok("delete", variant, {"id": order.id})), learn)


# -- sms --------------------------------------------------------------------------------------------
def sms(w: World, apikey: str, v: dict, variant: str) -> Prediction:
    """The order's services' SMS (and, apart, the number's other services'); the order's own are read after."""
    order = w.owned(apikey, v["id"], live_only=False)
    if order is None:
        return not_found(w, apikey, v["id"], "ISOLATION-READ")
    own, other = w.own_sms(order)
    rule = "SMS-CLOSED" if not decide("sms.live", order.live) else \
        ("SMS-OTHER" if decide("sms.other", other or len(order.services) > 1) else "SMS-LIST")
    view = lambda items: [{"text": s.text, "sender": s.sender, "date": s.date} for s in items]  # noqa: E731

    def learn(got):
        for s in own:
            s.read = True
        return []

    return Prediction(Tag(rule, ok("sms", variant, {"SmsList": view(own), "OtherSms": view(other)})), learn)


def _to_whole_day(seconds: int) -> int:
    """How far `seconds` lies from the nearest whole number of days (where a count of days rounds differently)."""
    return (seconds + DAY // 2) % DAY - DAY // 2


# -- orders -----------------------------------------------------------------------------------------
def row_facts(w: World, order: Order, state: int) -> dict:
    """An order's row as `orders` shows it, once its state is known (lastonline as an interval)."""
    land = w.catalogue.countries.get(order.country)
    own, _ = w.own_sms(order)
    lease = order.lease_until
    span = order.presence.lastonline_when(state, w.now)
    shapes = forms(w.dialect, land.form) if land is not None else ()
    number = written(order.number, land.dial, shapes[0]) if len(shapes) == 1 else {}  # else by schema
    facts = {"id": order.id, "scode": order.service,
             "sname": w.catalogue.services.get(order.service, (order.service,))[0],
             "state": state, "cname": order.country if w.strict else Where(lambda c: isinstance(c, str), "any string"),
             "hasnewsms": Tag("SMS-HASNEW", any(not s.read for s in own)),
             "until": Tag(order.until_rule, order.until),
             "lastonline": Tag("STATE-LASTONLINE", span.lo if span.exact else Between(span.lo, span.hi)),
             **{k: Tag("NUMBER-FORM", x) for k, x in number.items()}}
    if lease is not None:
        facts.update(canprolonguntil=Tag("LEASE-90", lease),
                     canprolongmax=Tag("CANPROLONG-FIELDS", canprolongmax(order.until, lease)),
                     canprolong=Tag("CANPROLONG-FIELDS", canprolong(w.now, order.until, state, lease)))
    else:
        facts["canprolonguntil"] = Tag("LEASE-90", Between(order.begin + GUARANTEED_DAYS * DAY, None, "at least 90 days"))
    return facts


STATE_RULES = {ACTIVATING: "STATE-DELAY", ACTIVE: "STATE-DELAY", NOT_ACTIVE: "STATE-WINDOW"}
