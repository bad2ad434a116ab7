"""The spending guard: one spending call at a time, priced just before it leaves, measured as it happens.

Under one lock a spending call reads the account's balance (`/priemnik.php get_balance`), is priced from the
upstream's prices read right then, is checked against what is left of the cap, is forwarded, and the balance
is read again. What counts against the cap is the larger of the price read and the balance change measured:
a price that moved after it was read still counts in full, so the total charged stays within the cap plus
the excess of the last call admitted, and once the count reaches the cap every spending call is refused.
"""
from __future__ import annotations

import threading
from decimal import Decimal
from typing import Callable

from ..spending import exact_problem
from .cost import Prices, price
from .upstream import Answer, Upstream, time_left

BALANCE_QUERY = {"metod": "get_balance", "service": "opt4"}
BUSY = "{method} refused: other spending calls held the guard for most of its --timeout"


def read_balance(upstream: Upstream, apikey: str) -> tuple[Decimal | None, str]:
    """The account's balance as `upstream`'s balance API tells it now (a string of a finite amount of at least 0),
    or (None, why not)."""
    answer = upstream.get("/priemnik.php", {**BALANCE_QUERY, "apikey": apikey}, text_ok=True)
    if answer.error is not None:
        return None, f"the balance API failed: {answer.error}"
    payload = answer.payload
    if isinstance(payload, dict) and payload.get("response") == "1" and isinstance(payload.get("balance"), str):
        amount = price(payload["balance"])
        if amount is not None:
            return amount, ""
    return None, f"the balance API answered {str(payload)[:60]!r}"


class Guard:
    """Admits, forwards and settles spending calls against `cap` (no spending at all unless `allow`)."""

    def __init__(self, upstream: Upstream, prices: Prices, allow: bool, cap: Decimal | None):
        if allow and cap is None:
            raise ValueError("spending needs a cap: the proxy never spends without --max-spend")
        self.upstream, self.prices, self.allow, self.cap = upstream, prices, allow, cap
        self.lock = threading.Lock()  # held from the price reading to the second balance reading
        self.spent = Decimal(0)  # counted against the cap
        self.measured = Decimal(0)  # balance changes measured around spending calls
        self.over = Decimal(0)  # charged beyond the price read just before

    def balance(self, apikey: str) -> tuple[Decimal | None, str]:
        """The account's balance as the upstream's balance API tells it now, or (None, why not)."""
        return read_balance(self.upstream, apikey)

    def run(self, method: str, query: dict, forward: Callable[[], Answer]) -> tuple[Answer | None, dict]:
        """(the upstream's answer, or None when refused; what the recording keeps of the guard's work)."""
        if not self.allow:
            return None, {"refused": f"{method} spends money: start the proxy with --allow-spend --max-spend AMOUNT"}
        problem = exact_problem(method, query)
        if problem is not None:
            return None, {"refused": f"{method} refused: {problem} (the guard forwards only what it can price "
                                     f"exactly)"}
        wait = time_left()
        if not self.lock.acquire(timeout=-1 if wait is None else max(wait, 0)):
            return None, {"refused": BUSY.format(method=method)}
        try:
            left = time_left()
            # a call that waited out most of its time would leave with too little for its five reads
            if wait is not None and left is not None and left < wait / 2:
                return None, {"refused": BUSY.format(method=method)}
            return self._spend(method, query, forward)
        finally:
            self.lock.release()

    def _spend(self, method: str, query: dict, forward: Callable[[], Answer]) -> tuple[Answer | None, dict]:
        left = self.cap - self.spent
        if left <= 0:
            return None, {"refused": f"{method} refused: the cap is reached ({self.spent} counted of "
                                     f"--max-spend {self.cap})"}
        before, why = self.balance(query["apikey"])
        if before is None:
            return None, {"refused": f"{method} refused: the account's balance cannot be read before it, so "
                                     f"what it costs could not be measured ({why})"}
        # priced last, right before it leaves: the less time between, the less a price can move unseen
        cost, how = self.prices.quote(method, query)
        if cost is None:
            return None, {"refused": f"{method} refused: its cost cannot be priced exactly ({how})"}
        if cost > left:
            return None, {"refused": f"{method} would cost about {cost} ({how}), over the budget left "
                                     f"({left} of --max-spend {self.cap})"}
        answer = None
        try:
            answer = forward()
        finally:
            if answer is None:  # the proxy failed mid-call: the call may have been charged, so it counts
                self.spent += cost
        after, why = self.balance(query["apikey"])
        return answer, self._settle(answer, cost, how, before, after, why)

    def _settle(self, answer: Answer, cost: Decimal, how: str, before: Decimal, after: Decimal | None,
                why: str) -> dict:
        payload = answer.payload
        refused = answer.error is None and isinstance(payload, dict) and payload.get("status") == 0
        measured = before - after if after is not None else None
        # a clean refusal measured as free costs nothing; anything else keeps at least its reservation
        # (a success whose charge was hidden by a credit landing meanwhile, a failure charged later)
        floor = Decimal(0) if refused and measured is not None else cost
        counted = max(floor, measured if measured is not None else floor)
        self.spent += counted
        facts = {"estimate": str(cost), "priced": how, "balance_before": str(before), "spent": str(counted)}
        if measured is None:
            facts["unmeasured"] = why
        else:
            self.measured += measured
            facts.update(balance_after=str(after), measured=str(measured))
            if measured > cost:
                self.over += measured - cost
                facts["charged_over_estimate"] = str(measured - cost)
        return facts

    def summary(self) -> dict:
        """What the guard counted, measured and was overcharged, against its cap."""
        # read without the lock: it is held across upstream calls, and the summary must answer at once
        return {"cap": None if self.cap is None else str(self.cap), "spent": str(self.spent),
                "measured_spend": str(self.measured), "charged_over_estimates": str(self.over),
                "cap_reached": self.cap is not None and self.spent >= self.cap}
