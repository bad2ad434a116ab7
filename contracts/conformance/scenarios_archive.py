"""Scenarios for delete, expiry, the hold period, history lines and restore with its checks in order."""
from __future__ import annotations

from decimal import Decimal

from .judge import Ctx, scenario
from ..model.arithmetic import DAY, NOT_ACTIVE, RESTORE_PREPAID_DAYS, cents, outdays, unused_days
from .shop import full_number, rent, shop

TIMED = ("apikey", "spend", "clock")


def _expire(ctx: Ctx, made: dict, rule: str) -> None:
    """Run the clock to a second before `until` (still running), then to `until` (archived)."""
    ctx.s.set_clock(made["until"] - 1)
    ctx.check(rule, ctx.order(made["id"], rule=rule) is not None, "still in orders a second before until",
              "not in orders")
    ctx.s.set_clock(made["until"])
    ctx.check(rule, ctx.order(made["id"], rule=rule) is None, "out of orders at until", "still in orders")


@scenario("DELETE-CLOSES", "DELETE-NO-REFUND", "RESTORE-RUNNING", needs=("apikey", "spend", "balance"))
def delete(ctx: Ctx) -> None:
    """A running order is DATEDIFFINVERT; delete archives it, refunds per policy, and it stays DATEDIFFINVERT."""
    sh = shop(ctx, "DELETE-CLOSES")
    service = sh.plain[0]
    made = rent(ctx, sh, service, "week", 2, rule="DELETE-CLOSES")
    oid = made["id"]
    ctx.restore_refused("RESTORE-RUNNING", ctx.call("restore_user_precalc", id=oid), "DATEDIFFINVERT")
    ctx.ok("DELETE-CLOSES", ctx.call("activate", id=oid))
    if ctx.s.world is not None:
        ctx.s.advance(3 * DAY)
    before, now = ctx.s.balance(), ctx.s.now()
    ctx.ok("DELETE-CLOSES", ctx.call("delete", id=oid))
    refund = min(cents(sh.offers[service].price_day * unused_days(now, made["until"])),
                 sh.price(service, "week", 2)) if ctx.p.refunds(NOT_ACTIVE) else Decimal("0")
    ctx.equal("DELETE-NO-REFUND", before + refund, ctx.s.balance(),
              f"balance after deleting a working order ({ctx.p.refund} policy)")
    ctx.check("DELETE-CLOSES", ctx.order(oid, rule="DELETE-CLOSES") is None, "not in orders after delete",
              "still in orders")
    line = next((h for h in ctx.history(skip=0, take=50) if h.get("orderId") == oid), None)
    if ctx.check("DELETE-CLOSES", line is not None, f"order {oid} in history", "not in history") \
            and ctx.s.world is not None:
        ctx.equal("DELETE-CLOSES", now, line.get("closed"), "closed")
    ctx.restore_refused("RESTORE-RUNNING", ctx.call("restore_user_precalc", id=oid), "DATEDIFFINVERT")


@scenario("EXPIRY-AT-UNTIL", "HISTORY-FIELDS", "HOLD-RESTORABLE", "RESTORE-FEE", "RESTORE-DOES",
          needs=TIMED + ("balance",))
def expire_and_restore(ctx: Ctx) -> None:
    """Expiry at until, its history line, the fee 2.5 days late, and the restored order."""
    sh = shop(ctx, "EXPIRY-AT-UNTIL")
    service = sh.plain[0]
    t0 = ctx.s.now()
    made = rent(ctx, sh, service, rule="EXPIRY-AT-UNTIL")
    oid = made["id"]
    ctx.ok("EXPIRY-AT-UNTIL", ctx.call("activate", id=oid))
    ctx.s.advance(ctx.p.activation_delay[1])
    ctx.s.send_sms(oid, "code 777")
    _expire(ctx, made, "EXPIRY-AT-UNTIL")
    line = next((h for h in ctx.history() if h.get("orderId") == oid), {})
    ctx.equal("EXPIRY-AT-UNTIL", (made["until"], made["until"]), (line.get("end"), line.get("closed")),
              "(end, closed) of the expired order")
    expected = {"begin": t0, "days": 7, "number": full_number(made), "haveSms": True, "resourceCode": service}
    ctx.equal("HISTORY-FIELDS", expected, {k: line.get(k) for k in expected}, "history line")
    now = ctx.s.advance(2 * DAY + DAY // 2)
    quote = ctx.succeeds("HOLD-RESTORABLE", ctx.call("restore_user_precalc", id=oid), "precalc 2.5 days after expiry")
    late = outdays(now, made["until"])
    fee = sh.offers[service].restore_fee(late)
    got = {"price": cents(quote.get("price", "0")), "outdays": quote.get("outdays"),
           "prolongTo": quote.get("prolongTo"), "orderid": quote.get("orderid")}
    ctx.equal("RESTORE-FEE", {"price": fee, "outdays": late, "prolongTo": RESTORE_PREPAID_DAYS, "orderid": oid}, got,
              "precalc")
    for service in sh.discounted[:1]:  # late days at full price, only the prepaid 30 days discounted
        other = rent(ctx, sh, service, rule="RESTORE-FEE")
        ctx.s.set_clock(other["until"] + DAY + 60)
        quote2 = ctx.ok("RESTORE-FEE", ctx.call("restore_user_precalc", id=other["id"]))
        ctx.equal("RESTORE-FEE", sh.offers[service].restore_fee(2), cents(quote2.get("price", "0")),
                  f"precalc price of {service} (discount from {sh.offers[service].procent_days} days) 2 days late")
        now = ctx.s.now()
        late = outdays(now, made["until"])
        fee = sh.offers[sh.plain[0]].restore_fee(late)
    before = ctx.s.balance()
    ctx.ok("RESTORE-DOES", ctx.call("restore_user", id=oid))
    ctx.equal("RESTORE-DOES", before - fee, ctx.s.balance(), "balance after restore_user")
    row = ctx.order(oid, rule="RESTORE-DOES") or {}
    ctx.equal("RESTORE-DOES", (now + RESTORE_PREPAID_DAYS * DAY, NOT_ACTIVE), (row.get("until"), row.get("state")),
              f"(until, state) of restored order {oid}")


@scenario("HOLD-OVER", "HOLD-RESTORABLE", needs=TIMED)
def hold(ctx: Ctx) -> None:
    """Restorable until the hold period ends, NOAVAILDAYS from then on."""
    sh = shop(ctx, "HOLD-OVER")
    made = rent(ctx, sh, sh.plain[0], rule="HOLD-OVER")
    ctx.s.set_clock(made["until"] + ctx.p.hold_days * DAY - 1)
    ctx.succeeds("HOLD-RESTORABLE", ctx.call("restore_user_precalc", id=made["id"]),
           f"precalc a second before the {ctx.p.hold_days}-day hold ends")
    ctx.s.advance(1)
    ctx.restore_refused("HOLD-OVER", ctx.call("restore_user_precalc", id=made["id"]), "NOAVAILDAYS")


@scenario("RESTORE-BALANCE", needs=TIMED + ("balance",))
def restore_balance(ctx: Ctx) -> None:
    """Too poor to restore: refused, nothing debited, precalc still quotes."""
    sh = shop(ctx, "RESTORE-BALANCE")
    service = sh.plain[0]
    price = sh.price(service, "week", 1)
    ctx.s.open_account("poor", price + Decimal("1"))
    made = rent(ctx, sh, service, rule="RESTORE-BALANCE", who="poor")
    ctx.s.set_clock(made["until"] + DAY)
    fee = sh.offers[service].restore_fee(1)
    quote = ctx.ok("RESTORE-BALANCE", ctx.call("restore_user_precalc", "poor", id=made["id"]))
    ctx.equal("RESTORE-BALANCE", fee, cents(quote.get("price", 0)), "precalc price with a low balance")
    ctx.restore_refused("RESTORE-BALANCE", ctx.call("restore_user", "poor", id=made["id"]), "NOBALANCE")
    ctx.equal("RESTORE-BALANCE", Decimal("1.00"), ctx.s.balance("poor"), "balance after the refused restore")


@scenario("RESTORE-LEASE-LEFT", needs=TIMED)
def lease_left(ctx: Ctx) -> None:
    """A number whose lease ends within 30 days cannot be restored."""
    sh = shop(ctx, "RESTORE-LEASE-LEFT")
    made = rent(ctx, sh, sh.plain[0], rule="RESTORE-LEASE-LEFT")
    ctx.s.set_clock(made["until"] - DAY)
    row = ctx.prolong_to_lease(made["id"], "RESTORE-LEASE-LEFT", "to the lease limit")
    ctx.s.set_clock(row.get("until", 0))
    ctx.restore_refused("RESTORE-LEASE-LEFT", ctx.call("restore_user_precalc", id=made["id"]), "NOAVAILDAYS")


@scenario("RESTORE-NOTOWNER", "RESTORE-COUNTRY", "RESTORE-SERVICE", "RESTORE-ORDER",
          needs=TIMED + ("alt", "catalogue"))
def restore_checks(ctx: Ctx) -> None:
    """Each check answers its code, and when several fail the first in the reference's order answers."""
    sh = shop(ctx, "RESTORE-ORDER")
    service = sh.plain[0]
    old = rent(ctx, sh, service, rule="RESTORE-ORDER")
    ctx.s.set_clock(old["until"] + DAY)
    running = rent(ctx, sh, sh.plain[1], rule="RESTORE-ORDER")
    ctx.restore_refused("RESTORE-NOTOWNER", ctx.call("restore_user_precalc", "alt", id=old["id"]), "NOTOWNER")
    ctx.restore_refused("RESTORE-NOTOWNER", ctx.call("restore_user", "alt", id=old["id"]), "NOTOWNER")
    ctx.restore_refused("RESTORE-ORDER", ctx.call("restore_user_precalc", "alt", id=running["id"]), "NOTOWNER")
    ctx.s.drop(sh.country, service)
    ctx.restore_refused("RESTORE-SERVICE", ctx.call("restore_user_precalc", id=old["id"]), "NOSERVICEDATA")
    ctx.restore_refused("RESTORE-SERVICE", ctx.call("restore_user", id=old["id"]), "NOSERVICEDATA")
    ctx.s.advance(ctx.p.hold_days * DAY)  # the hold is over too: the service check still comes first
    ctx.restore_refused("RESTORE-ORDER", ctx.call("restore_user_precalc", id=old["id"]), "NOSERVICEDATA")
    ctx.s.drop(sh.country)
    ctx.restore_refused("RESTORE-COUNTRY", ctx.call("restore_user_precalc", id=old["id"]), "NOORDERCOUNTRY")
    ctx.restore_refused("RESTORE-COUNTRY", ctx.call("restore_user", id=old["id"]), "NOORDERCOUNTRY")
    ctx.restore_refused("RESTORE-ORDER", ctx.call("restore_user_precalc", "alt", id=old["id"]), "NOTOWNER")
