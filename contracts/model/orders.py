"""The `orders` answer: each row's state out of the set its timings allow, then every other field given that
state (lastonline as an interval); the rows the server shows narrow the model's intervals."""
from __future__ import annotations

from typing import Any

from .. import registry
from .arithmetic import ACTIVATING, ACTIVE, DAY, LOST, NOT_ACTIVE
from .answers import Prediction, shape
from .expect import Diff, Leaf, OneOf, compare, shown
from .rent import row_facts
from .state import Order, World


def state_rule(order: Order, got: Any, now: int) -> str:
    """The rule a state outside the allowed set breaks."""
    p = order.presence
    if p.on is None:
        return order.state_rule
    if got == ACTIVE:
        return "STATE-DELAY" if now < p.on.lo else "STATE-WINDOW"
    if got == ACTIVATING:
        return "STATE-DELAY"
    if got == NOT_ACTIVE:
        return "STATE-ACTIVATE" if now < p.on.lo else "STATE-WINDOW"
    return "STATE-LOST" if got == LOST else "UNNAMED"


def row_diffs(w: World, order: Order, got: Any, path: str, variant: str) -> list[Diff]:
    """A row against the model: the state first, the rest once the state is known."""
    if not isinstance(got, dict):
        return [Diff(path, "an order row", shown(got), "UNNAMED")]
    possible = order.presence.states(w.now)
    state = got.get("state")
    if state not in possible:
        return [Diff(f"{path}.state", OneOf(sorted(possible)).show(), shown(state), state_rule(order, state, w.now))]
    item = registry.METHODS["orders"].shapes[variant]["items"]
    return compare(shape(item, row_facts(w, order, state)), got, path, "UNNAMED")


class Rows(Leaf):
    """The data of an `orders` answer."""

    def __init__(self, w: World, apikey: str, variant: str):
        self.w, self.apikey, self.variant = w, apikey, variant
        self.ids = list(w.accounts[apikey].live)
        rows = [w.orders[i] for i in self.ids]
        self.rules = {"EXPIRY-AT-UNTIL", "SMS-HASNEW", "STATE-LASTONLINE", "LEASE-90"} if rows else set()
        self.rules |= {o.state_rule for o in rows} | {o.until_rule for o in rows}
        if any(o.lease_until is not None for o in rows):
            self.rules.add("CANPROLONG-FIELDS")
        if any(o.presence.on is not None for o in rows):
            self.rules |= {"STATE-DELAY", "STATE-WINDOW"}

    def diffs(self, got, path, rule):
        if not isinstance(got, list):
            return [Diff(path, self.show(), shown(got), "UNNAMED")]
        seen = [r.get("id") if isinstance(r, dict) else None for r in got]
        if sorted(map(str, seen)) != sorted(map(str, self.ids)):
            return [Diff(f"{path}[*].id", str(self.ids), str(seen), "EXPIRY-AT-UNTIL")]
        if self.w.strict and seen != self.ids:
            return [Diff(f"{path}[*].id", f"{self.ids} (in the order they entered orders)", str(seen), "UNNAMED")]
        out = []
        for i, row in enumerate(got):
            out += row_diffs(self.w, self.w.orders[row["id"]], row, f"{path}[{i}]", self.variant)
        return out

    def show(self):
        return f"the rows of orders {self.ids}"


def orders(w: World, apikey: str, v: dict, variant: str) -> Prediction:
    """`orders`: the account's running orders."""

    def learn(got):
        for row in got.get("data") or []:
            order = w.orders[row["id"]]
            seen = order.presence.seen(row["state"], w.now)
            if seen is not None:
                order.presence = seen.seen_last(row["state"], row["lastonline"])
            if order.lease_until is None and isinstance(row.get("canprolonguntil"), int):
                order.lease_until = row["canprolonguntil"]
                land = w.country_of(order)
                if land is not None and order.provider is not None:
                    land.leases.setdefault(order.provider, (order.lease_until - order.begin) // DAY)
        return []

    return Prediction({"status": 1, "data": Rows(w, apikey, variant)}, learn)

