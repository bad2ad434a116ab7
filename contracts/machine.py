"""A hypothesis state machine that drives any rent.php server over HTTP and checks what is visible
from outside: a deleted order never returns, `until` only grows, history only grows, answers keep
their shape, and (where the mock's control API shows it) the balance never goes negative."""
from __future__ import annotations

from typing import Callable

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from .client import RentClient
from .inband import answer_reasons, envelope_reasons

DAY = 86_400


def rental_machine(make_client: Callable[[], tuple[RentClient, Callable[[int], None] | None,
                                                   Callable[[], float] | None]],
                   dialect: str = "documented", country: str = "RU",
                   services: tuple[str, ...] = ("opt16", "opt59", "opt6")) -> type[RuleBasedStateMachine]:
    """A machine class; `make_client()` gives (client, advance(seconds) or None, balance() or None)."""

    class RentalMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.client, self.advance_clock, self.balance = make_client()
            self.deleted: set[int] = set()
            self.until: dict[int, int] = {}
            self.history_len = 0
            self.live: list[int] = []

        def call(self, method: str, **params):
            ex = self.client.call(method, **params)
            reasons = envelope_reasons(ex.http_status or 0, ex.payload) if ex.payload is not None else [ex.error]
            query = {k: str(v) for k, v in ex.params.items()}
            reasons += answer_reasons("GET", query, ex.payload, dialect) if ex.payload is not None else []
            assert not reasons, (method, params, reasons)
            return ex.payload.get("data") if ex.payload.get("status") == 1 else None

        @rule(service=st.sampled_from(services), dtype=st.sampled_from(["week", "month"]), dcount=st.integers(1, 2))
        def create(self, service, dtype, dcount):
            made = self.call("create", dtype=dtype, dcount=dcount, country=country, service=service)
            if made:
                made = made[0] if isinstance(made, list) else made
                self.until[made["id"]] = made["until"]

        @precondition(lambda self: self.live)
        @rule(data=st.data(), op=st.sampled_from(["activate", "sms", "prolong", "prolong_max", "delete"]))
        def on_order(self, data, op):
            oid = data.draw(st.sampled_from(self.live))
            params = {"id": oid}
            if op in ("prolong", "prolong_max"):
                params.update(dtype="day" if op == "prolong_max" else "week", dcount=data.draw(st.integers(1, 3)))
            done = self.call(op, **params)
            if op == "delete" and done is not None:
                self.deleted.add(oid)

        @precondition(lambda self: self.history_len)
        @rule(data=st.data())
        def restore(self, data):
            history = self.call("get_rent_history", skip=0, take=5) or []
            if history:
                oid = data.draw(st.sampled_from([h["orderId"] for h in history]))
                self.call("restore_user_precalc", id=oid)
                if self.call("restore_user", id=oid) is not None:
                    self.deleted.discard(oid)  # restored on purpose: it may come back

        @precondition(lambda self: self.advance_clock is not None)
        @rule(seconds=st.sampled_from([900, DAY, 6 * DAY, 8 * DAY]))
        def time_passes(self, seconds):
            self.advance_clock(seconds)

        @invariant()
        def outside_view(self):
            orders = self.call("orders") or []
            ids = [o["id"] for o in orders]
            assert not self.deleted & set(ids), f"deleted orders came back: {self.deleted & set(ids)}"
            for o in orders:
                assert o["until"] >= self.until.get(o["id"], 0), f"until went back for {o['id']}"
                self.until[o["id"]] = o["until"]
            self.live = ids
            history = self.call("get_rent_history", skip=0, take=1000) or []
            assert len(history) >= self.history_len, "history shrank"
            self.history_len = len(history)
            if self.balance is not None:
                assert self.balance() >= 0

    return RentalMachine
