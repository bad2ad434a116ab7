"""The differential state machine: hypothesis drives random sequences of every rent.php method, account API
reads, SMS injection, clock moves, state changes and catalogue changes against a fresh world of the target
and the model side by side (contracts/model/), compares whole answers after every call and the state reads
after every step, and shrinks a difference to the shortest sequence that shows it."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.errors import Flaky
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from ..target import ControlRefused
from .differ import Broke, Differ, held_findings, plan, seed_catalogue
from .explore import Explorer
from .judge import Finding
from ..model.arithmetic import DAY, LOST, NOT_ACTIVE
from .target import Target

NEEDS = ("apikey", "spend", "balance", "clock")
EXPLORE_SECONDS = 120  # the directed sequences' budget in a default run (--exhaustive: none)
SHRINK_SECONDS = 30  # how long a difference is shrunk (hypothesis' own default is 300 s)
MOVES = (60, 600, 900, 1800, 3 * 3600, DAY, 3 * DAY, 6 * DAY + 3600, 8 * DAY, 31 * DAY)
PERIODS = (("week", 1), ("week", 2), ("month", 1), ("month", 3), ("week", 13), ("month", 4), ("month", 7))


def build(target: Target, held: set[str]) -> type[RuleBasedStateMachine]:
    """The machine class for `target` (the catalogue read once, from a fresh world of it); the rules its
    examples judged go into `held`."""
    probe = target.session()
    catalogue = seed_catalogue(target, probe)
    where = plan(catalogue)
    foreign = target.new_world()  # only read and refused in: one for every example
    countries = st.sampled_from(where.countries)

    class Differential(RuleBasedStateMachine):
        """One example: a fresh world of the target and the model of it, side by side."""

        def __init__(self):
            super().__init__()
            self.session = target.session()
            self.d = Differ(target, self.session, catalogue, foreign)
            self.d.call("getcountries", "nokey")

        def teardown(self):
            """Delete the example's world."""
            target.control("DELETE", f"/worlds/{self.session.world}")
            target.worlds.remove(self.session.world)

        # -- what there is to act on ------------------------------------------------------------
        def ids(self, live: bool | None = None, who: str = "main") -> list[int]:
            """The order ids of `who` (running, archived, or both)."""
            key = self.d.keys[who]
            return sorted(i for i, o in self.d.w.orders.items()
                          if o.apikey == key and (live is None or o.live == live))

        def pick(self, data, live: bool | None = True, who: str = "main") -> int:
            """One of `who`'s order ids, drawn."""
            return data.draw(st.sampled_from(self.ids(live, who)))

        # -- renting ----------------------------------------------------------------------------
        @rule(country=countries, i=st.integers(0, 3), period=st.sampled_from(PERIODS), who=st.sampled_from(
            ["main", "main", "main", "alt"]), provider=st.booleans())
        def create(self, country, i, period, who, provider):
            """Rent a number (sometimes from a named provider, for the other account, or too long)."""
            services = where.services[country]
            extra = {}
            if provider:
                extra["provider"] = sorted(self.d.w.catalogue.countries[country].providers)[i % 2]
            self.d.call("create", who, dtype=period[0], dcount=period[1], country=country,
                        service=services[i % len(services)], **extra)

        @rule(country=countries, n=st.integers(2, 3), dup=st.booleans())
        def create_multi(self, country, n, dup):
            """Rent one number for two or three services (sometimes one listed twice)."""
            services = list(where.services[country][:n])
            if dup and n == 3:
                services[2] = services[0]
            self.d.call("create_multi", dtype="week", dcount=1, country=country, services=",".join(services))

        @precondition(lambda self: self.ids(True))
        @rule(data=st.data(), i=st.integers(0, 3), right=st.booleans(), rent_days=st.sampled_from([None, 3]))
        def add_service(self, data, i, right, rent_days):
            """Add a service to a running order (the right number or a wrong one; days left or rent_days)."""
            order = self.d.w.orders[self.pick(data)]
            services = where.services.get(order.country) or (order.service,)
            extra = {"rent_days": rent_days} if rent_days else {}
            self.d.call("add_service_to_order", id=order.id, service=services[i % len(services)],
                        pnumber=order.number if right else order.number[:-1] + "0", **extra)

        @precondition(lambda self: self.ids(True))
        @rule(data=st.data())
        def activate(self, data):
            """Ask a running order's number to come online."""
            self.d.call("activate", id=self.pick(data))

        @precondition(lambda self: self.ids(True))
        @rule(data=st.data(), how=st.sampled_from([("prolong", "week", 1), ("prolong", "month", 1),
                                                   ("prolong", "month", 4), ("prolong_max", "day", 2),
                                                   ("prolong_max", "day", 200)]))
        def prolong(self, data, how):
            """prolong or prolong_max by weeks, months or days."""
            method, dtype, dcount = how
            self.d.call(method, id=self.pick(data), dtype=dtype, dcount=dcount)

        @precondition(lambda self: self.ids(True))
        @rule(data=st.data())
        def delete(self, data):
            """Close a running order."""
            self.d.call("delete", id=self.pick(data))

        @precondition(lambda self: self.ids())
        @rule(data=st.data())
        def read_sms(self, data):
            """Read an order's SMS (running or archived)."""
            self.d.call("sms", id=self.pick(data, None))

        @precondition(lambda self: self.ids(False) or self.ids(False, "alt"))
        @rule(data=st.data(), do=st.booleans(), who=st.sampled_from(["main", "alt"]))
        def restore(self, data, do, who):
            """restore_user or its precalculation, by the renter or the other account."""
            oid = data.draw(st.sampled_from(self.ids(False) + self.ids(False, "alt")))
            self.d.call("restore_user" if do else "restore_user_precalc", who, id=oid)

        @rule(skip=st.sampled_from([0, 1, 3]), take=st.sampled_from([None, 1, 2, 5]))
        def history(self, skip, take):
            """A page of the archive."""
            self.d.call("get_rent_history", skip=skip, **({"take": take} if take else {}))

        # -- reading the catalogue and the account ----------------------------------------------
        @rule(method=st.sampled_from(["getdata", "getdataWithProviders", "getcount", "getCountWithProviders",
                                      "get_count_multi", "get_country_by_service", "get_default_services",
                                      "getcountries", "get_days_canada_paypal", "get_min_paypal_days"]),
              country=countries, scope=st.sampled_from(["main", "main", "foreign"]),
              who=st.sampled_from(["nokey", "main", "foreign"]))
        def catalogue_read(self, method, country, scope, who):
            """A catalogue method, in this world, the foreign one, with or without an apikey."""
            services = where.services[country]
            params = {"getdata": {"country": country}, "getdataWithProviders": {"country": country},
                      "getcount": {"country": country}, "getCountWithProviders": {"country": country},
                      "get_count_multi": {"country": country, "services": ",".join(services[:2]),
                                          "dtype": "week", "dcount": 1},
                      "get_country_by_service": {"service": services[0], "dtype": "month", "dcount": 2},
                      }.get(method, {})
            self.d.call(method, who, scope, **params)

        @rule(metod=st.sampled_from(["get_balance", "get_userinfo", "get_service_price", "nope"]),
              who=st.sampled_from(["main", "foreign", "nokey"]), scope=st.sampled_from(["main", "foreign"]),
              country=countries, i=st.integers(0, 3))
        def account(self, metod, who, scope, country, i):
            """The account API (/priemnik.php) with this, another world's or no apikey."""
            services = where.services[country] + ("opt999999",)
            extra = {"country": country, "service": services[i]} if metod == "get_service_price" else {}
            self.d.account(metod, who, scope, **extra)

        @rule(method=st.sampled_from(["orders", "get_rent_history", "sms", "delete", "restore_user_precalc",
                                      "getcount"]),
              who=st.sampled_from(["foreign", "alt", "main"]), scope=st.sampled_from(["main", "foreign", "root"]),
              data=st.data())
        def elsewhere(self, method, who, scope, data):
            """Calls with another account's or another world's apikey (refused, or that account's own), and on the
            root path, where the apikey names its world."""
            params = {"country": where.countries[0]} if method == "getcount" else {}
            if method in ("sms", "delete", "restore_user_precalc"):
                params["id"] = data.draw(st.sampled_from(self.ids() or [1]))
            self.d.call(method, who, scope, **params)

        @rule(kind=st.sampled_from(["no id", "bad id", "bad dtype", "unknown method", "unknown country", "poor",
                                    "post"]))
        def bad_call(self, kind):
            """A call the service must refuse (parameters, method, money, verb)."""
            country = where.countries[0]
            if kind == "post":
                self.d.call("orders", verb="POST")
            elif kind == "unknown method":
                self.d.call("nosuch")
            elif kind == "unknown country":
                self.d.call("getcount", country="XX")
            elif kind == "poor":
                self.d.call("create", "alt", dtype="month", dcount=1000, country=country,
                            service=where.services[country][0])
            else:
                params = {"no id": {}, "bad id": {"id": "x7"}, "bad dtype": {"id": 1, "dtype": "year", "dcount": 1}}
                self.d.call("prolong", **params[kind])

        # -- what the service does on its own (the mock's control extension) --------------------
        @rule(seconds=st.sampled_from(MOVES))
        def time_passes(self, seconds):
            """Move the world's clock."""
            self.d.advance(seconds)

        @precondition(lambda self: self.ids())
        @rule(data=st.data(), whose=st.sampled_from(["own", "added", "other"]))
        def sms_arrives(self, data, whose):
            """An SMS for the order's own service, an added one, or another service of the number."""
            order = self.d.w.orders[self.pick(data, None)]
            country = where.services.get(order.country, ())
            service = {"own": None, "added": order.extra[-1] if order.extra else None,
                       "other": next((s for s in country if s not in order.services), "opt999")}[whose]
            self.d.send_sms(order.id, f"code {len(self.d.steps)}", "CONFORM", service)

        @precondition(lambda self: self.ids(True))
        @rule(data=st.data(), state=st.sampled_from([LOST, NOT_ACTIVE, 1]))
        def state_changes(self, data, state):
            """The provider loses the number, or it goes offline or online (control API)."""
            self.d.set_state(self.pick(data), state)

        @rule(country=countries, i=st.integers(0, 3), kind=st.sampled_from(["price", "stock", "discount", "drop",
                                                                             "rename", "empty"]))
        def catalogue_changes(self, country, i, kind):
            """A price, discount, stock, offer or service name changes (control API)."""
            land = self.d.w.catalogue.countries.get(country)
            services = where.services[country]
            service = services[i % len(services)]
            if land is None:
                return
            again = {} if service in land.offers else {"price_day": "0.9"}  # an offer dropped before comes back
            if kind == "drop":
                if service in land.offers:
                    self.d.drop(country, service)
            elif kind == "rename":
                self.d.rename(service, f"Renamed {service}")
            elif kind == "empty":
                self.d.set_offer(country, service, stock={p: 0 for p in land.providers}, price_day="0.5")
            elif kind == "price":
                self.d.set_offer(country, service, price_day="1.23" if i % 2 else "0.07")
            elif kind == "discount":
                self.d.set_offer(country, service, price_day="0.85", procent_days=30, procent=15)
            else:
                self.d.set_offer(country, service, stock={sorted(land.providers)[0]: 1}, **again)

        # -- the state reads that follow every step ---------------------------------------------
        @invariant()
        def agrees(self):
            """After every step: orders, balance and history (of both accounts when the other has rented)."""
            self.d.look()
            if self.ids(None, "alt"):
                self.d.look("alt")
            held.update(self.d.held)

    Differential.__name__ = "DifferentialMachine"
    Differential.catalogue, Differential.where, Differential.foreign = catalogue, where, foreign
    return Differential


def first_broke(exc: BaseException) -> Broke | None:
    """The first difference inside an exception (hypothesis groups the failures of inconsistent replays)."""
    seen: list[BaseException] = [exc]
    while seen:
        e = seen.pop(0)
        if isinstance(e, Broke):
            return e
        seen += list(getattr(e, "exceptions", ())) + [c for c in (e.__cause__, e.__context__) if c is not None]
    return None


@contextmanager
def shrink_budget(seconds: int) -> Iterator[None]:
    """Bound the time hypothesis spends shrinking a difference (each try replays calls over HTTP)."""
    from hypothesis.internal.conjecture import engine
    old = getattr(engine, "MAX_SHRINKING_SECONDS", None)
    if old is not None:
        engine.MAX_SHRINKING_SECONDS = seconds
    try:
        yield
    finally:
        if old is not None:
            engine.MAX_SHRINKING_SECONDS = old


def run_machine(target: Target, findings: list[Finding], examples: int, exhaustive: bool = False) -> str:
    """Run the machine, then the directed sequences it left; a difference (shrunk) becomes a broken finding, the
    rules it judged held ones."""
    missing = target.missing(NEEDS)
    if missing:
        return f"model-based machine skipped ({missing})"
    held: set[str] = set()
    try:
        machine = build(target, held)
    except Broke as exc:  # the catalogue itself disagrees
        findings.append(exc.finding)
        return f"model-based machine: {exc.finding.rule} broken while reading the catalogue"
    # derandomized: the same target and examples give the same sequences, so a run can be repeated
    conf = settings(max_examples=examples, stateful_step_count=20, deadline=None, database=None,
                    derandomize=True, suppress_health_check=list(HealthCheck), print_blob=False)
    note = _random(machine, conf, findings, held, examples)
    directed = Explorer(target, machine.catalogue, machine.where, machine.foreign)
    return f"{note}; {directed.run(findings, held, exhaustive, EXPLORE_SECONDS)}"


def _random(machine: type[RuleBasedStateMachine], conf: settings, findings: list[Finding], held: set[str],
            examples: int) -> str:
    try:
        with shrink_budget(SHRINK_SECONDS):
            run_state_machine_as_test(machine, settings=conf)
    except ControlRefused as exc:  # the control API refused the machine's own set-up
        return f"model-based machine stopped: {exc}"[:300]
    except Broke as exc:
        findings.append(exc.finding)
        return (f"model-based machine: {exc.finding.rule} differs from the model after "
                f"{sum(1 for c in exc.finding.calls if c.startswith('t+'))} calls (shrunk)")
    except Flaky as exc:  # a replay of the same calls got other answers: the target is not deterministic
        broke = first_broke(exc)
        if broke is None:
            raise
        findings.append(broke.finding)
        return (f"model-based machine: {broke.finding.rule} differs from the model (not shrunk: the target "
                "answered the same calls differently when they were replayed)")
    findings.extend(held_findings(held))
    return f"model-based machine: {examples} random sequences agreed with the model"
