"""Renting: create, create_multi, activate, prolong, add a service, delete, read SMS."""
from __future__ import annotations

from decimal import Decimal

from . import errors as E
from .catalogue import Country, Offer
from .clock import DAY
from .money import money, period_days, price_for_days
from .numbers import NumberExhausted, draw_mobile
from .orders import ACTIVATING, ACTIVE, LOST, NOT_ACTIVE, Order, Sms
from .world import World


def _country(world: World, code: str) -> Country:
    country = world.catalogue.countries.get(code)
    if country is None:
        raise E.DomainError(E.UNKNOWN_COUNTRY.format(code))
    return country


def _offer(country: Country, service: str) -> Offer:
    offer = country.offers.get(service)
    if offer is None:
        raise E.DomainError(E.UNKNOWN_SERVICE.format(service))
    return offer


# The live service refuses a single period longer than its guaranteed 90 days (docs/evidence.md W6); the
# reference page states the guarantee but no refusal, so documented and sdk worlds keep only the lease limit.
PERIOD_LIMITS = {"live": 90}


def _check_period(world: World, days: int) -> None:
    limit = PERIOD_LIMITS.get(world.config.dialect)
    if limit is not None and days > limit:
        raise E.refuse("PERIOD_LIMIT", days, limit)


def period_price(world: World, country: str, services: list[str], days: int) -> Decimal:
    """Price of `days` for `services` in `country`: each service's period price, summed."""
    land = _country(world, country)
    total = Decimal("0")
    for service in services:
        offer = _offer(land, service)
        total += price_for_days(offer.price_day, days, offer.procent_days, offer.procent)
    return money(total)


def _pick_provider(world: World, country: Country, offers: list[Offer], services: list[str],
                   provider: str | None, days: int) -> str:
    """Every check comes before the draw, so a refused call leaves the RNG (and so the world) as it was."""
    if provider is not None:
        if provider not in country.leases:
            raise E.DomainError(E.UNKNOWN_PROVIDER.format(provider, country.code))
        candidates = [provider]
    else:
        candidates = sorted(country.leases)
    usable = [p for p in candidates if all(o.stock.get(p, 0) > 0 for o in offers)]
    if not usable:
        raise E.DomainError(E.NO_NUMBERS.format(",".join(services), country.code))
    long_enough = [p for p in usable if country.leases[p] >= days]
    if not long_enough:
        raise E.DomainError(E.PERIOD_TOO_LONG.format(days, max(country.leases[p] for p in usable)))
    return world.rng.choice(long_enough)


def _number(world: World, country: Country, provider: str) -> tuple[str, str]:
    pool = world.pool.get((country.code, provider))
    while pool:
        full = pool.pop(world.rng.randrange(len(pool)))
        if full not in world.holders:
            return full, full[len(str(country.dial)):]
    try:
        return draw_mobile(country.iso, world.rng, world.holders)
    except NumberExhausted:
        raise E.DomainError(E.NO_NUMBERS.format(provider, country.code)) from None


def create(world: World, apikey: str, dtype: str, dcount: int, country: str, services: list[str],
           provider: str | None = None) -> list[Order]:
    """Rent one number for each of `services` (one order per service); debit, reserve, schedule."""
    with world.change() as now:
        account = world.account(apikey)
        if len(set(services)) != len(services):
            dup = next(s for s in services if services.count(s) > 1)
            raise E.DomainError(E.DUPLICATE_SERVICES.format(dup))
        if dtype == "day":
            raise E.DomainError(E.DAY_NOT_ALLOWED)
        days = period_days(dtype, dcount)
        _check_period(world, days)
        land = _country(world, country)
        offers = [_offer(land, s) for s in services]
        price = period_price(world, country, services, days)
        account.require(price)
        world.next_id(world, len(services))  # ids left for every order (bounds.py), before any change
        chosen = _pick_provider(world, land, offers, services, provider, days)
        lease_days = land.leases[chosen]
        full, national = _number(world, land, chosen)
        created = []
        for service, offer in zip(services, offers):
            order = Order(id=world.next_id(world), apikey=apikey, country=country, provider=chosen,
                          service=service, number=full, pnumber=national, ccode=land.ccode, begin=now,
                          until=now + days * DAY, lease_until=now + lease_days * DAY, days=days)
            world.catalogue.own_offer(country, service).stock[chosen] -= 1
            one = price_for_days(offer.price_day, days, offer.procent_days, offer.procent)
            account.debit(now, "create", one, order.id)
            world.open(order)
            if land.always_active:
                world.set_state(order, ACTIVE, now)
            created.append(order)
        return created


def activate(world: World, apikey: str, order_id: int) -> Order:
    """Ask the number to come online: 0 → 2, then 1 after the activation delay; 2 and 1 stay."""
    with world.change() as now:
        order = world.owned(apikey, order_id)
        if order.state == LOST:
            raise E.DomainError(E.ORDER_LOST)
        if order.state == NOT_ACTIVE:
            world.set_state(order, ACTIVATING, now)
            world.schedule(now + world.draw(world.config.activation_delay), "activated", order)
        return order


def prolong(world: World, apikey: str, order_id: int, dtype: str, dcount: int) -> Order:
    """Extend a running order by a period, inside the last 7 days and under the lease limit."""
    with world.change() as now:
        order = world.owned(apikey, order_id)
        account = world.account(apikey)
        if order.state == LOST:
            raise E.DomainError(E.PROLONG_LOST)
        if now >= order.until:
            raise E.DomainError(E.PROLONG_EXPIRED)
        if order.until - now >= 7 * DAY:
            raise E.DomainError(E.PROLONG_WINDOW)
        days = period_days(dtype, dcount)
        _check_period(world, days)
        if order.until + days * DAY > order.lease_until:
            raise E.DomainError(E.PROLONG_LIMIT.format(order.canprolongmax()))
        price = period_price(world, order.country, order.services, days)
        account.debit(now, "prolong", price, order.id)
        order.until += days * DAY
        order.days += days
        world.schedule(order.until, "expire", order)
        return order


def add_service(world: World, apikey: str, order_id: int, service: str, pnumber: str,
                rent_days: int | None = None) -> Order:
    """Let the order's number receive another service's SMS, paying its price_day for the days left."""
    with world.change() as now:
        order = world.owned(apikey, order_id)
        account = world.account(apikey)
        if pnumber.lstrip("+") != order.number:
            raise E.DomainError(E.PNUMBER_MISMATCH)
        if order.state == LOST:
            raise E.DomainError(E.ORDER_LOST)
        offer = _offer(_country(world, order.country), service)
        siblings = [world.orders[i] for i in world.holders.get(order.number, ()) if world.orders[i].live]
        if any(service in o.services for o in siblings if o.apikey == apikey):
            raise E.DomainError(E.SERVICE_ON_ORDER.format(service))
        days = rent_days if rent_days is not None else -(-(order.until - now) // DAY)
        account.debit(now, "add_service", money(offer.price_day * days), order.id)
        order.extra_services.append(service)
        return order


def delete(world: World, apikey: str, order_id: int) -> tuple[Order, Decimal]:
    """Close an order into the archive; refund unused whole days as the world's policy says."""
    with world.change() as now:
        order = world.owned(apikey, order_id)
        account = world.account(apikey)
        refund = Decimal("0")
        policy = world.config.refund
        if policy == "unused" or (policy == "lost_only" and order.state == LOST):
            refund = refund_due(world, order, now)
            account.can_hold(refund)  # refused before anything changes
        world.close(order, now, deleted=True)
        if refund > 0:
            account.credit(now, "refund", refund, order.id)
        return order, refund


def refund_due(world: World, order: Order, now: int) -> Decimal:
    """Unused whole days at today's base price, never more than was paid for the order."""
    land = world.catalogue.countries.get(order.country)
    offer = land.offers.get(order.service) if land else None
    if offer is None:
        return Decimal("0")
    unused = (order.until - now) // DAY
    account = world.accounts[order.apikey]
    paid = sum((e.amount for e in account.ledger if e.order == order.id and e.kind != "refund"), Decimal("0"))
    refunded = sum((e.amount for e in account.ledger if e.order == order.id and e.kind == "refund"), Decimal("0"))
    return money(min(offer.price_day * unused, paid - refunded))


def read_sms(world: World, apikey: str, order_id: int) -> tuple[list[Sms], list[Sms]]:
    """The order's SMS and the number's other services' SMS; marks the order's own as read."""
    with world.change():
        order = world.owned(apikey, order_id, live_only=False)
        own, other = world.own_sms(order)
        # an SMS once read stays read: only the unread ones change below, so only they need copying
        snapshot = [s if s.read else Sms(s.text, s.sender, s.date, s.service, s.apikey) for s in own]
        for sms in own:
            sms.read = True
        return snapshot, other
