"""A hypothesis state machine over the domain: the invariants of docs/rules.md hold after every step."""
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from mockserver.core import catalogue, rental, restore, supply
from mockserver.core.accounts import CREDIT_KINDS, DEBIT_KINDS
from mockserver.core.clock import DAY
from mockserver.core.errors import DomainError
from mockserver.core.hub import Hub
from mockserver.core.world import WorldConfig

CATALOGUE = catalogue.load()
KEYS = ("a", "b", "c")
SERVICES = ("opt16", "opt59", "opt6", "opt89")  # the cheaper ones: tight, not hopeless, balances
COUNTRIES = ("RU", "AT", "US")


class Rentals(RuleBasedStateMachine):
    """Random renters with tight balances on a manual clock."""

    @initialize(balances=st.lists(st.decimals("0", "300", places=2), min_size=3, max_size=3),
                refund=st.sampled_from(["lost_only", "unused", "never"]))
    def setup(self, balances, refund):
        cfg = WorldConfig(start=1_700_000_000, refund=refund, hold_days=10,
                          accounts=dict(zip(KEYS, balances)))
        self.world = Hub(CATALOGUE, wall=lambda: 0.0, default=cfg).worlds["default"]
        self.seen_ids: set[int] = set()

    def _ids(self):
        return sorted(self.world.orders)

    def _others(self, key):
        return {k: (a.balance, len(a.ledger)) for k, a in self.world.accounts.items() if k != key}

    def _act(self, key, fn, *args):
        """Run one account's request; it must not touch any other account's money."""
        others = self._others(key)
        try:
            result = fn(self.world, key, *args)
        except DomainError:
            result = None
        assert self._others(key) == others
        return result

    @rule(key=st.sampled_from(KEYS), country=st.sampled_from(COUNTRIES),
          services=st.lists(st.sampled_from(SERVICES), min_size=1, max_size=3, unique=True),
          dtype=st.sampled_from(["week", "week", "month"]), dcount=st.integers(1, 2))
    def create(self, key, country, services, dtype, dcount):
        made = self._act(key, rental.create, dtype, dcount, country, services)
        for order in made or ():
            assert order.id not in self.seen_ids
            self.seen_ids.add(order.id)

    @precondition(lambda self: self.world.orders)
    @rule(stranger=st.sampled_from([None, None, None, *KEYS]), data=st.data(),
          op=st.sampled_from(["activate", "delete", "sms", "prolong", "prolong_max", "add", "quote", "restore"]))
    def order_op(self, stranger, data, op):
        """Mostly the owner acts on its order; sometimes any account tries (isolation)."""
        oid = data.draw(st.sampled_from(self._ids()))
        key = stranger or self.world.orders[oid].apikey
        calls = {
            "activate": (rental.activate, oid), "delete": (rental.delete, oid), "sms": (rental.read_sms, oid),
            "prolong": (rental.prolong, oid, "week", data.draw(st.integers(1, 2))),
            "prolong_max": (rental.prolong, oid, "day", data.draw(st.integers(1, 40))),
            "add": (rental.add_service, oid, data.draw(st.sampled_from(SERVICES)),
                    self.world.orders[oid].number, data.draw(st.none() | st.integers(1, 30))),
            "quote": (restore.quote, oid), "restore": (restore.restore, oid),
        }
        fn, *args = calls[op]
        self._act(key, fn, *args)

    @precondition(lambda self: self.world.orders)
    @rule(data=st.data(), state=st.sampled_from([-1, 0, 1]), text=st.text(max_size=20))
    def supply_side(self, data, state, text):
        oid = data.draw(st.sampled_from(self._ids()))
        try:
            supply.force_state(self.world, oid, state)
        except DomainError:
            pass
        supply.send_sms(self.world, oid, text)

    @rule(seconds=st.sampled_from([60, 700, 3600, DAY, 2 * DAY, 6 * DAY, 12 * DAY]))
    def advance(self, seconds):
        self.world.advance(seconds)

    @rule(key=st.sampled_from(KEYS), amount=st.decimals("0.01", "50", places=2))
    def top_up(self, key, amount):
        self.world.accounts[key].credit(self.world.clock.now(), "topup", amount)

    @invariant()
    def balances_never_negative(self):
        for account in self.world.accounts.values():
            assert account.balance >= 0

    @invariant()
    def money_is_conserved(self):
        for account in self.world.accounts.values():
            totals = account.totals()
            credits = sum((totals.get(k, Decimal(0)) for k in CREDIT_KINDS), Decimal(0))
            debits = sum((totals.get(k, Decimal(0)) for k in DEBIT_KINDS), Decimal(0))
            assert credits - debits == account.balance

    @invariant()
    def refunds_never_exceed_what_an_order_cost(self):
        for account in self.world.accounts.values():
            paid: dict[int, Decimal] = {}
            for e in account.ledger:
                if e.order is not None:
                    sign = -1 if e.kind == "refund" else 1
                    paid[e.order] = paid.get(e.order, Decimal(0)) + sign * e.amount
            assert all(v >= 0 for v in paid.values())

    @invariant()
    def a_number_has_one_renter(self):
        renters: dict[str, set[str]] = {}
        for order in self.world.orders.values():
            if order.live:
                renters.setdefault(order.number, set()).add(order.apikey)
        assert all(len(keys) == 1 for keys in renters.values())

    @invariant()
    def live_lists_match_orders(self):
        live = [oid for a in self.world.accounts.values() for oid in a.live]
        assert len(live) == len(set(live))
        assert set(live) == {o.id for o in self.world.orders.values() if o.live}
        for key, account in self.world.accounts.items():
            assert all(self.world.orders[oid].apikey == key for oid in account.live)

    @invariant()
    def stock_never_negative(self):
        for country in self.world.catalogue.countries.values():
            for offer in country.offers.values():
                assert all(n >= 0 for n in offer.stock.values())


Rentals.TestCase.settings = settings(max_examples=100, stateful_step_count=50, deadline=None,
                                     suppress_health_check=[HealthCheck.too_slow])
TestRentals = Rentals.TestCase
