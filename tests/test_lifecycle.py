"""Domain unit tests on a manual clock: each transition of an order and the money it moves."""
from decimal import Decimal

import pytest

from mockserver.core import errors as E
from mockserver.core import rental, supply
from mockserver.core.clock import DAY
from mockserver.core.errors import DomainError
from mockserver.core.numbers import is_mobile
from tests.conftest import KEY, OTHER, START, make_hub


def rent(world, service="opt16", dtype="week", dcount=1, country="RU", provider=None):
    return rental.create(world, KEY, dtype, dcount, country, [service], provider)[0]


def refused(msg, fn, *args):
    with pytest.raises(DomainError) as info:
        fn(*args)
    assert info.value.msg == msg


def test_create_debits_reserves_and_starts_inactive(world):
    offer = world.catalogue.own_offer("RU", "opt16")  # the world's own copy, as a rental makes it
    stock_before = dict(offer.stock)
    order = rent(world)
    assert world.accounts[KEY].balance == Decimal("100") - Decimal("3.43")  # RU opt16: 0.49/day · 7
    assert order.state == 0 and order.until == START + 7 * DAY and order.begin == START
    assert order.ccode == "+7" and order.number == "7" + order.pnumber and is_mobile(order.number)
    assert sum(offer.stock.values()) == sum(stock_before.values()) - 1
    assert offer.stock[order.provider] == stock_before[order.provider] - 1
    assert order.lease_until == START + world.catalogue.countries["RU"].leases[order.provider] * DAY


def test_refusals_change_nothing(world):
    account = world.accounts[KEY]
    stock = {k: dict(v.stock) for k, v in world.catalogue.countries["RU"].offers.items()}
    refused(E.UNKNOWN_COUNTRY.format("XX"), rental.create, world, KEY, "week", 1, "XX", ["opt16"])
    refused(E.UNKNOWN_SERVICE.format("opt999"), rental.create, world, KEY, "week", 1, "RU", ["opt999"])
    refused(E.UNKNOWN_PROVIDER.format("Nope", "RU"), rental.create, world, KEY, "week", 1, "RU", ["opt16"], "Nope")
    refused(E.NO_BALANCE.format("885.6", 100), rental.create, world, KEY, "month", 2, "RU", ["opt46"])  # 14.76 · 60
    refused(E.DUPLICATE_SERVICES.format("opt16"), rental.create, world, KEY, "week", 1, "RU", ["opt16", "opt16"])
    refused(E.BAD_APIKEY, rental.create, world, "nobody", "week", 1, "RU", ["opt16"])
    assert account.balance == Decimal("100") and len(account.ledger) == 1 and not world.orders
    assert {k: dict(v.stock) for k, v in world.catalogue.countries["RU"].offers.items()} == stock


def test_no_stock_is_refused(world):
    offer = world.catalogue.own_offer("RU", "opt16")
    for p in offer.stock:
        offer.stock[p] = 0
    refused(E.NO_NUMBERS.format("opt16", "RU"), rent, world)


def test_period_longer_than_lease_is_refused(world):
    world.accounts[KEY].credit(START, "topup", Decimal("10000"))
    lease = max(world.catalogue.countries["RU"].leases.values())
    months = lease // 30 + 1
    with pytest.raises(DomainError) as info:
        rental.create(world, KEY, "month", months, "RU", ["opt59"])
    assert info.value.msg.startswith(f"Period of {months * 30} days exceeds")


def test_activation_delay_then_active_window_then_inactive(hub):
    world = hub.worlds["default"]
    world.config.activation_delay, world.config.active_window = (700, 700), (1000, 1000)
    order = rent(world)
    rental.activate(world, KEY, order.id)
    assert order.state == 2
    world.advance(699)
    assert order.state == 2
    world.advance(1)
    assert order.state == 1
    world.advance(999)
    assert order.state == 1
    world.advance(1)
    assert order.state == 0 and order.lastonline == START + 1700


def test_default_delays_are_within_the_documented_ranges(world):
    order = rent(world)
    rental.activate(world, KEY, order.id)
    world.advance(599)
    assert order.state == 2          # activation takes at least 10 minutes
    world.advance(301)
    assert order.state == 1          # and at most 15
    world.advance(299)
    assert order.state == 1          # active at least 10 minutes (from ≤ 15 min on)
    world.advance(1800)
    assert order.state == 0          # and at most 30


def test_activate_while_activating_or_active_is_harmless(hub):
    world = hub.worlds["default"]
    world.config.activation_delay = (600, 600)
    order = rent(world)
    rental.activate(world, KEY, order.id)
    world.advance(300)
    rental.activate(world, KEY, order.id)  # must not restart the delay
    world.advance(300)
    assert order.state == 1
    token = order.token
    rental.activate(world, KEY, order.id)
    assert order.state == 1 and order.token == token


def test_fast_country_is_active_from_the_start_and_stays(world):
    order = rent(world, country="DE", service="opt29")  # DE is FAST (evidence C4)
    assert order.state == 1
    world.advance(3 * DAY)
    assert order.state == 1
    assert supply.send_sms(world, order.id, "code 1").delivered


def test_sms_only_reaches_an_active_number(hub):
    world = hub.worlds["default"]
    world.config.activation_delay = (600, 600)
    order = rent(world)
    lost = supply.send_sms(world, order.id, "too early")
    assert not lost.delivered and lost.reason == E.NOT_ACTIVE_NUMBER.format(0)
    rental.activate(world, KEY, order.id)
    world.advance(600)
    got = supply.send_sms(world, order.id, "Code Instagram: 671 094.", "FACEBOOK")
    assert got.delivered
    assert any(not s.read for s in world.own_sms(order)[0])
    own, other = rental.read_sms(world, KEY, order.id)
    assert [(s.text, s.sender, s.date) for s in own] == [("Code Instagram: 671 094.", "FACEBOOK", START + 600)]
    assert other == [] and all(s.read for s in world.own_sms(order)[0])


def test_prolong_only_in_the_last_seven_days(world):
    order = rent(world)  # 7 days: exactly 7 days left is not "less than 7"
    assert not order.canprolong(world.clock.now())
    refused(E.PROLONG_WINDOW, rental.prolong, world, KEY, order.id, "week", 1)
    world.advance(1)
    assert order.canprolong(world.clock.now())
    before = world.accounts[KEY].balance
    rental.prolong(world, KEY, order.id, "week", 2)
    assert world.accounts[KEY].balance == before - Decimal("6.86")  # 0.49 · 14, no discount under 30 days
    assert order.until == START + 21 * DAY and order.days == 21
    world.advance(7 * DAY)  # the first expiry moment passes: the order still runs
    assert order.live


def test_prolong_max_by_days_and_the_lease_limit(world):
    world.accounts[KEY].credit(START, "topup", Decimal("1000"))
    order = rent(world)
    world.advance(6 * DAY)
    rental.prolong(world, KEY, order.id, "day", 3)
    assert order.until == START + 10 * DAY
    room = order.canprolongmax()
    assert room == (order.lease_until - order.until) // DAY
    refused(E.PROLONG_LIMIT.format(room), rental.prolong, world, KEY, order.id, "day", room + 1)


def test_lost_number_cannot_prolong_or_activate(world):
    order = rent(world)
    supply.force_state(world, order.id, -1)
    world.advance(6 * DAY)
    assert not order.canprolong(world.clock.now())
    refused(E.PROLONG_LOST, rental.prolong, world, KEY, order.id, "week", 1)
    refused(E.ORDER_LOST, rental.activate, world, KEY, order.id)


def test_create_multi_shares_one_number(world):
    world.accounts[KEY].credit(START, "topup", Decimal("100"))
    orders = rental.create(world, KEY, "week", 1, "RU", ["opt16", "opt46"])
    assert len(orders) == 2 and orders[0].number == orders[1].number
    assert orders[0].id != orders[1].id and orders[0].until == orders[1].until
    assert world.accounts[KEY].balance == Decimal("200") - Decimal("3.43") - Decimal("103.32")  # 0.49 · 7 + 14.76 · 7


def test_add_service_charges_remaining_days_and_routes_its_sms(hub):
    world = hub.worlds["default"]
    world.config.activation_delay = (600, 600)
    order = rent(world)
    world.advance(DAY + 1)  # 6 days minus one second left: 6 days charged (days left, rounded up)
    refused(E.PNUMBER_MISMATCH, rental.add_service, world, KEY, order.id, "opt59", "123")
    before = world.accounts[KEY].balance
    rental.add_service(world, KEY, order.id, "opt59", order.number)
    assert world.accounts[KEY].balance == before - Decimal("3.96")  # RU opt59: 0.66 · 6
    refused(E.SERVICE_ON_ORDER.format("opt59"), rental.add_service, world, KEY, order.id, "opt59", order.number)
    rental.add_service(world, KEY, order.id, "opt46", "+" + order.number, 2)
    assert world.accounts[KEY].balance == before - Decimal("3.96") - Decimal("29.52")  # + 14.76 · 2
    rental.activate(world, KEY, order.id)
    world.advance(600)
    supply.send_sms(world, order.id, "avito code", service="opt59")
    supply.send_sms(world, order.id, "other site", service="opt1")
    own, other = rental.read_sms(world, KEY, order.id)
    assert [s.text for s in own] == ["avito code"] and [s.text for s in other] == ["other site"]


@pytest.mark.parametrize("policy,lost,refund", [("lost_only", False, "0"), ("lost_only", True, "2.45"),
                                                ("never", True, "0"), ("unused", False, "2.45")])
def test_delete_refund_policy(shipped_catalogue, policy, lost, refund):
    world = make_hub(shipped_catalogue, refund=policy).worlds["default"]
    order = rent(world)
    world.advance(DAY + 3600)  # 5 whole unused days left (5 d 23 h)
    if lost:
        supply.force_state(world, order.id, -1)
    _, refunded = rental.delete(world, KEY, order.id)
    assert refunded == Decimal(refund)
    assert world.accounts[KEY].balance == Decimal("96.57") + Decimal(refund)  # refund: 5 days · 0.49
    assert not order.live and order.deleted and world.closures[order.id].closed == START + DAY + 3600
    refused(E.ORDER_NOT_FOUND, rental.delete, world, KEY, order.id)


def test_expiry_moves_to_archive_and_the_hold_returns_stock(world):
    offer = world.catalogue.own_offer("RU", "opt16")
    order = rent(world)
    stock_after_rent = offer.stock[order.provider]
    world.advance(7 * DAY - 1)
    assert order.live
    world.advance(1)
    assert not order.live and world.closures[order.id].closed == order.until == START + 7 * DAY
    assert order.id not in world.accounts[KEY].live and order.number in world.holders
    world.advance(30 * DAY)
    assert order.number not in world.holders and offer.stock[order.provider] == stock_after_rent + 1


def test_a_jump_equals_living_through_it(shipped_catalogue):
    worlds = [make_hub(shipped_catalogue).worlds["default"] for _ in range(2)]
    for w in worlds:
        o = rent(w)
        rental.activate(w, KEY, o.id)
    worlds[0].advance(40 * DAY)
    for _ in range(40 * 24):
        worlds[1].advance(3600)
    snap = [[(o.id % 1000, o.state, o.closed, o.lastonline, o.held_until) for o in w.orders.values()] for w in worlds]
    assert snap[0] == snap[1]


def test_accounts_cannot_touch_each_others_orders(world):
    order = rent(world)
    for fn, args in [(rental.activate, ()), (rental.delete, ()), (rental.read_sms, ()),
                     (rental.prolong, ("week", 1))]:
        refused(E.ORDER_NOT_FOUND, fn, world, OTHER, order.id, *args)
    assert order.live and order.state == 0
