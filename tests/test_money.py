"""Money formulas as tables: period prices with and without discount, restore fee, wire rendering."""
from decimal import Decimal

import pytest

from mockserver.core.money import money, period_days, price_for_days, restore_fee, wire


@pytest.mark.parametrize("dtype,dcount,days", [("week", 1, 7), ("week", 3, 21), ("month", 1, 30),
                                               ("month", 2, 60), ("day", 5, 5)])
def test_period_days(dtype, dcount, days):
    assert period_days(dtype, dcount) == days


@pytest.mark.parametrize("price_day,days,pdays,proc,expected", [
    ("2.5", 7, 0, 0, "17.50"),        # no discount rule
    ("2.5", 7, 30, 10, "17.50"),      # below procent_days: full price
    ("2.5", 30, 30, 10, "67.50"),     # at procent_days: 10 % off 75
    ("2.5", 60, 30, 10, "135.00"),
    ("0.33", 7, 0, 0, "2.31"),
    ("0.335", 1, 0, 0, "0.34"),       # money() rounds the price_day itself half-up first
    ("1.11", 30, 30, 15, "28.31"),    # 33.30 · 0.85 = 28.305 → half-up 28.31
    ("6", 14, 30, 20, "84.00"),
])
def test_price_for_days(price_day, days, pdays, proc, expected):
    assert price_for_days(money(price_day), days, pdays, proc) == Decimal(expected)


@pytest.mark.parametrize("price_day,outdays,pdays,proc,expected", [
    ("0.08", 32, 0, 0, "4.96"),       # 0.08·32 + 0.08·30
    ("2.5", 0, 0, 0, "75.00"),
    ("2.5", 3, 30, 10, "75.00"),      # 7.50 late (no discount) + 67.50 prepaid (discounted)
    ("1.11", 1, 30, 15, "29.42"),
])
def test_restore_fee(price_day, outdays, pdays, proc, expected):
    assert restore_fee(money(price_day), outdays, pdays, proc) == Decimal(expected)


@pytest.mark.parametrize("amount,shown", [("6", 6), ("2.40", 2.4), ("0.01", 0.01), ("17.5", 17.5)])
def test_wire_numbers(amount, shown):
    value = wire(Decimal(amount))
    assert value == shown and type(value) is type(shown)


def test_money_rejects_garbage():
    for bad in ("abc", "NaN", "Infinity"):
        with pytest.raises(ValueError):
            money(bad)
