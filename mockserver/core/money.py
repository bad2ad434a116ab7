"""Money as Decimal, rounded half-up to cents; the period, prolongation and restore formulas."""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .bounds import BOUNDS

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(BOUNDS["money_cents"].high) / 100  # far above any real balance; every sum exact in 28 digits
_PLAIN = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)  # ASCII digits only: no "1e3", no Unicode digits
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


def parse_amount(value: object, positive: bool = False) -> Decimal:
    """A money amount given by a user, exact or refused: a finite number or a plain decimal string,
    at most two decimals (never rounded), 0..MAX_AMOUNT (above 0 when `positive`).

    Raises ValueError with what is wrong (the caller names the field).
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise ValueError(f"must be a number or a decimal string, got {type(value).__name__}")
    if isinstance(value, str):
        if not _PLAIN.fullmatch(value):
            raise ValueError(f"must be a decimal number such as '12.50', got {value[:40]!r}")
        amount = Decimal(value)
    else:
        # a float goes through its shortest repr, so 0.1 is 0.1 (JSON bodies are parsed to Decimal anyway)
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"must be a finite number, got {value!r}")
    if amount < 0:
        raise ValueError(f"must not be negative, got {_text(value)}")
    if amount > MAX_AMOUNT:
        raise ValueError(f"must be at most {MAX_AMOUNT}, got {_text(value)}")
    if amount != amount.quantize(CENT):  # bounded above, so the quantize is exact
        raise ValueError(f"must have at most two decimals, got {_text(value)}")
    if positive and amount == 0:
        raise ValueError("must be positive, got 0")
    return amount.quantize(CENT)


def _text(value: object) -> str:
    return repr(value[:40]) if isinstance(value, str) else str(value)[:40]


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
