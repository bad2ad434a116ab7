"""Deliberately broken variants of the mock, one rule each: a text replacement in one file of a copy of the
project tree. `python -m tests.mutants.run` applies each to a copy, serves it and runs `rent-mock conform`."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    """One plausible bug: in `path`, `old` (found exactly once) becomes `new`; it breaks rule `rule`. `dialects`:
    where a client can tell it apart (empty: every dialect); elsewhere it is equivalent and not counted."""

    id: str
    rule: str
    path: str
    old: str
    new: str
    bug: str
    dialects: tuple[str, ...] = ()

    def visible_in(self, dialect: str) -> bool:
        """True when a client of `dialect` can tell this variant from the mock."""
        return not self.dialects or dialect in self.dialects


M, R, W, O, RS, S, V, C, A, H, K, E = ("mockserver/core/money.py", "mockserver/core/rental.py", "mockserver/core/world.py",
                        "mockserver/core/orders.py", "mockserver/core/restore.py", "mockserver/core/supply.py",
                        "mockserver/http/order_views.py", "mockserver/http/catalog_views.py",
                        "mockserver/http/account.py", "mockserver/http/rent.py", "mockserver/core/catalogue.py",
                        "mockserver/core/errors.py")

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
            "long_enough = usable", "rentals longer than the lease accepted",
            dialects=("documented", "sdk")),
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
    Variant("M16", "STATE-ACTIVATE", R, "world.set_state(order, ACTIVATING, now)", "world.set_state(order, ACTIVE, now)",
            "activate skips state 2"),
    Variant("M17", "STATE-DELAY", R, 'world.schedule(now + world.draw(world.config.activation_delay), "activated"',
            'world.schedule(now + world.draw(world.config.activation_delay) // 2, "activated"',
            "activation twice as fast as its window"),
    Variant("M18", "STATE-WINDOW", W, "self.schedule(at + self.draw(self.config.active_window)",
            "self.schedule(at + 2 * self.draw(self.config.active_window)", "online twice as long as its window"),
    Variant("M19", "STATE-LASTONLINE", O, "return now if self.state == ACTIVE else self.lastonline",
            "return self.lastonline", "lastonline frozen at the moment it came online"),
    Variant("M20", "STATE-REACTIVATE", R, "        if order.state == NOT_ACTIVE:\n            world.set_state(order, ACTIVATING",
            "        if order.state in (NOT_ACTIVE, ACTIVE):\n            world.set_state(order, ACTIVATING",
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
    # the model's areas: stock, FAST countries, SMS routing, worlds, number forms, texts, the account API,
    # the catalogue views (the first four are the kinds issue 18 names; every variant here is ours)
    Variant("N01", "STOCK-TAKEN", R, "own_offer(country, service).stock[chosen] -= 1",
            "own_offer(country, service).stock[chosen] -= 0",
            "create does not take the number out of stock"),
    Variant("N02", "STATE-FAST", R, "            if land.always_active:\n                world.set_state(order, ACTIVE, now)",
            "            if False:\n                world.set_state(order, ACTIVE, now)", "a FAST country's order starts in 0"),
    Variant("N03", "SMS-OTHER", W, "(own if sms.service in services else other).append(sms)", "own.append(sms)",
            "an SMS for another service of the number lands in the order's own list"),
    Variant("N04", "WORLD-SCOPE", H, "    if world_name and world is not None and world is not scope:\n        world = None",
            "    if world_name and world is not None and world is not scope:\n        pass",
            "an apikey of another world served under /w/<world>/"),
    Variant("N05", "NUMBER-FORM", K, '            return full, ""', "            return full, self.ccode",
            "a full-form country's number written with its dial code twice (live)",
            dialects=("live",)),
    Variant("N06", "TEXT-DIALECT", E, '    if dialect == "live" and exc.key in LIVE_TEXTS:',
            '    if dialect == "sdk" and exc.key in LIVE_TEXTS:', "the live words said in the sdk dialect, ours in live",
            dialects=("live", "sdk")),
    Variant("N07", "ACCOUNT-API", A, 'balance = f"{money(account.balance):.2f}"',
            'balance = f"{money(account.balance):.1f}"', "the account API's balance to one decimal"),
    Variant("N08", "SMS-CLOSED", R, "order = world.owned(apikey, order_id, live_only=False)",
            "order = world.owned(apikey, order_id)", "an archived order's SMS no longer readable"),
    Variant("N09", "STOCK-TAKEN", C, "return {code: sum(offer.stock.values()) for code, _, offer in",
            "return {code: max(offer.stock.values()) for code, _, offer in", "getcount shows the largest provider's stock"),
    Variant("N10", "STOCK-TAKEN", C, "sum(min(o.stock.get(p, 0) for o in offers) for p in country.leases)",
            "sum(max(o.stock.get(p, 0) for o in offers) for p in country.leases)",
            "get_count_multi counts the most plentiful service, not the scarcest"),
    Variant("N11", "HISTORY-FIELDS", V, "return names.index(order.provider) + 1 if", "return names.index(order.provider) if",
            "history's branchId counts providers from 0"),
    Variant("N12", "PRICE-ADD-SERVICE", R, "if any(service in o.services for o in siblings if o.apikey == apikey):",
            "if any(service in o.extra_services for o in siblings if o.apikey == apikey):",
            "a service the number already has can be added (and paid) again"),
    Variant("N13", "STOCK-TAKEN", W, "stock[order.provider] = stock.get(order.provider, 0) + 1",
            "stock[order.provider] = stock.get(order.provider, 0)",
            "a number never returns to stock after its hold or a delete"),
    Variant("N14", "STOCK-TAKEN", W, "        lost = order.state == LOST\n", "        lost = False\n",
            "a lost number returns to stock"),
    Variant("N15", "WORLD-SCOPE", A, "if world is None or (world_name and world.name != world_name):",
            "if world is None:", "the account API serves another world's apikey under /w/<world>/"),
    Variant("N16", "PROLONG-EXTENDS", R, "period_price(world, order.country, order.services, days)",
            "period_price(world, order.country, [order.service], days)",
            "prolong charges only the main service, not those added"),
    Variant("N17", "STATE-FAST", RS, "        if country.always_active:\n            world.set_state(order, ACTIVE, now)",
            "        if False:\n            world.set_state(order, ACTIVE, now)", "a restored order of a FAST country comes back in state 0"),
    Variant("N18", "HOLD-RESTORABLE", V, 'row["isAvailForRestore"] = item.restorable',
            'row["isAvailForRestore"] = not item.closure.deleted', "history says expired orders are restorable forever",
            dialects=("live", "sdk")),
    Variant("N19", "SMS-OTHER", V, "    return [_sms(s) for s in own]\n", "    return [_sms(s) for s in own + other]\n",
            "documented sms lists the number's other services' SMS as the order's own",
            dialects=("documented",)),
    Variant("N20", "PERIOD-MAX-90", R, 'PERIOD_LIMITS = {"live": 90}', 'PERIOD_LIMITS = {"live": 91}',
            "the live dialect accepts 91 days",
            dialects=("live",)),
    Variant("N21", "CATALOGUE-VIEWS", C, '"phoneAmount": sum(offer.stock.values())}',
            '"phoneAmount": sum(offer.stock.values()) + 1}', "get_country_by_service counts one number too many"),
    Variant("N22", "SMS-HASNEW", V, "    own, _ = world.own_sms(order)\n    service =",
            "    own = sum(world.own_sms(order), [])\n    service =", "hasnewsms also counts other services' SMS"),
    Variant("N23", "STOCK-TAKEN", C, '"totalAmount": sum(s["totalCount"] for s in services)',
            '"totalAmount": len(services)', "getdataWithProviders' totalAmount counts services, not numbers"),
    Variant("N24", "STOCK-TAKEN", R, "        candidates = [provider]\n", "        candidates = sorted(country.leases)\n",
            "the asked provider ignored (the number comes from any provider)"),
    Variant("N25", "HISTORY-FIELDS", RS, "        order.days += RESTORE_PREPAID_DAYS\n", "",
            "a restore's 30 days missing from history's days"),
    Variant("N26", "UNNAMED", V, '"sname": service.name if service else order.service',
            '"sname": order.service', "orders names the service by its code (a field no rule speaks of)"),
)
