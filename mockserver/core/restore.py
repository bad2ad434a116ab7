"""The archive: history paging, restore precalculation and restore, with the reference's codes in order."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from . import errors as E
from .clock import DAY
from .money import RESTORE_PREPAID_DAYS, restore_fee
from .orders import ACTIVE, NOT_ACTIVE, Order
from .world import Closure, World

MIN_LEASE_LEFT = RESTORE_PREPAID_DAYS * DAY


@dataclass
class Quote:
    """What restoring an archived order costs, and why."""

    order: Order
    price: Decimal
    outdays: int
    sname: str


@dataclass
class HistoryItem:
    """One archive line with what the wire needs beside the closure."""

    closure: Closure
    order: Order
    have_sms: bool
    restorable: bool


def history(world: World, apikey: str, skip: int = 0, take: int = 10) -> list[HistoryItem]:
    """The account's archive, newest `closed` first, `take` items after `skip`."""
    with world.lock:
        now = world.now()
        account = world.account(apikey)
        ids = list(reversed(account.archive))
        items = []
        for oid in ids[skip:skip + take]:
            order = world.orders[oid]
            closure = world.closures[oid]
            own, _ = world.own_sms(order)
            restorable = _refusal(world, apikey, oid, now, restore_codes=False) is None
            items.append(HistoryItem(closure, order, bool(own), restorable))
        return items


def _refusal(world: World, apikey: str, order_id: int, now: int, restore_codes: bool) -> str | None:
    """The first failing check of the restore table, as precalc (codes) or restore (phrases) says it."""
    order = world.orders.get(order_id)
    if order is None:
        return E.NOREMOTEDATA
    if order.apikey != apikey:
        return E.NOT_THIS_USER if restore_codes else E.NOTOWNER
    if order.live or order.deleted:
        return E.DATEDIFFINVERT
    country = world.catalogue.countries.get(order.country)
    if country is None:
        return E.NOORDERCOUNTRY
    if order.service not in country.offers:
        return E.SERVICE_NOT_FOUND if restore_codes else E.NOSERVICEDATA
    released = order.held_until is None or now >= order.held_until or order.number not in world.holders
    if released or order.lease_until - now < MIN_LEASE_LEFT:
        return E.NOAVAILDAYS
    return None


def _quote(world: World, apikey: str, order_id: int, now: int, restore_codes: bool) -> Quote:
    world.account(apikey)
    refusal = _refusal(world, apikey, order_id, now, restore_codes)
    if refusal:
        raise E.DomainError(refusal)
    order = world.orders[order_id]
    offer = world.catalogue.countries[order.country].offers[order.service]
    outdays = max(0, -(-(now - order.end) // DAY))
    price = restore_fee(offer.price_day, outdays, offer.procent_days, offer.procent)
    return Quote(order, price, outdays, world.catalogue.services[order.service].name)


def quote(world: World, apikey: str, order_id: int) -> Quote:
    """Check an archived order can be restored; tell the fee (late days + 30 days prepaid)."""
    with world.lock:
        return _quote(world, apikey, order_id, world.now(), restore_codes=False)


def restore(world: World, apikey: str, order_id: int) -> Order:
    """Restore an archived order: debit the fee, back to `orders` with until = now + 30 days."""
    with world.change() as now:
        offer = _quote(world, apikey, order_id, now, restore_codes=True)
        account = world.accounts[apikey]
        if account.balance < offer.price:
            raise E.DomainError(E.BALANCE_NOT_ENOUGH)
        order = offer.order
        account.debit(now, "restore", offer.price, order.id)
        order.closed = order.end = order.held_until = None
        order.until = now + RESTORE_PREPAID_DAYS * DAY
        order.days += RESTORE_PREPAID_DAYS
        country = world.catalogue.countries[order.country]
        order.set_state(NOT_ACTIVE, now)
        world.open(order)
        if country.always_active:
            world.set_state(order, ACTIVE, now)
        return order
