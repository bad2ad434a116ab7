"""The archive as the model predicts it: history pages, restore precalculation and restore, the reference's
checks in the reference's order (docs/rules.md: precalc answers the codes, restore_user the phrases)."""
from __future__ import annotations

from decimal import Decimal

from .arithmetic import ACTIVE, DAY, NOT_ACTIVE, RESTORE_PREPAID_DAYS, outdays
from .answers import Prediction, ok
from .expect import Tag
from .presence import Presence, Span
from .probe import decide, edge, first_of
from .rent import refuse
from .state import Order, World

MIN_LEASE_LEFT = RESTORE_PREPAID_DAYS * DAY

# check -> (precalc's text, restore_user's text, the rule that names it)
CHECKS = {
    "NOREMOTEDATA": ("NOREMOTEDATA", "NOREMOTEDATA", "RESTORE-UNKNOWN"),
    "NOTOWNER": ("NOTOWNER", "NOT_THIS_USER", "RESTORE-NOTOWNER"),
    "DATEDIFFINVERT": ("DATEDIFFINVERT", "DATEDIFFINVERT", "RESTORE-RUNNING"),
    "NOORDERCOUNTRY": ("NOORDERCOUNTRY", "NOORDERCOUNTRY", "RESTORE-COUNTRY"),
    "NOSERVICEDATA": ("NOSERVICEDATA", "SERVICE_NOT_FOUND", "RESTORE-SERVICE"),
    "NOAVAILDAYS": ("NOAVAILDAYS", "NOAVAILDAYS", "HOLD-OVER"),
}


def first_failing(w: World, apikey: str, order_id: int) -> str | None:
    """The first restore check that fails, in the reference's order (None: restorable, money aside)."""
    order = w.orders.get(order_id)
    if order is None:
        return first_of("restore", [("NOREMOTEDATA", True)])
    land = w.country_of(order)
    if order.held_until is not None:
        edge("restore.hold-end", w.now - order.held_until)
    if order.lease_until is not None and not order.live:
        edge("restore.lease-left", order.lease_until - w.now - MIN_LEASE_LEFT)
    released = order.held_until is None or w.now >= order.held_until or not w.held(order.number)
    short = order.lease_until is not None and order.lease_until - w.now < MIN_LEASE_LEFT
    return first_of("restore", [
        ("NOREMOTEDATA", False),
        ("NOTOWNER", order.apikey != apikey),
        ("DATEDIFFINVERT", order.live or order.deleted),
        ("NOORDERCOUNTRY", land is None),
        ("NOSERVICEDATA", None if land is None else order.service not in land.offers),
        ("NOAVAILDAYS", released or short)])


def _rule_of(w: World, check: str, order: Order | None) -> str:
    """The rule a failing check names (NOAVAILDAYS: the hold, or the lease left)."""
    if check == "NOAVAILDAYS" and order is not None and order.held_until is not None and w.now < order.held_until:
        return "RESTORE-LEASE-LEFT"
    return CHECKS[check][2]


def fee(w: World, order: Order) -> tuple[Decimal, int]:
    """(fee, outdays): late days at the undiscounted price_day plus 30 prepaid days at the period price."""
    offer = w.catalogue.offer(order.country, order.service)
    edge("restore.outdays", (w.now - order.end + DAY // 2) % DAY - DAY // 2)
    late = outdays(w.now, order.end)
    return offer.terms.restore_fee(late), late


def _refused(w: World, apikey: str, order_id: int, phrase: bool) -> Prediction | None:
    """The refusal of the first failing check (precalc's code, or restore_user's phrase), None if none fails."""
    check = first_failing(w, apikey, order_id)
    return refuse(w, CHECKS[check][int(phrase)], _rule_of(w, check, w.orders.get(order_id))) if check else None


def precalc(w: World, apikey: str, v: dict, variant: str) -> Prediction:
    """restore_user_precalc: the first failing check's code, else the fee."""
    refused = _refused(w, apikey, v["id"], phrase=False)
    if refused:
        return refused
    order = w.orders[v["id"]]
    price, late = fee(w, order)
    facts = {"ccode": order.country, "scode": order.service, "price": price,
             "sname": w.catalogue.services.get(order.service, (order.service,))[0], "pnumber": order.number,
             "outdays": late, "orderid": order.id, "prolongTo": RESTORE_PREPAID_DAYS}
    return Prediction(Tag("RESTORE-FEE", ok("restore_user_precalc", variant, facts)))


def restore(w: World, apikey: str, v: dict, variant: str) -> Prediction:
    """restore_user: the checks (phrases where the reference gives them), the balance, then the order is back."""
    refused = _refused(w, apikey, v["id"], phrase=True)
    if refused:
        return refused
    order = w.orders[v["id"]]
    price, _ = fee(w, order)
    if decide("restore.poor", w.accounts[apikey].balance < price):
        return refuse(w, "BALANCE_NOT_ENOUGH", "RESTORE-BALANCE")
    fast = decide("restore.fast", w.fast(order.country))

    def learn(got):
        w.accounts[apikey].balance -= price
        order.paid += price
        order.closed = order.end = order.held_until = None
        order.until = w.now + RESTORE_PREPAID_DAYS * DAY
        order.days += RESTORE_PREPAID_DAYS
        order.presence = Presence.fixed(ACTIVE, Span.at(w.now)) if fast else \
            Presence.fixed(NOT_ACTIVE, order.presence.last)
        order.state_rule = "STATE-FAST" if fast else "RESTORE-DOES"
        order.until_rule = "RESTORE-DOES"
        w.open(order)
        w.money_rule = "RESTORE-DOES"
        return []

    return Prediction(Tag("RESTORE-DOES", ok("restore_user", variant, {"id": order.id})), learn)


def history(w: World, apikey: str, v: dict, variant: str) -> Prediction:
    """get_rent_history: the account's archive, newest closed first (ties: latest closed first), a page."""
    skip, take = v.get("skip", 0), v.get("take", 10)
    ids = list(reversed(w.accounts[apikey].archive))[skip:skip + take]
    lines = []
    for oid in ids:
        order, c = w.orders[oid], w.closures[oid]
        land = w.country_of(order)
        names = sorted(land.providers) if land else []
        own, _ = w.own_sms(order)
        lines.append({"orderId": oid, "resourceCode": order.service, "number": Tag("HISTORY-FIELDS", order.number),
                      "branchId": names.index(order.provider) + 1 if order.provider in names else 0,
                      "haveSms": Tag("HISTORY-FIELDS", bool(own)), "days": Tag("HISTORY-FIELDS", c.days),
                      "country": order.country, "begin": Tag("HISTORY-FIELDS", c.begin),
                      "end": Tag("EXPIRY-AT-UNTIL", c.end), "closed": Tag("EXPIRY-AT-UNTIL", c.closed),
                      "isAvailForRestore": Tag("HOLD-RESTORABLE", first_failing(w, apikey, oid) is None)})
    rule = "HISTORY-PAGING" if decide("history.paged", "skip" in v or "take" in v) else "HISTORY-ORDER"
    return Prediction(Tag(rule, ok("get_rent_history", variant, lines)))
