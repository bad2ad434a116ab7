"""The rules' arithmetic as small pure functions (money in Decimal, half-up to cents; time in Unix seconds)
and the world parameters a prediction needs. Nothing here is imported from the mock."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

DAY = 86_400
CENT = Decimal("0.01")
PERIOD_DAYS = {"day": 1, "week": 7, "month": 30}
PROLONG_WINDOW = 7 * DAY  # "You can prolong number only if before expiring date left less 7 days"
GUARANTEED_DAYS = 90  # "the maximum guaranteed period of renting a number is 90 days"
RESTORE_PREPAID_DAYS = 30  # "renewal fee = late days (no discount) + 30 days' rent paid in advance"
NOT_ACTIVE, ACTIVE, ACTIVATING, LOST = 0, 1, 2, -1


def cents(value: object) -> Decimal:
    """A money amount (str, int, float via str, Decimal) rounded half-up to cents."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def days_of(dtype: str, dcount: int) -> int:
    """Days in `dcount` periods of `dtype` (week = 7, month = 30, day = 1)."""
    return PERIOD_DAYS[dtype] * int(dcount)


@dataclass(frozen=True)
class Offer:
    """A service's price in a country, as the catalogue methods show it."""

    price_day: Decimal
    procent_days: int = 0
    procent: int = 0

    def discount(self, days: int) -> int:
        """Percent off for a rental of `days`: `procent` from `procent_days` on, else 0."""
        return self.procent if self.procent and days >= self.procent_days else 0

    def price(self, days: int) -> Decimal:
        """price_day · days · (1 − discount/100), half-up to cents."""
        return cents(self.price_day * days * (Decimal(100 - self.discount(days)) / 100))

    def sub_cent(self, days: int) -> Decimal:
        """The fraction of a cent in the exact (unrounded) period price: where rounding shows."""
        return (self.price_day * days * (100 - self.discount(days))) % 1

    def restore_fee(self, outdays: int) -> Decimal:
        """Late days at the undiscounted price_day plus the 30 prepaid days at the period price."""
        return cents(self.price_day * outdays) + self.price(RESTORE_PREPAID_DAYS)


def offer_from(item: dict) -> Offer:
    """An Offer from a getdataWithProviders (or sdk getdata) service item."""
    return Offer(cents(item["price_day"]), int(item.get("procent_days") or 0), int(item.get("procent") or 0))


def outdays(now: int, end: int) -> int:
    """Whole days since `end`, rounded up (0 before it)."""
    return max(0, -(-(now - end) // DAY))


def days_left(now: int, until: int) -> int:
    """Whole days from now to `until`, rounded up (what add_service_to_order charges for)."""
    return max(0, -(-(until - now) // DAY))


def unused_days(now: int, until: int) -> int:
    """Whole unused days, rounded down (what a refund pays back)."""
    return max(0, (until - now) // DAY)


def canprolongmax(until: int, canprolonguntil: int) -> int:
    """Whole days between until and the lease limit."""
    return max(0, (canprolonguntil - until) // DAY)


def canprolong(now: int, until: int, state: int, canprolonguntil: int) -> bool:
    """Inside the last 7 days, not expired, not lost, and at least a day of lease left."""
    return (state != LOST and now < until and until - now < PROLONG_WINDOW
            and canprolongmax(until, canprolonguntil) >= 1)


def prolong_refusal(now: int, until: int, state: int, canprolonguntil: int, days: int) -> str | None:
    """Why a prolongation by `days` must be refused, or None when it must succeed (money aside)."""
    if state == LOST:
        return "state −1"
    if now >= until:
        return "expired"
    if until - now >= PROLONG_WINDOW:
        return "until − now ≥ 7 days"
    if until + days * DAY > canprolonguntil:
        return "past canprolonguntil"
    return None


@dataclass(frozen=True)
class WorldParams:
    """What predictions need that the API does not say: timings, hold and refund policy."""

    activation_delay: tuple[int, int] = (600, 900)  # "activated within 10-15 minutes on average"
    active_window: tuple[int, int] = (600, 1800)  # "active for 10-30 minutes, then deactivated"
    hold_days: int = 30
    refund: str = "lost_only"  # "no refund once used; refunds only for unsolvable number problems"
    max_rental_days: int | None = None  # the dialect's cap on one rental (live: 90), None: the lease's

    @classmethod
    def from_world(cls, doc: dict, dialect: str) -> "WorldParams":
        """Parameters from the control API's world description (GET /_mock/worlds/<w>)."""
        base = cls()
        # the live dialect's cap is the evidence's (90 days, W6), whatever a world says of itself; in the other
        # dialects a world that describes itself says its cap (or has none)
        cap = max_rental_days(dialect) if dialect == "live" or not doc else doc.get("max_rental_days")
        return cls(tuple(doc.get("activation_delay", base.activation_delay)),
                   tuple(doc.get("active_window", base.active_window)),
                   int(doc.get("hold_days", base.hold_days)), str(doc.get("refund", base.refund)),
                   int(cap) if cap else None)

    def refunds(self, state: int) -> bool:
        """True when deleting an order in `state` refunds its unused days."""
        return self.refund == "unused" or (self.refund == "lost_only" and state == LOST)


def max_rental_days(dialect: str) -> int | None:
    """The longest single rental a dialect accepts (live: 90 days; otherwise the provider's lease)."""
    return GUARANTEED_DAYS if dialect == "live" else None
