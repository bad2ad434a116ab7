"""What a client's run did, as plain data a judge reads: every rent.php request (journal entries, oldest
first, each tagged with its world), and each order of the scenario's world as the world ends it (its state,
its history of states, whether the client read an SMS carrying a code). Plain dicts, so a judgement can be
tested from a recorded run without starting anything (tests/test_behaviour.py)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from mockserver.core.orders import LOST

# an SMS "carries a code" when it holds a run of 4 to 8 digits (the shipped scenarios send 5, "{code}")
CODE = re.compile(r"(?<![0-9])[0-9]{4,8}(?![0-9])")


@dataclass
class Evidence:
    """One run's evidence: the client's exit, its requests, the scripted world's orders, the clock it ran on."""

    exit_code: int | None
    timed_out: bool = False
    seconds: float = 0.0
    entries: list[dict] = field(default_factory=list)  # journal entries of every world, `world` set on each
    orders: list[dict] = field(default_factory=list)  # the scenario's world's orders (see `order_facts`)
    world: str = "default"  # the world the scenario scripts
    clock: str = "real"  # that world's clock: "real" (world time moves) or "manual"
    speed: float = 1.0

    def scripted(self) -> list[dict]:
        """The requests made to the scenario's world."""
        return [e for e in self.entries if e.get("world") == self.world]

    def code_read(self) -> list[int]:
        """Ids of the scripted world's orders whose own SMS carrying a code the client read."""
        return [o["id"] for o in self.orders if o.get("code_read")]


def order_facts(world) -> list[dict]:
    """Each order of `world` (call with its lock held): id, state, live, deleted, the SMS it got and read,
    and its states over time (`history`: [[at, state], ...], world time)."""
    changes: dict[int, list[list[int]]] = {}
    for at, oid, state in world.history:
        changes.setdefault(oid, []).append([at, state])
    out = []
    for order in sorted(world.orders.values(), key=lambda o: o.id):
        own, other = world.own_sms(order)
        out.append({"id": order.id, "state": order.state, "live": order.live, "deleted": order.deleted,
                    "begin": order.begin, "until": order.until, "closed": order.closed,
                    "lost": order.state == LOST or any(s == LOST for _, s in changes.get(order.id, [])),
                    "sms": len(own), "other_sms": len(other),
                    "code_read": any(s.read and CODE.search(s.text) for s in own),
                    "history": changes.get(order.id, [])})
    return out
