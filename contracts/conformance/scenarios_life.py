"""Scenarios for states and their timings, SMS, prolongation, lost numbers and isolation."""
from __future__ import annotations

from .judge import Ctx, scenario
from ..model.arithmetic import ACTIVATING, ACTIVE, DAY, LOST, NOT_ACTIVE, PROLONG_WINDOW, canprolong, canprolongmax, cents, \
    unused_days
from .shop import rent, shop

TIMED = ("apikey", "spend", "clock")
STEP = 30  # seconds between looks while waiting for a state change


def _state(ctx: Ctx, oid: int, rule: str) -> int | None:
    row = ctx.order(oid, rule=rule)
    return row.get("state") if row else None


@scenario("STATE-CREATE", "STATE-ACTIVATE", "STATE-DELAY", "STATE-WINDOW", "STATE-LASTONLINE", "STATE-REACTIVATE",
          "SMS-ACTIVE-ONLY", "SMS-HASNEW", "SMS-LIST", needs=TIMED)
def lifecycle(ctx: Ctx) -> None:
    """0 → 2 → 1 → 0 inside the world's windows; SMS only while 1; hasnewsms until read."""
    sh = shop(ctx, "STATE-CREATE")
    (dlo, dhi), (wlo, whi) = ctx.p.activation_delay, ctx.p.active_window
    t0 = ctx.s.now()
    made = rent(ctx, sh, sh.plain[0], rule="STATE-CREATE")
    oid = made["id"]
    ctx.equal("STATE-CREATE", t0 + 7 * DAY, made.get("until"), "until of a week rented now")
    ctx.equal("STATE-CREATE", NOT_ACTIVE, _state(ctx, oid, "STATE-CREATE"), "state after create")
    lost = ctx.s.send_sms(oid, "sent while inactive 111")
    ctx.equal("SMS-ACTIVE-ONLY", False, lost.get("delivered"), "SMS to a number in state 0 delivered")
    ctx.ok("STATE-ACTIVATE", ctx.call("activate", id=oid))
    t_act = ctx.s.now()
    ctx.equal("STATE-ACTIVATE", ACTIVATING, _state(ctx, oid, "STATE-ACTIVATE"), "state after activate")
    ctx.ok("STATE-REACTIVATE", ctx.call("activate", id=oid), "activate in state 2")
    ctx.equal("STATE-REACTIVATE", ACTIVATING, _state(ctx, oid, "STATE-REACTIVATE"), "state after a second activate")
    if dlo > 0:
        ctx.s.set_clock(t_act + dlo - 1)
        ctx.equal("STATE-DELAY", ACTIVATING, _state(ctx, oid, "STATE-DELAY"), f"state {dlo - 1} s after activate")
    seen, before = None, ctx.s.now()
    while ctx.s.now() < t_act + dhi:
        before = ctx.s.now()
        now = ctx.s.set_clock(min(before + STEP, t_act + dhi))
        if _state(ctx, oid, "STATE-DELAY") == ACTIVE:
            seen = now
            break
    if not ctx.check("STATE-DELAY", seen is not None, f"state 1 by {dhi} s after activate",
                     f"state {_state(ctx, oid, 'STATE-DELAY')} at {dhi} s"):
        return
    row = ctx.order(oid) or {}
    ctx.equal("STATE-LASTONLINE", seen, row.get("lastonline"), "lastonline while active")
    ctx.ok("STATE-REACTIVATE", ctx.call("activate", id=oid), "activate in state 1")
    ctx.equal("STATE-REACTIVATE", ACTIVE, _state(ctx, oid, "STATE-REACTIVATE"), "state after activate in state 1")
    got = ctx.s.send_sms(oid, "code 4242", "CONFORM")
    ctx.equal("SMS-ACTIVE-ONLY", True, got.get("delivered"), "SMS to a number in state 1 delivered")
    ctx.equal("SMS-HASNEW", True, (ctx.order(oid, rule="SMS-HASNEW") or {}).get("hasnewsms"), "hasnewsms after an SMS")
    listed = ctx.sms_list(ctx.ok("SMS-LIST", ctx.call("sms", id=oid)))
    ctx.equal("SMS-LIST", [{"text": "code 4242", "sender": "CONFORM", "date": seen}],
              [{k: m.get(k) for k in ("text", "sender", "date")} for m in listed if isinstance(m, dict)],
              "the order's SMS")
    ctx.equal("SMS-HASNEW", False, (ctx.order(oid, rule="SMS-HASNEW") or {}).get("hasnewsms"), "hasnewsms after sms")
    # active from some moment in (before, seen]; offline within [that + wlo, that + whi]
    ctx.s.set_clock(before + wlo)
    ctx.equal("STATE-WINDOW", ACTIVE, _state(ctx, oid, "STATE-WINDOW"), f"state {wlo} s after coming online")
    ctx.s.set_clock(seen + whi)
    ctx.equal("STATE-WINDOW", NOT_ACTIVE, _state(ctx, oid, "STATE-WINDOW"), f"state {whi} s after coming online")
    last = (ctx.order(oid) or {}).get("lastonline")
    ctx.check("STATE-LASTONLINE", isinstance(last, int) and before + wlo <= last <= seen + whi,
              f"lastonline within [{before + wlo}, {seen + whi}]", last)
    late = ctx.s.send_sms(oid, "sent after going offline 222")
    ctx.equal("SMS-ACTIVE-ONLY", False, late.get("delivered"), "SMS to a number back in state 0 delivered")
    texts = [m.get("text") for m in ctx.sms_list(ctx.ok("SMS-ACTIVE-ONLY", ctx.call("sms", id=oid)))]
    ctx.equal("SMS-ACTIVE-ONLY", ["code 4242"], texts, "texts the order has")


@scenario("PROLONG-WINDOW", "PROLONG-EXTENDS", "PROLONG-DAYS", "PROLONG-LEASE", "CANPROLONG-FIELDS",
          needs=TIMED + ("balance",))
def prolongation(ctx: Ctx) -> None:
    """The 7-day window to the second, the period price, the lease limit, and the canprolong fields."""
    sh = shop(ctx, "PROLONG-WINDOW")
    service = sh.plain[0]
    made = rent(ctx, sh, service, rule="PROLONG-WINDOW")
    oid = made["id"]

    def fields(label: str) -> dict:
        row = ctx.order(oid, rule="CANPROLONG-FIELDS") or {}
        now, until, lim = ctx.s.now(), row.get("until", 0), row.get("canprolonguntil", 0)
        ctx.equal("CANPROLONG-FIELDS", (canprolong(now, until, row.get("state"), lim), canprolongmax(until, lim)),
                  (row.get("canprolong"), row.get("canprolongmax")), f"(canprolong, canprolongmax) {label}")
        return row

    fields("7 days before until")
    before = ctx.s.balance()
    ctx.refused_as("PROLONG-WINDOW", ctx.call("prolong", id=oid, dtype="week", dcount=1), "PROLONG_WINDOW",
                   what="prolong 7 days before until")
    ctx.equal("PROLONG-WINDOW", before, ctx.s.balance(), "balance after the refused prolong")
    ctx.s.advance(1)
    fields("7 days less a second before until")
    ctx.ok("PROLONG-EXTENDS", ctx.call("prolong", id=oid, dtype="week", dcount=1), "prolong 7 d − 1 s before until")
    ctx.equal("PROLONG-EXTENDS", made["until"] + 7 * DAY, (ctx.order(oid) or {}).get("until"), "until after prolong")
    ctx.equal("PROLONG-EXTENDS", before - sh.price(service, "week", 1), ctx.s.balance(), "balance after prolong")
    row = fields("14 days before until")
    until = row.get("until", made["until"] + 7 * DAY)
    ctx.s.set_clock(until - 3 * DAY)
    fields("3 days before until")
    before = ctx.s.balance()
    ctx.ok("PROLONG-DAYS", ctx.call("prolong_max", id=oid, dtype="day", dcount=3), "prolong_max by 3 days")
    ctx.equal("PROLONG-DAYS", until + 3 * DAY, (ctx.order(oid) or {}).get("until"), "until after prolong_max 3 days")
    ctx.equal("PROLONG-DAYS", before - sh.price(service, "day", 3), ctx.s.balance(), "balance after prolong_max")
    row = fields("6 days before until")
    room = row.get("canprolongmax", 0)
    cap = ctx.p.max_rental_days
    if cap and room + 1 > cap:  # the dialect's cap would refuse first: come within the cap of the lease limit
        row = ctx.prolong_to_lease(oid, "PROLONG-LEASE", f"canprolongmax = {room} days", leave=cap - 1)
        ctx.s.set_clock(row.get("until", 0) - DAY)
        row = fields("a day before until, within the cap of the lease limit")
        room = row.get("canprolongmax", 0)
    before = ctx.s.balance()
    ctx.refused("PROLONG-LEASE", ctx.call("prolong_max", id=oid, dtype="day", dcount=room + 1),
                f"prolong_max by canprolongmax + 1 = {room + 1} days")
    ctx.equal("PROLONG-LEASE", before, ctx.s.balance(), "balance after the refused prolong_max")
    if room >= 1:
        row = ctx.prolong_to_lease(oid, "PROLONG-LEASE", f"canprolongmax = {room} days")
        ctx.s.set_clock(row.get("until", 0) - DAY)
        fields("a day before until, the lease used up")


@scenario("STATE-LOST", "PROLONG-LOST", "DELETE-LOST-REFUND", "CANPROLONG-FIELDS", needs=TIMED + ("balance",))
def lost_number(ctx: Ctx) -> None:
    """A number lost by its provider (state −1): no activate, no prolong, unused days refunded."""
    sh = shop(ctx, "STATE-LOST")
    service = sh.plain[0]
    made = rent(ctx, sh, service, "week", 2, rule="STATE-LOST")
    oid = made["id"]
    ctx.s.advance(DAY + 5)
    ctx.s.set_state(oid, LOST)
    ctx.refused_as("STATE-LOST", ctx.call("activate", id=oid), "ORDER_LOST", what="activate in state −1")
    ctx.equal("STATE-LOST", LOST, _state(ctx, oid, "STATE-LOST"), "state after activate in state −1")
    ctx.s.set_clock(made["until"] - PROLONG_WINDOW + DAY)
    ctx.refused_as("PROLONG-LOST", ctx.call("prolong", id=oid, dtype="week", dcount=1), "PROLONG_LOST",
                   what="prolong in state −1")
    row = ctx.order(oid) or {}
    ctx.equal("CANPROLONG-FIELDS", False, row.get("canprolong"), "canprolong in state −1")
    ctx.s.advance(3600)  # part of a day used: only whole unused days come back
    before, now = ctx.s.balance(), ctx.s.now()
    ctx.ok("DELETE-LOST-REFUND", ctx.call("delete", id=oid))
    paid = sh.price(service, "week", 2)
    refund = min(cents(sh.offers[service].price_day * unused_days(now, made["until"])), paid) \
        if ctx.p.refunds(LOST) else 0
    ctx.equal("DELETE-LOST-REFUND", before + refund, ctx.s.balance(),
              f"balance after deleting a lost number ({ctx.p.refund} policy)")


@scenario("ISOLATION-READ", "ISOLATION-WRITE", "IDS-UNIQUE", needs=("apikey", "spend", "alt"))
def isolation(ctx: Ctx) -> None:
    """Another account neither sees nor touches my orders, SMS or history."""
    sh = shop(ctx, "ISOLATION-READ")
    mine = rent(ctx, sh, sh.plain[0], rule="ISOLATION-READ")
    gone = rent(ctx, sh, sh.plain[1], rule="ISOLATION-READ")
    ctx.ok("ISOLATION-READ", ctx.call("delete", id=gone["id"]))
    theirs = rent(ctx, sh, sh.plain[0], rule="ISOLATION-READ", who="alt")
    ids = [mine.get("id"), gone.get("id"), theirs.get("id")]
    ctx.check("IDS-UNIQUE", len(set(ids)) == 3, "distinct ids across accounts", ids)
    seen = [o.get("id") for o in ctx.ok("ISOLATION-READ", ctx.call("orders", "alt")) or []]
    ctx.equal("ISOLATION-READ", [theirs.get("id")], seen, "ids in the other account's orders")
    hist = [h.get("orderId") for h in ctx.history("alt", skip=0, take=100)]
    ctx.equal("ISOLATION-READ", [], hist, "ids in the other account's history")
    ctx.refused("ISOLATION-READ", ctx.call("sms", "alt", id=mine["id"]), "sms of another account's order")
    row = ctx.order(mine["id"]) or {}
    for method, extra in (("activate", {}), ("prolong", {"dtype": "week", "dcount": 1}),
                          ("add_service_to_order", {"service": sh.plain[2], "pnumber": str(mine.get("ccode", "")).lstrip("+")
                                                    + str(mine.get("pnumber"))}),
                          ("delete", {})):
        ctx.refused("ISOLATION-WRITE", ctx.call(method, "alt", id=mine["id"], **extra),
                    f"{method} of another account's order")
    ctx.equal("ISOLATION-WRITE", row, ctx.order(mine["id"]) or {}, "the order after the other account's calls")
