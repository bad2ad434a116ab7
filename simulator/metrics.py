"""What a simulation measures, and its summary (deterministic: no wall-clock values in it)."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal
from operator import attrgetter

from mockserver.core.orders import ACTIVE


_balance = attrgetter("balance")


def _pct(values: list[int], q: float) -> int:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] if values else 0


class Metrics:
    """Counters, activation waits and daily samples of a world."""

    def __init__(self, world):
        self.world = world
        self.events = 0
        self.counts: Counter = Counter()
        self.refusals: Counter = Counter()
        self.restores: Counter = Counter()
        self.waits: list[int] = []
        self.sms_counts: Counter = Counter()
        self.series: list[dict] = []
        self._by_balance: list = []  # the accounts, by balance at the last sample

    def count(self, what: str) -> None:
        """Count one happening."""
        self.counts[what] += 1

    def refusal(self, action: str, msg: str) -> None:
        """Count a refused call by its kind (the message without its numbers)."""
        kind = msg.split(":")[0] if not msg.startswith("No free numbers") else "No free numbers (stock-out)"
        self.refusals[f"{action}: {kind}"] += 1

    def restore(self, outcome: str) -> None:
        """Count a restore attempt by outcome code ("ok" when it worked)."""
        self.restores[outcome] += 1

    def wait(self, seconds: int) -> None:
        """An activation wait, from asking to being online."""
        self.waits.append(seconds)

    def sms(self, delivered: bool, reason: str | None) -> None:
        """An SMS sent to a rented number: received, or lost (and why)."""
        if delivered:
            self.sms_counts["received"] += 1
        elif reason and reason.startswith("number is not active"):
            self.sms_counts["lost_number_inactive"] += 1
        else:
            self.sms_counts["lost_order_not_running"] += 1

    def sample(self, day: int) -> None:
        """One point of the daily time series."""
        world = self.world
        accounts, orders = world.accounts.values(), world.orders
        if len(self._by_balance) != len(accounts):
            self._by_balance = list(accounts)
        # sorted as yesterday, most accounts are in place already: the sort is then little more than one pass
        self._by_balance.sort(key=_balance)
        balances = [a.balance for a in self._by_balance]
        # each account lists its running orders: far fewer than every order the run ever made
        states = [orders[i].state for a in accounts if a.live for i in a.live]
        stock = sum(sum(o.stock.values()) for c in world.catalogue.countries.values() for o in c.offers.values())
        self.series.append({
            "day": day, "balance_total": str(sum(balances, Decimal(0))),
            "balance_median": str(balances[len(balances) // 2]) if balances else "0",
            "balance_p10": str(balances[len(balances) // 10]) if balances else "0",
            "live_orders": len(states), "active_orders": states.count(ACTIVE), "stock": stock,
        })

    def summary(self, scenario: str, seed: int, days: int) -> dict:
        """The run's summary; the same seed gives the same summary, byte for byte."""
        money: dict[str, Decimal] = {}
        for account in self.world.accounts.values():
            for kind, amount in account.totals().items():
                money[kind] = money.get(kind, Decimal(0)) + amount
        waits = self.waits
        return {
            "scenario": scenario, "seed": seed, "days": days, "renters": len(self.world.accounts),
            "events": self.events,
            "money": {k: str(v) for k, v in sorted(money.items())},
            "balance_end": str(sum((a.balance for a in self.world.accounts.values()), Decimal(0))),
            "rentals": {k: self.counts[k] for k in ("rentals", "prolongations", "deleted", "expired", "topups")},
            "refused": dict(sorted(self.refusals.items())),
            "stock_outs": sum(v for k, v in self.refusals.items() if "stock-out" in k),
            "activation": {"requests": self.counts["activations"], "online_when_checked": len(waits),
                           "not_ready_when_checked": self.counts["activation_not_ready"],
                           "wait_seconds": {"mean": round(sum(waits) / len(waits), 1) if waits else 0,
                                            "p50": _pct(waits, 0.5), "p90": _pct(waits, 0.9),
                                            "max": max(waits, default=0)}},
            "sms": {**{k: self.sms_counts[k] for k in ("received", "lost_number_inactive", "lost_order_not_running")},
                    "read_calls": self.counts["sms_read_calls"]},
            "restores": dict(sorted(self.restores.items())),
            "numbers": {"went_offline": self.counts["numbers_offline"], "came_back": self.counts["numbers_back"]},
            "series": self.series,
        }
