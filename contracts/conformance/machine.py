"""A model-based hypothesis state machine over HTTP: random calls and clock moves on a fresh world, every answer
compared with what the model predicts (money to the cent, until, states within their windows, codes), and a
failure shrunk to the shortest sequence of steps that shows it."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from .judge import Ctx, Finding, show
from .model import ACTIVATING, ACTIVE, DAY, LOST, NOT_ACTIVE, RESTORE_PREPAID_DAYS, canprolong, canprolongmax, \
    cents, days_of, outdays, prolong_refusal, unused_days
from .rules import restore_code
from .shop import shop
from .target import Target

NEEDS = ("apikey", "spend", "balance", "clock")
MOVES = (60, 600, 900, 1800, 3 * 3600, DAY, 3 * DAY, 6 * DAY + 3600, 8 * DAY)


class Broke(AssertionError):
    """The server's answer differs from the model's prediction."""

    def __init__(self, finding: Finding):
        super().__init__(f"{finding.rule}: expected {finding.expected}, got {finding.got}")
        self.finding = finding


@dataclass
class M:
    """The model of one order."""

    service: str
    until: int
    paid: Decimal
    cpu: int = 0  # canprolonguntil, learned when first listed
    state: int = NOT_ACTIVE
    since: int = 0  # activation asked at (state 2) / earliest moment online (state 1)
    upto: int = 0  # latest moment it may have come online (state 1)
    unread: int = 0
    closed: int | None = None
    deleted: bool = False


def build(target: Target) -> type[RuleBasedStateMachine]:
    """The machine class for `target` (prices read once from the server's catalogue)."""
    probe = target.session()
    sh = shop(Ctx(probe, []))
    services = tuple(sh.plain[:3])

    class Conform(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.s = target.session()
            self.p = self.s.params
            self.now = self.t0 = self.prev = self.s.now()
            self.balance = self.s.balance()
            self.orders: dict[int, M] = {}
            self.steps: list[str] = []
            self.money_rule = "PRICE-PERIOD"

        def teardown(self):
            target.control("DELETE", f"/worlds/{self.s.world}")
            target.worlds.remove(self.s.world)

        # -- judging ---------------------------------------------------------------------------
        def fail(self, rule_id: str, expected, got):
            raise Broke(Finding(rule_id, False, str(expected), str(got), list(self.steps[-12:])))

        def expect(self, rule_id: str, expected, got, what: str):
            if expected != got:
                self.fail(rule_id, f"{what}: {expected!r}", f"{what}: {got!r}")

        def call(self, method: str, **params):
            ex = self.s.call(method, **params)
            self.steps.append(f"t+{self.now - self.t0}s " + show(ex))
            p = ex.payload if isinstance(ex.payload, dict) else {}
            return p.get("status"), p.get("data"), p.get("msg")

        def live(self) -> list[int]:
            return sorted(i for i, o in self.orders.items() if o.closed is None)

        def archived(self) -> list[int]:
            return sorted(i for i, o in self.orders.items() if o.closed is not None)

        # -- rules -----------------------------------------------------------------------------
        @rule(service=st.sampled_from(services), dtype=st.sampled_from(["week", "month"]), dcount=st.integers(1, 2))
        def create(self, service, dtype, dcount):
            price = sh.price(service, dtype, dcount)
            status, data, msg = self.call("create", dtype=dtype, dcount=dcount, country=sh.country, service=service)
            if status != 1:
                self.fail("PRICE-PERIOD", "create succeeds", repr(msg))
            made = Ctx.created(data)
            self.expect("STATE-CREATE", self.now + days_of(dtype, dcount) * DAY, made.get("until"), "until")
            self.orders[made["id"]] = M(service, made["until"], price)
            self.balance -= price
            self.money_rule = "PRICE-PERIOD"

        @precondition(lambda self: self.live())
        @rule(data=st.data())
        def activate(self, data):
            oid = data.draw(st.sampled_from(self.live()))
            o = self.orders[oid]
            status, _, msg = self.call("activate", id=oid)
            if o.state == LOST:
                if status != 0:
                    self.fail("STATE-LOST", "activate in state −1 refused", f"status {status}")
                return
            if status != 1:
                self.fail("STATE-ACTIVATE", "activate succeeds", repr(msg))
            if o.state == NOT_ACTIVE:
                o.state, o.since = ACTIVATING, self.now

        @rule(seconds=st.sampled_from(MOVES))
        def time_passes(self, seconds):
            self.now = self.s.advance(seconds)
            self.steps.append(f"t+{self.now - self.t0}s clock advanced {seconds} s")
            for o in sorted(self.orders.values(), key=lambda m: m.until):
                if o.closed is None and o.until <= self.now:
                    o.closed = o.until

        @precondition(lambda self: self.live())
        @rule(data=st.data())
        def sms_arrives(self, data):
            oid = data.draw(st.sampled_from(self.live()))
            got = self.s.send_sms(oid, f"code {len(self.steps)}")
            self.steps.append(f"t+{self.now - self.t0}s SMS to {oid} → {got}")
            self.expect("SMS-ACTIVE-ONLY", self.orders[oid].state == ACTIVE, got.get("delivered"),
                        f"delivered to an order in state {self.orders[oid].state}")
            self.orders[oid].unread += bool(got.get("delivered"))

        @precondition(lambda self: self.live())
        @rule(data=st.data())
        def read_sms(self, data):
            oid = data.draw(st.sampled_from(self.live()))
            status, data_, msg = self.call("sms", id=oid)
            if status != 1:
                self.fail("SMS-LIST", "sms succeeds", repr(msg))
            self.orders[oid].unread = 0

        @precondition(lambda self: self.live())
        @rule(data=st.data(), how=st.sampled_from([("prolong", "week", 1), ("prolong", "month", 1),
                                                   ("prolong_max", "day", 2), ("prolong_max", "day", 200)]))
        def prolong(self, data, how):
            oid = data.draw(st.sampled_from(self.live()))
            method, dtype, dcount = how
            o, days = self.orders[oid], days_of(dtype, dcount)
            why = prolong_refusal(self.now, o.until, o.state, o.cpu, days)
            status, _, msg = self.call(method, id=oid, dtype=dtype, dcount=dcount)
            rule_id = {"state −1": "PROLONG-LOST", "until − now ≥ 7 days": "PROLONG-WINDOW",
                       "past canprolonguntil": "PROLONG-LEASE"}.get(why or "", "PROLONG-EXTENDS")
            if dtype == "day" and why is None:
                rule_id = "PROLONG-DAYS"
            self.expect(rule_id, 1 if why is None else 0, status,
                        f"status of {method} {dcount} {dtype} ({why or 'allowed'}; msg {msg!r})")
            if why is None:
                o.until += days * DAY
                price = sh.price(o.service, dtype, dcount)
                o.paid += price
                self.balance -= price
                self.money_rule = rule_id

        @precondition(lambda self: self.live())
        @rule(data=st.data())
        def lose(self, data):
            oid = data.draw(st.sampled_from(self.live()))
            self.s.set_state(oid, LOST)
            self.steps.append(f"t+{self.now - self.t0}s order {oid} set to state −1")
            self.orders[oid].state = LOST

        @precondition(lambda self: self.live())
        @rule(data=st.data())
        def delete(self, data):
            oid = data.draw(st.sampled_from(self.live()))
            o = self.orders[oid]
            status, _, msg = self.call("delete", id=oid)
            if status != 1:
                self.fail("DELETE-CLOSES", "delete succeeds", repr(msg))
            if self.p.refunds(o.state):
                back = min(cents(sh.offers[o.service].price_day * unused_days(self.now, o.until)), o.paid)
                self.balance += back
                o.paid -= back
            self.money_rule = "DELETE-LOST-REFUND" if o.state == LOST else "DELETE-NO-REFUND"
            o.closed, o.deleted = self.now, True

        def _restore_code(self, o: M) -> str | None:
            if o.deleted:
                return "DATEDIFFINVERT"
            if self.now >= o.closed + self.p.hold_days * DAY or o.cpu - self.now < RESTORE_PREPAID_DAYS * DAY:
                return "NOAVAILDAYS"
            return None

        @precondition(lambda self: self.archived())
        @rule(data=st.data(), do=st.booleans())
        def restore(self, data, do):
            oid = data.draw(st.sampled_from(self.archived()))
            o = self.orders[oid]
            code = self._restore_code(o)
            fee = sh.offers[o.service].restore_fee(outdays(self.now, o.until))
            if code is None and do and self.balance < fee:
                code = "NOBALANCE"
            status, got, msg = self.call("restore_user" if do else "restore_user_precalc", id=oid)
            rule_id = {"DATEDIFFINVERT": "RESTORE-RUNNING", "NOAVAILDAYS": "HOLD-OVER", "NOBALANCE": "RESTORE-BALANCE",
                       None: "RESTORE-DOES" if do else "RESTORE-FEE"}[code]
            if code is not None:
                self.expect(rule_id, code, restore_code(msg) if status == 0 else f"status {status}", "refusal")
                return
            if status != 1:
                self.fail("HOLD-RESTORABLE", "restore succeeds", repr(msg))
            if not do:
                self.expect("RESTORE-FEE", fee, cents(got.get("price", 0)), "precalc price")
                return
            self.balance -= fee
            o.paid += fee
            self.money_rule = "RESTORE-DOES"
            o.closed, o.until, o.state = None, self.now + RESTORE_PREPAID_DAYS * DAY, NOT_ACTIVE

        # -- what the server shows after every step --------------------------------------------
        @invariant()
        def agrees(self):
            status, data, msg = self.call("orders")
            rows = {r["id"]: r for r in data or [] if isinstance(r, dict)}
            self.expect("EXPIRY-AT-UNTIL", self.live(), sorted(rows), "ids in orders")
            for oid, row in rows.items():
                self.judge_row(self.orders[oid], row)
            self.expect(self.money_rule, self.balance, self.s.balance(), "balance")
            status, hist, msg = self.call("get_rent_history", skip=0, take=1000)
            closed = [h.get("closed") for h in hist or []]
            self.expect("HISTORY-ORDER", sorted(closed, reverse=True), closed, "closed in history order")
            want = {i: (o.closed, o.until) for i, o in self.orders.items() if o.closed is not None}
            seen: dict = {}
            for h in hist or []:  # the newest line of each order
                seen.setdefault(h.get("orderId"), (h.get("closed"), h.get("end")))
            self.expect("EXPIRY-AT-UNTIL", want, {i: seen.get(i) for i in want}, "(closed, end) of archived orders")
            self.prev = self.now

        def judge_row(self, o: M, row: dict):
            now, (dlo, dhi), (wlo, whi) = self.now, self.p.activation_delay, self.p.active_window
            if not o.cpu:
                o.cpu = row.get("canprolonguntil", 0)
            self.expect("PROLONG-EXTENDS", o.until, row.get("until"), "until")
            self.expect("CANPROLONG-FIELDS", (canprolong(now, o.until, o.state, o.cpu), canprolongmax(o.until, o.cpu)),
                        (row.get("canprolong"), row.get("canprolongmax")), "(canprolong, canprolongmax)")
            self.expect("SMS-HASNEW", o.unread > 0, row.get("hasnewsms"), "hasnewsms")
            got = row.get("state")
            if o.state in (NOT_ACTIVE, LOST):
                self.expect("STATE-ACTIVATE" if o.state == NOT_ACTIVE else "STATE-LOST", o.state, got, "state")
            elif o.state == ACTIVATING:
                allowed = ({ACTIVATING} if now < o.since + dhi else set()) | ({ACTIVE} if now >= o.since + dlo else set()) \
                    | ({NOT_ACTIVE} if now >= o.since + dlo + wlo else set())
                if got not in allowed:
                    self.fail("STATE-DELAY", f"state in {sorted(allowed)} {now - o.since} s after activate", got)
                if got == ACTIVE:
                    # online at some moment after the previous look, inside the activation delay
                    o.state, o.since, o.upto = ACTIVE, max(o.since + dlo, self.prev), min(now, o.since + dhi)
                elif got == NOT_ACTIVE:
                    o.state = NOT_ACTIVE
            else:
                allowed = ({ACTIVE} if now < o.upto + whi else set()) | ({NOT_ACTIVE} if now >= o.since + wlo else set())
                if got not in allowed:
                    self.fail("STATE-WINDOW", f"state in {sorted(allowed)} after coming online in [{o.since}, {o.upto}]",
                              got)
                if got == ACTIVE:
                    self.expect("STATE-LASTONLINE", now, row.get("lastonline"), "lastonline while active")
                else:
                    o.state = NOT_ACTIVE
                    last = row.get("lastonline", 0)
                    if not o.since + wlo <= last <= o.upto + whi:
                        self.fail("STATE-LASTONLINE", f"lastonline in [{o.since + wlo}, {o.upto + whi}]", last)

    Conform.__name__ = "ConformMachine"
    return Conform


def run_machine(target: Target, findings: list[Finding], examples: int, seed: int | None = 0) -> str:
    """Run the machine; a failure (shrunk) becomes a broken finding. Returns a line for the report."""
    missing = target.missing(NEEDS)
    if missing:
        return f"model-based machine skipped ({missing})"
    machine = build(target)
    conf = settings(max_examples=examples, stateful_step_count=25, deadline=None, database=None,
                    derandomize=seed is not None, suppress_health_check=list(HealthCheck), print_blob=False)
    try:
        run_state_machine_as_test(machine, settings=conf)
    except Broke as exc:
        findings.append(exc.finding)
        return (f"model-based machine: {exc.finding.rule} broken after {len(exc.finding.calls)} steps "
                f"(shrunk)")
    return f"model-based machine: {examples} random sequences agreed with the model"
