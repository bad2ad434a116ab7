"""Archive and restore: history paging, the fee, every code of the table and the order of the checks."""
from decimal import Decimal

import pytest

from mockserver.core import errors as E
from mockserver.core import rental, restore
from mockserver.core.clock import DAY
from mockserver.core.errors import DomainError
from tests.conftest import KEY, OTHER, START, make_hub


def price(world, service, price_day, procent_days=0, procent=0):
    """Pin a RU offer's price and discount so each test's money is explicit."""
    offer = world.catalogue.own_offer("RU", service)  # the world's own copy (the catalogue is shared until then)
    offer.price_day, offer.procent_days, offer.procent = Decimal(price_day), procent_days, procent


def expired(world, service="opt59", days_after_end=0):
    """A RU order that ran its week and ended `days_after_end` days ago (opt59 priced 0.08/day)."""
    price(world, "opt59", "0.08")
    order = rental.create(world, KEY, "week", 1, "RU", [service])[0]
    world.advance(7 * DAY + days_after_end * DAY)
    assert not order.live
    return order


def codes(world, apikey, order_id):
    """(precalc refusal, restore refusal) or None for each."""
    out = []
    for fn in (restore.quote, restore.restore):
        try:
            fn(world, apikey, order_id)
            out.append(None)
        except DomainError as exc:
            out.append(exc.msg)
    return tuple(out)


def test_late_days_round_up_and_the_hold_ends_restores(shipped_catalogue):
    world = make_hub(shipped_catalogue, hold_days=60).worlds["default"]
    order = expired(world)
    world.advance(31 * DAY + 3600)  # 31 days and an hour late: 32 late days (rounded up)
    q = restore.quote(world, KEY, order.id)
    assert (q.outdays, q.price) == (32, Decimal("4.96"))  # 0.08·32 + 0.08·30
    world.advance(29 * DAY)  # past the 60-day hold: the number went back to stock
    before = world.accounts[KEY].balance
    assert codes(world, KEY, order.id) == (E.NOAVAILDAYS, E.NOAVAILDAYS)
    assert world.accounts[KEY].balance == before


def test_discount_applies_to_the_prepaid_month_not_to_late_days(world):
    order = expired(world)
    price(world, "opt59", "1.00", procent_days=30, procent=10)
    world.advance(4 * DAY)
    q = restore.quote(world, KEY, order.id)
    assert (q.outdays, q.price) == (4, Decimal("31.00"))  # 1.00·4 + 30·1.00·0.9


def test_restore_within_the_hold(world):
    order = expired(world)
    world.advance(2 * DAY + 60)
    q = restore.quote(world, KEY, order.id)
    assert (q.outdays, q.price) == (3, Decimal("2.64"))  # 0.08·3 + 0.08·30
    before = world.accounts[KEY].balance
    back = restore.restore(world, KEY, order.id)
    now = world.clock.now()
    assert back.id == order.id and back.live and back.state == 0 and back.until == now + 30 * DAY
    assert world.accounts[KEY].balance == before - Decimal("2.64")
    assert order.id in world.accounts[KEY].live
    assert world.accounts[KEY].ledger[-1].kind == "restore"


def test_codes_in_the_order_of_the_table(world):
    order = expired(world)
    # 1. unknown id
    assert codes(world, KEY, 999_999) == (E.NOREMOTEDATA, E.NOREMOTEDATA)
    # 2. another account's order (also beats every later check)
    assert codes(world, OTHER, order.id) == (E.NOTOWNER, E.NOT_THIS_USER)
    # 3. still running
    running = rental.create(world, KEY, "week", 1, "RU", ["opt16"])[0]
    assert codes(world, KEY, running.id) == (E.DATEDIFFINVERT, E.DATEDIFFINVERT)
    # 3'. closed by delete before its end
    deleted = rental.create(world, KEY, "week", 1, "RU", ["opt6"])[0]
    rental.delete(world, KEY, deleted.id)
    assert codes(world, KEY, deleted.id) == (E.DATEDIFFINVERT, E.DATEDIFFINVERT)
    # 5 before 6: service gone and number released -> service code wins
    services = world.catalogue.own_country("RU").offers
    saved = services.pop("opt59")
    world.advance(40 * DAY)
    assert codes(world, KEY, order.id) == (E.NOSERVICEDATA, E.SERVICE_NOT_FOUND)
    # 4 before 5: country gone too -> country code wins
    ru = world.catalogue.countries.pop("RU")
    assert codes(world, KEY, order.id) == (E.NOORDERCOUNTRY, E.NOORDERCOUNTRY)
    world.catalogue.countries["RU"] = ru
    services["opt59"] = saved
    # 6. number back in stock after the hold
    assert codes(world, KEY, order.id) == (E.NOAVAILDAYS, E.NOAVAILDAYS)


def test_lease_ending_within_30_days_is_noavaildays(world):
    order = expired(world)
    order.lease_until = world.clock.now() + 29 * DAY
    assert codes(world, KEY, order.id) == (E.NOAVAILDAYS, E.NOAVAILDAYS)
    order.lease_until = world.clock.now() + 30 * DAY
    assert codes(world, KEY, order.id)[0] is None


def test_balance_is_checked_by_restore_only(world):
    price(world, "opt46", "6")
    order = expired(world, service="opt46")  # paid 42; fee 6·0 + 6·30 = 180 > balance 58
    q = restore.quote(world, KEY, order.id)
    assert q.price == Decimal("180.00")
    balance = world.accounts[KEY].balance
    assert balance == Decimal("58.00")
    with pytest.raises(DomainError) as info:
        restore.restore(world, KEY, order.id)
    assert info.value.msg == E.BALANCE_NOT_ENOUGH and world.accounts[KEY].balance == balance
    assert not order.live


def test_history_pages_newest_closed_first(world):
    ids = []
    for service in ("opt1", "opt2", "opt3"):
        ids.append(rental.create(world, KEY, "week", 1, "RU", [service])[0].id)
        world.advance(DAY)
    for oid in ids:
        rental.delete(world, KEY, oid)
        world.advance(60)
    items = restore.history(world, KEY, 0, 10)
    assert [i.closure.order for i in items] == list(reversed(ids))
    assert [i.closure.order for i in restore.history(world, KEY, 1, 1)] == [ids[1]]
    assert restore.history(world, OTHER, 0, 10) == []
    first = items[-1].closure
    assert (first.begin, first.end, first.days) == (START, START + 7 * DAY, 7)


def test_restored_then_expired_again_adds_a_second_history_line(world):
    order = expired(world)
    restore.restore(world, KEY, order.id)
    world.advance(30 * DAY)
    lines = [i.closure.order for i in restore.history(world, KEY, 0, 10)]
    assert lines == [order.id, order.id]
    assert restore.history(world, KEY, 0, 10)[0].closure.days == 37
