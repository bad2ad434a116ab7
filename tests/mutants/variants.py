"""Deliberately broken variants of the mock, one rule each: a text replacement in one file of a copy of the
project tree. `python -m tests.mutants.run` applies each to a copy, serves it and runs `rent-mock conform`."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    """One plausible bug: in `path`, `old` (found exactly once) becomes `new`; it breaks rule `rule`."""

    id: str
    rule: str
    path: str
    old: str
    new: str
    bug: str


M, R, W, O, RS, S, V = ("mockserver/core/money.py", "mockserver/core/rental.py", "mockserver/core/world.py",
                        "mockserver/core/orders.py", "mockserver/core/restore.py", "mockserver/core/supply.py",
                        "mockserver/http/order_views.py")

VARIANTS: tuple[Variant, ...] = (
    # price
    Variant("M01", "PRICE-PERIOD", M, '"month": 30}', '"month": 31}', "a month priced as 31 days"),
    Variant("M02", "PRICE-DISCOUNT", M, "days >= procent_days", "days > procent_days",
            "the discount starts a day after procent_days"),
    Variant("M03", "PRICE-QUOTE", M, "amount.quantize(CENT, rounding=ROUND_HALF_UP)",
            "amount.quantize(CENT, rounding='ROUND_DOWN')", "money truncated instead of rounded half-up"),
    Variant("M04", "PRICE-MULTI", R, '            account.debit(now, "create", one, order.id)',
            '            if service == services[0]:\n                account.debit(now, "create", one, order.id)',
            "create_multi charges only the first service"),
    Variant("M05", "PRICE-ADD-SERVICE", R, "else -(-(order.until - now) // DAY)", "else (order.until - now) // DAY",
            "add_service_to_order rounds the days left down"),
    Variant("M06", "PRICE-NO-DEBT", "mockserver/core/accounts.py", "if self.balance < amount:",
            "if self.balance < amount - 1:", "a unit of debt allowed"),
    # period
    Variant("M07", "PERIOD-LEASE", R, "long_enough = [p for p in usable if country.leases[p] >= days]",
            "long_enough = usable", "rentals longer than the lease accepted"),
    Variant("M08", "LEASE-90", R, "lease_until=now + lease_days * DAY", "lease_until=now + (lease_days - 60) * DAY",
            "the lease limit 60 days short"),
    # prolong
    Variant("M09", "PROLONG-WINDOW", R, "if order.until - now >= 7 * DAY:", "if order.until - now > 7 * DAY:",
            "prolong allowed at exactly 7 days left"),
    Variant("M10", "PROLONG-EXTENDS", R, "        order.until += days * DAY\n",
            "        order.until = now + days * DAY\n", "prolong counts from now instead of until"),
    Variant("M11", "PROLONG-LEASE", R, "if order.until + days * DAY > order.lease_until:",
            "if order.until > order.lease_until:", "prolong past the lease limit accepted"),
    Variant("M12", "PROLONG-LOST", R, "raise E.DomainError(E.PROLONG_LOST)", "pass",
            "a lost number can be prolonged"),
    Variant("M13", "CANPROLONG-FIELDS", O, "self.until - now < PROLONG_WINDOW", "self.until - now <= PROLONG_WINDOW",
            "canprolong true at exactly 7 days left"),
    Variant("M14", "PROLONG-DAYS", M, '{"day": 1,', '{"day": 2,', "prolong_max by days counts each day twice"),
    # state
    Variant("M15", "STATE-CREATE", R, "until=now + days * DAY,", "until=now + days * DAY + 60,",
            "until a minute late"),
    Variant("M16", "STATE-ACTIVATE", R, "order.set_state(ACTIVATING, now)", "order.set_state(ACTIVE, now)",
            "activate skips state 2"),
    Variant("M17", "STATE-DELAY", R, 'world.schedule(now + world.draw(world.config.activation_delay), "activated"',
            'world.schedule(now + world.draw(world.config.activation_delay) // 2, "activated"',
            "activation twice as fast as its window"),
    Variant("M18", "STATE-WINDOW", W, "self.schedule(at + self.draw(self.config.active_window)",
            "self.schedule(at + 2 * self.draw(self.config.active_window)", "online twice as long as its window"),
    Variant("M19", "STATE-LASTONLINE", O, "return now if self.state == ACTIVE else self.lastonline",
            "return self.lastonline", "lastonline frozen at the moment it came online"),
    Variant("M20", "STATE-REACTIVATE", R, "        if order.state == NOT_ACTIVE:\n            order.set_state(ACTIVATING",
            "        if order.state in (NOT_ACTIVE, ACTIVE):\n            order.set_state(ACTIVATING",
            "activate in state 1 starts over"),
    Variant("M21", "STATE-LOST", R,
            "        if order.state == LOST:\n            raise E.DomainError(E.ORDER_LOST)\n        if order.state == NOT",
            "        if order.state == NOT", "a lost number can be activated"),
    # sms
    Variant("M22", "SMS-ACTIVE-ONLY", S, "if order.state != ACTIVE:", "if order.state == LOST:",
            "SMS delivered to inactive numbers"),
    Variant("M23", "SMS-HASNEW", R, "            sms.read = True", "            sms.read = False",
            "reading SMS does not mark them read"),
    Variant("M24", "SMS-LIST", V, '"date": s.date}', '"date": s.date + 3600}', "SMS dated an hour late"),
    # delete
    Variant("M25", "DELETE-NO-REFUND", R,
            'if policy == "unused" or (policy == "lost_only" and order.state == LOST):',
            'if policy != "never":', "every delete refunds unused days"),
    Variant("M26", "DELETE-LOST-REFUND", R, "unused = (order.until - now) // DAY",
            "unused = -(-(order.until - now) // DAY)", "the refund rounds unused days up"),
    Variant("M27", "DELETE-CLOSES", R, "world.close(order, now, deleted=True)",
            "world.close(order, order.until, deleted=True)", "a deleted order closed at until, not now"),
    # expiry, hold
    Variant("M28", "EXPIRY-AT-UNTIL", W, "self.close(order, at, deleted=False)",
            "self.close(order, at + 1, deleted=False)", "expiry recorded a second late"),
    Variant("M29", "HOLD-OVER", W, "order.held_until = at + self.config.hold_days * DAY",
            "order.held_until = at + (self.config.hold_days + 1) * DAY", "the hold a day too long"),
    Variant("M30", "HOLD-RESTORABLE", RS, "now >= order.held_until", "now + DAY >= order.held_until",
            "the hold a day too short"),
    # restore
    Variant("M31", "RESTORE-FEE", RS, "outdays = max(0, -(-(now - order.end) // DAY))",
            "outdays = max(0, (now - order.end) // DAY)", "late days rounded down"),
    Variant("M32", "RESTORE-FEE", M,
            "return money(price_day * outdays) + price_for_days(price_day, RESTORE_PREPAID_DAYS, procent_days, procent)",
            "return price_for_days(price_day, outdays + RESTORE_PREPAID_DAYS, procent_days, procent)",
            "late days discounted like the prepaid ones"),
    Variant("M33", "RESTORE-DOES", RS, "order.until = now + RESTORE_PREPAID_DAYS * DAY",
            "order.until = order.end + RESTORE_PREPAID_DAYS * DAY", "restored until counted from the old end"),
    Variant("M34", "RESTORE-NOTOWNER", RS, "return E.NOT_THIS_USER if restore_codes else E.NOTOWNER",
            "return E.NOREMOTEDATA", "another's order answered as unknown"),
    Variant("M35", "RESTORE-ORDER", RS,
            "    if order.apikey != apikey:\n        return E.NOT_THIS_USER if restore_codes else E.NOTOWNER\n"
            "    if order.live or order.deleted:\n        return E.DATEDIFFINVERT\n",
            "    if order.live or order.deleted:\n        return E.DATEDIFFINVERT\n"
            "    if order.apikey != apikey:\n        return E.NOT_THIS_USER if restore_codes else E.NOTOWNER\n",
            "the running check before the owner check"),
    Variant("M36", "RESTORE-COUNTRY", RS, "        return E.NOORDERCOUNTRY", "        return E.NOSERVICEDATA",
            "a gone country answered as a gone service"),
    Variant("M37", "RESTORE-LEASE-LEFT", RS, "order.lease_until - now < MIN_LEASE_LEFT", "order.lease_until - now < 0",
            "restore allowed with the lease nearly over"),
    Variant("M38", "RESTORE-BALANCE", RS, "if account.balance < offer.price:\n            raise E.DomainError(E.BALANCE_NOT_ENOUGH)",
            "if account.balance < offer.price:\n            raise E.DomainError(E.NO_BALANCE.format(1, 0))",
            "a poor restore refused with a non-reference message"),
    Variant("M39", "RESTORE-RUNNING", RS, "if order.live or order.deleted:", "if order.live:",
            "orders closed by delete can be restored"),
    Variant("M40", "RESTORE-UNKNOWN", RS, "        return E.NOREMOTEDATA", "        return E.ORDER_NOT_FOUND",
            "an unknown id answered with our own phrase"),
    Variant("M41", "RESTORE-SERVICE", RS, "return E.SERVICE_NOT_FOUND if restore_codes else E.NOSERVICEDATA",
            "return E.NOORDERCOUNTRY", "a gone service answered as a gone country"),
    # history
    Variant("M42", "HISTORY-ORDER", RS, "ids = list(reversed(account.archive))", "ids = list(account.archive)",
            "history oldest first"),
    Variant("M43", "HISTORY-PAGING", V, 'call.get("take", 10)', 'call.get("take", 12)', "take defaults to 12"),
    Variant("M44", "HISTORY-FIELDS", R, "lease_until=now + lease_days * DAY, days=days)",
            "lease_until=now + lease_days * DAY, days=days + 1)", "history counts a day too many"),
    # ids, isolation
    Variant("M45", "IDS-UNIQUE", "mockserver/core/hub.py", "else next(self._ids)",
            "else next(self._ids) - (1 if len(self.by_order) % 5 == 4 else 0)", "every fifth id reused"),
    Variant("M46", "ISOLATION-READ", R, "order = world.owned(apikey, order_id, live_only=False)",
            "order = world.orders[order_id]", "anyone's SMS can be read"),
    Variant("M47", "ISOLATION-WRITE", R,
            "        order = world.owned(apikey, order_id)\n        if order.state == LOST:\n"
            "            raise E.DomainError(E.ORDER_LOST)\n        if order.state == NOT",
            "        order = world.orders[order_id]\n        if order.state == LOST:\n"
            "            raise E.DomainError(E.ORDER_LOST)\n        if order.state == NOT",
            "anyone can activate any order"),
)
