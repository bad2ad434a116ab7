"""Every bound a world's values are held to, written once: the snapshot format (`schema.py`, `snapshot.py`),
the catalogue format, the control bodies, scenario files and the domain's own checks all read this table,
so what a world can become, its snapshot can hold (docs/state.md shows the table; a test holds it there).

Why the derived values fit without a check of their own: a moment that has happened is a clock reading
(at most MAX_TIME, where the clock stops); a moment to come is a clock reading plus one span, and every
span (a duration, a lease, a hold, a scripted delay) is at most a century, so it is at most MAX_MOMENT.
An order's `until` never passes its `lease_until` (create and prolong check it). Order ids are issued one
at a time up to MAX_ORDER_ID and then refused (rent.php answers "no order ids left"), so the next id the
state file keeps is at most MAX_ORDER_ID + 1. Ids are hub-wide and never issued twice, so a snapshot PUT
may bring ids only up to MAX_ORDER_ID - ID_ROOM: one world's snapshot cannot use up every world's ids. Counters bumped once per operation (event sequence, state
tokens, trigger counts) start at 0 and would need 2**63 operations to pass the SQLite bound.
"""
from __future__ import annotations

from dataclasses import dataclass

DAY = 86_400
CENTURY = 100 * 365 * DAY
MAX_TIME = 253_402_300_799  # 9999-12-31T23:59:59Z, the end of Python's datetime: where a clock stops
MAX_MOMENT = MAX_TIME + CENTURY  # the latest moment to come a world can hold (a lease, a hold, a queued event)
MAX_ORDER_ID = 2 ** 53 - 1  # also the largest integer a JavaScript client reads exactly
ID_ROOM = 2 ** 32  # ids a snapshot PUT must leave to issue: ids are never issued twice, in any world
SQLITE_MAX = 2 ** 63 - 1  # the largest integer SQLite keeps


@dataclass(frozen=True)
class Bound:
    """A whole number's range (`low`..`high`), in `unit`, and what holds it."""

    low: int
    high: int
    unit: str
    what: str


BOUNDS: dict[str, Bound] = {
    "time": Bound(0, MAX_TIME, "s", "a clock's reading and every moment that has happened: start, now, begin, "
                                    "closed, lastonline, a ledger line's or an SMS's moment"),
    "moment": Bound(0, MAX_MOMENT, "s", "a moment to come: until, end, lease_until, held_until, a queued event"),
    "duration": Bound(0, CENTURY, "s", "activation_delay and active_window, each end of the range"),
    "delay": Bound(0, 10 * 365 * DAY, "s", "a scripted event's after, delay, by and past_until"),
    "lease_days": Bound(90, 100 * 365, "days", "a provider's lease of its numbers"),
    "hold_days": Bound(0, 3650, "days", "how long an expired order's number stays held"),
    "order_id": Bound(1, MAX_ORDER_ID, "", "an order id, given or issued (issuing stops there)"),
    "given_order_id": Bound(1, MAX_ORDER_ID - ID_ROOM, "", "an order id a snapshot PUT brings (it leaves "
                                                         "2**32 ids to issue: ids are hub-wide, never reissued)"),
    "next_id": Bound(1, MAX_ORDER_ID + 1, "", "the next order id, as the state file keeps it"),
    "stock": Bound(0, 1_000_000, "numbers", "an offer's stock per provider (a number released at the bound "
                                            "leaves it there)"),
    "procent": Bound(0, 100, "%", "an offer's discount"),
    "procent_days": Bound(0, 1_000_000, "days", "the days from which the discount applies"),
    "day_step": Bound(0, 1_000_000, "days", "an offer's day_step (reported, not used)"),
    "money_cents": Bound(0, 100_000_000_000, "cents", "a balance, a price, a ledger amount (1,000,000,000.00 "
                                                     "with two decimals)"),
    "speed": Bound(0, 1_000_000, "x", "a real clock's speed (above 0)"),
    "seed": Bound(-(2 ** 63), SQLITE_MAX, "", "a world's seed"),
    "counter": Bound(0, SQLITE_MAX, "", "counters bumped once per operation: event seq, token, days, "
                                        "trigger counts, script fires"),
}


def table() -> str:
    """The table as Markdown (docs/state.md carries it; a test keeps it current)."""
    rows = ["| value | from | to | unit | what it bounds |", "|---|---|---|---|---|"]
    for name, b in BOUNDS.items():
        rows.append(f"| `{name}` | {b.low:,} | {b.high:,} | {b.unit or '-'} | {b.what} |")
    return "\n".join(rows) + "\n"


def range_problem(name: str, value: object) -> str | None:
    """Why `value` is not a [min, max] range of whole numbers within bound `name`, min <= max (None when it is)."""
    b = BOUNDS[name]
    if not (isinstance(value, (list, tuple)) and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value) and 0 <= value[0] <= value[1]):
        return f"{list(value) if isinstance(value, tuple) else value!r} is not [min, max] whole seconds, min <= max"
    if value[1] > b.high:
        return f"{list(value)!r}: {value[1]} is past the most a world holds, {b.high} {b.unit}"
    return None


if __name__ == "__main__":  # the table docs/state.md carries
    print(table(), end="")
