"""Money as Decimal, rounded half-up to cents; the period, prolongation and restore formulas."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
PERIOD_DAYS = {"day": 1, "week": 7, "month": 30}
RESTORE_PREPAID_DAYS = 30


def money(value: object) -> Decimal:
    """Parse a money value (str, int, Decimal; floats go through str) and round to cents."""
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValueError(f"not a money amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not a money amount: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def period_days(dtype: str, dcount: int) -> int:
    """Days in `dcount` periods of `dtype` (week = 7, month = 30, day = 1)."""
    return PERIOD_DAYS[dtype] * dcount


def discount_for(days: int, procent_days: int, procent: int) -> int:
    """The discount in percent a rental of `days` earns: `procent` from `procent_days` on, else 0."""
    return procent if procent and days >= procent_days else 0


def price_for_days(price_day: Decimal, days: int, procent_days: int = 0, procent: int = 0) -> Decimal:
    """price_day · days · (1 − discount/100), rounded half-up to cents."""
    rate = Decimal(100 - discount_for(days, procent_days, procent)) / Decimal(100)
    return money(price_day * days * rate)


def restore_fee(price_day: Decimal, outdays: int, procent_days: int = 0, procent: int = 0) -> Decimal:
    """Late days at full price plus a 30-day prepayment at the period price."""
    return money(price_day * outdays) + price_for_days(price_day, RESTORE_PREPAID_DAYS, procent_days, procent)


def wire(amount: Decimal) -> int | float:
    """A money amount as a JSON number: an integer when whole, else a float of at most 2 decimals."""
    amount = money(amount)
    return int(amount) if amount == amount.to_integral_value() else float(amount)
