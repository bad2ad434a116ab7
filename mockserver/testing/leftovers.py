"""What a client's run left behind in the mock's worlds: orders still running, and money unaccounted for
(refunds of lost numbers it did not claim, orders it paid for and never named again)."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from mockserver.core.money import money
from mockserver.core.orders import LOST
from mockserver.core.rental import refund_due

PAID = ("create", "prolong", "add_service", "restore")


@dataclass
class Leftovers:
    """Orders left running (`lost` ones among them), refunds left unclaimed, paid orders never named again."""

    running: list[int] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)
    unclaimed: Decimal = Decimal("0")
    unnamed: list[int] = field(default_factory=list)
    unnamed_cost: Decimal = Decimal("0")

    @property
    def unaccounted(self) -> Decimal:
        """Money the client paid and cannot account for: refunds it left, orders it lost track of."""
        return money(self.unclaimed + self.unnamed_cost)

    def problems(self) -> list[str]:
        """Each way money went unaccounted, in a line."""
        out = []
        if self.lost:
            out.append(f"left {_ids(self.lost)} running in state -1 (number lost): {money(self.unclaimed):.2f} of "
                       "refund unclaimed (delete refunds a lost number's unused days)")
        if self.unnamed:
            out.append(f"paid {money(self.unnamed_cost):.2f} for {_ids(self.unnamed)}, whose create answer was cut or "
                       "slow, and never named it again (a create retried blindly? list orders first)")
        return out

    def as_json(self) -> dict:
        """For a JSON report."""
        return {"running": self.running, "lost": self.lost, "unclaimed_refunds": str(money(self.unclaimed)),
                "never_named": self.unnamed, "never_named_cost": str(money(self.unnamed_cost)),
                "unaccounted": str(self.unaccounted)}


def _ids(ids: list[int]) -> str:
    return ("order " if len(ids) == 1 else "orders ") + ", ".join(str(i) for i in ids)


def leftovers(worlds, entries: list[dict]) -> Leftovers:
    """Judge the worlds a run used against the requests it made (journal entries, oldest first).

    An order counts as lost track of when the answer of the create that made it was cut or delayed on the
    wire (so the client may never have read its id) and no later request named it."""
    named = {(e.get("params") or {}).get("id") for e in entries if e.get("method") != "create"}
    unread = {oid for e in entries if e.get("fault") in ("truncated", "latency") for oid in e.get("created") or ()}
    out = Leftovers()
    for world in worlds:
        with world.lock:
            now = world.now()
            for order in sorted(world.orders.values(), key=lambda o: o.id):
                if not order.live:
                    continue
                out.running.append(order.id)
                if order.state == LOST:
                    out.lost.append(order.id)
                    out.unclaimed += refund_due(world, order, now)
                elif order.id in unread and str(order.id) not in named:
                    account = world.accounts.get(order.apikey)
                    out.unnamed.append(order.id)
                    out.unnamed_cost += sum((e.amount for e in (account.ledger if account else [])
                                             if e.order == order.id and e.kind in PAID), Decimal("0"))
    return out
