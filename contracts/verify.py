"""Verify any rent.php server: safe calls by default, the full lifecycle against the mock or when spending
is allowed; each answer judged in every dialect, so the verdict says which dialect the server speaks."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .client import Exchange, RentClient, SpendRefused
from .inband import answer_reasons, envelope_reasons
from .registry import DIALECTS, METHODS
from .target import Target
from .verdict import Ledger

DAY = 86_400


@dataclass
class Step:
    """One judged exchange."""

    label: str
    exchange: Exchange
    expect: str  # "ok" (status 1 owed), "refusal" (status 0 owed), "any"
    by_dialect: dict[str, list[str]] = field(default_factory=dict)

    @property
    def status(self) -> Any:
        """The envelope's status, if any."""
        return self.exchange.payload.get("status") if isinstance(self.exchange.payload, dict) else None


@dataclass
class Verdict:
    """The outcome of a run."""

    target: str
    steps: list[Step]
    dialect: str
    speaks: list[str]
    refused: list[str]  # calls the spend guard stopped
    spending: str = ""  # what was spent and what the budget skipped, in a sentence
    ledger: Ledger = field(default_factory=lambda: Ledger("methods"))

    def violations(self) -> list[tuple[str, str]]:
        """(label, reason) for every violation in the judged dialect."""
        return [(s.label, r) for s in self.steps for r in s.by_dialect[self.dialect]]

    @property
    def ok(self) -> bool:
        """True when nothing broke the contract."""
        return not self.violations()

    def exit_code(self, partial_ok: bool = False) -> int:
        """The shared exit code (contracts/verdict.py): 0, 1 broken, 3 methods left NOT JUDGED."""
        return self.ledger.exit_code(partial_ok)


IN_BAND = "in-band refusals"  # the ledger's item for unknown/missing methods, POST and malformed parameters
_FLAG_KEY = "--apikey KEY"
_FLAG_SPEND = "--apikey KEY --allow-spend --max-spend AMOUNT"


def _items(data: Any) -> list:
    """`data` when it is a list, else nothing (a hostile answer of another type is judged, not walked)."""
    return data if isinstance(data, list) else []


def _first(data: Any) -> dict:
    """The object of an answer that is one object or a list of them (create's two forms), else {}."""
    first = data[0] if isinstance(data, list) and data else data
    return first if isinstance(first, dict) else {}


class Verifier:
    """Runs the checks against one target through a guarded client."""

    def __init__(self, client: RentClient, dialect: str = "auto", mock: Target | None = None):
        """`mock`: the mock met (its control API moves the clock and sends SMS); None for any other server."""
        self.client, self.wanted, self.target = client, dialect, mock
        self.mock = mock is not None
        self.steps: list[Step] = []
        self.refused: list[str] = []
        self.why_not: dict[str, tuple[str, str]] = {}  # method -> (why it was not called, the flag that would)

    # -- calls ---------------------------------------------------------------------------------
    def probe(self, label: str, method: str | None, expect: str = "any", verb: str = "GET", with_key: bool = True,
              **params) -> Exchange | None:
        """Make one call and judge it in every dialect; None when the spend guard stopped it."""
        try:
            ex = self.client.call(method, verb=verb, with_key=with_key, **params)
        except SpendRefused as exc:
            self.refused.append(f"{label}: {exc}")
            if method is not None:
                flag = "--max-spend AMOUNT (more)" if "budget" in str(exc) or "estimated" in str(exc) \
                    else "--allow-spend --max-spend AMOUNT"
                self.why_not.setdefault(method, (f"the spend guard stopped it: {exc}", flag))
            return None
        step = Step(label, ex, expect)
        if ex.payload is not None:
            base = envelope_reasons(ex.http_status or 0, ex.payload)
        else:  # no JSON (or no answer at all): say what came back
            base = [f"HTTP {ex.http_status}: rent.php answers every call with HTTP 200"] \
                if ex.http_status not in (None, 200) else []
            base.append(ex.error or "no answer")
        status = step.status
        if expect == "ok" and status == 0:
            base.append(f"expected success, got {str(ex.payload.get('msg'))[:200]!r}")
        if expect == "refusal" and status == 1:
            base.append("expected a refusal (status 0), got status 1")
        query = {k: str(v) for k, v in ex.params.items()}
        for dialect in DIALECTS:
            step.by_dialect[dialect] = base + (answer_reasons(verb, query, ex.payload, dialect) if not ex.error else [])
        self.steps.append(step)
        return ex

    def data(self, ex: Exchange | None) -> Any:
        """The `data` of a successful answer, else None."""
        if ex is None or not isinstance(ex.payload, dict) or ex.payload.get("status") != 1:
            return None
        return ex.payload.get("data")

    def multi_orders(self, made: Any) -> list:
        """create_multi's orders: its list (documented), or the first order it answers (live, sdk) and the others
        `orders` shows on the same number."""
        if not isinstance(made, dict):
            return _items(made)
        shown = _items(self.data(self.probe("orders (after create_multi)", "orders", "ok")))
        return [made] + [o for o in shown if isinstance(o, dict) and o.get("pnumber") == made.get("pnumber")
                         and o.get("id") != made.get("id")]

    def skip(self, methods, why: str, flag: str = "") -> None:
        """Say why `methods` were not called (kept only for methods no step judged)."""
        if self.refused and not flag:  # the guard stopped a call the rest of the story builds on
            why, flag = f"{why} (the spend guard stopped a call it builds on)", "--max-spend AMOUNT (more)"
        for m in methods:
            self.why_not.setdefault(m, (why, flag))

    # -- phases --------------------------------------------------------------------------------
    def catalogue(self) -> tuple[str | None, list[str]]:
        """Every catalogue method; returns a country and its services (cheapest first) to use later."""
        countries = _items(self.data(self.probe("getcountries", "getcountries", "ok")))
        defaults = _items(self.data(self.probe("get_default_services", "get_default_services", "ok")))
        codes = [c.get("code") for c in countries if isinstance(c, dict) and isinstance(c.get("code"), str)]
        country = "RU" if "RU" in codes else (codes[0] if codes else None)
        services = [s.get("service") for s in defaults if isinstance(s, dict) and isinstance(s.get("service"), str)]
        service = services[0] if services else "opt16"
        self.probe("get_country_by_service", "get_country_by_service", "ok", service=service, dtype="week")
        if not country:
            self.skip(("getdata", "getdataWithProviders", "getcount", "getCountWithProviders", "get_count_multi"),
                      "getcountries named no country to ask about")
        else:
            data = self.data(self.probe("getdata", "getdata", "ok", country=country, dtype="week", dcount=1))
            offered = [service for _, service, _, _ in self.client.note_prices(country, data)]
            services = offered or services
            self.probe("getdataWithProviders", "getdataWithProviders", "ok", country=country, dtype="week", dcount=1)
            self.probe("getcount", "getcount", "ok", country=country)
            self.probe("getCountWithProviders", "getCountWithProviders", "ok", country=country)
            self.probe("get_count_multi", "get_count_multi", "ok", country=country,
                       services=",".join(services[:2] or [service]), dtype="week", dcount=1)
        self.probe("get_days_canada_paypal", "get_days_canada_paypal", "ok")
        self.probe("get_min_paypal_days", "get_min_paypal_days", "ok")
        return country, services

    def account(self) -> None:
        """Read-only calls of the account: orders, their SMS, history, restore prices."""
        orders = _items(self.data(self.probe("orders", "orders", "ok")))
        for order in orders[:3]:
            if isinstance(order, dict) and "id" in order:
                self.probe("sms (existing order)", "sms", "any", id=order["id"])
        history = _items(self.data(self.probe("get_rent_history", "get_rent_history", "ok", skip=0, take=5)))
        for item in history[:3]:
            if isinstance(item, dict) and "orderId" in item:
                self.probe("restore_user_precalc (history)", "restore_user_precalc", "any", id=item["orderId"])

    def errors(self) -> None:
        """Calls that must be refused in band (none of them can spend)."""
        self.probe("unknown method", "no_such_method", "refusal")
        self.probe("missing method", None, "refusal")
        self.probe("orders without apikey", "orders", "refusal", with_key=False)
        self.probe("orders with a wrong apikey", "orders", "refusal", with_key=False, apikey="0" * 32)
        self.probe("getdata without country", "getdata", "refusal")
        self.probe("getdata with dcount=abc", "getdata", "refusal", country="RU", dcount="abc")
        self.probe("POST getcountries", "getcountries", "refusal", verb="POST")
        if self.client.apikey:
            self.probe("sms of an unknown order", "sms", "refusal", id=1)
            self.probe("restore_user_precalc of an unknown order", "restore_user_precalc", "refusal", id=1)

    def lifecycle_mock(self, country: str, services: list[str]) -> None:
        """The whole rental life on the mock, driving its clock and SMS through the control API.

        Timeline (days from the first rental): 0 rent O, rent M0+M1 on one number, O cannot be
        prolonged yet (exactly 7 days left); 0+15 min O active, SMS read, M1 deleted; 1 O prolonged
        by a week; 7+ M0 has expired, O (6 days left) prolonged by 2 days, M0 restored.
        """
        c = self.client
        later = ("create_multi", "add_service_to_order", "activate", "sms", "delete", "prolong", "prolong_max",
                 "restore_user_precalc", "restore_user", "get_rent_history", "orders")
        picks = [s for s in ("opt16", "opt6", "opt7", "opt59") if s in services]
        if len(picks) < 4:
            picks = services[:4]
        if len(picks) < 4:
            self.skip(("create",) + later, f"{country} offers fewer than 4 services in stock for the lifecycle")
            return

        def advance(seconds: int) -> None:
            self.target.control("POST", "/clock", {"apikey": c.apikey, "advance": seconds})

        first, m0, m1, extra = picks
        order = _first(self.data(self.probe("create", "create", "ok", dtype="week", dcount=1, country=country,
                                            service=first)))
        oid = order.get("id")
        multi = self.multi_orders(self.data(self.probe("create_multi", "create_multi", "ok", dtype="week", dcount=1,
                                                       country=country, services=f"{m0},{m1}")))
        if oid is None or len(multi) != 2 or not all(isinstance(m, dict) and "id" in m for m in multi):
            self.skip(later, "create or create_multi did not give orders to go on with")
            return
        number = str(order.get("ccode", "")).lstrip("+") + str(multi[0].get("pnumber"))
        # under a budget a paying step may be skipped: the steps after it would then judge a different story
        if self.probe("add_service_to_order", "add_service_to_order", "ok", id=multi[0]["id"], service=extra,
                      pnumber=number) is None:
            self.skip(later, "the lifecycle stopped")
            return
        self.probe("orders (after create)", "orders", "ok")
        self.probe("prolong too early", "prolong", "refusal", id=oid, dtype="week", dcount=1)
        self.probe("activate", "activate", "ok", id=oid)
        advance(900)
        self.target.control("POST", "/sms", {"order": oid, "text": "verify 1234", "sender": "VERIFY"})
        self.probe("sms", "sms", "ok", id=oid)
        self.probe("delete", "delete", "ok", id=multi[1]["id"])
        advance(DAY)
        if self.probe("prolong", "prolong", "ok", id=oid, dtype="week", dcount=1) is None:
            self.skip(later, "the lifecycle stopped")
            return
        advance(6 * DAY)
        if self.probe("prolong_max", "prolong_max", "ok", id=oid, dtype="day", dcount=2) is None:
            self.skip(later, "the lifecycle stopped")
            return
        self.probe("restore of a running order", "restore_user_precalc", "refusal", id=oid)
        self.probe("get_rent_history (after expiry)", "get_rent_history", "ok")
        self.probe("restore_user_precalc", "restore_user_precalc", "ok", id=multi[0]["id"])
        self.probe("restore_user", "restore_user", "ok", id=multi[0]["id"])

    def lifecycle_spend(self, country: str | None, services: list[str]) -> None:
        """What can be done on a real service without a clock to drive: rent (one and several services on a
        number), add a day of a service, activate, read, try to prolong too early, delete, ask for a restore."""
        if not country or not services:
            self.skip([m for m, spec in METHODS.items() if spec.spends] + ["activate", "sms", "delete"],
                      "the catalogue named no service in stock to rent")
            return
        order = _first(self.data(self.probe("create", "create", "ok", dtype="week", dcount=1, country=country,
                                            service=services[0])))
        if "id" not in order:
            self.skip(("activate", "sms", "delete", "prolong", "prolong_max", "add_service_to_order"),
                      "create gave no order to go on with")
            return
        oid = order["id"]
        self.probe("activate", "activate", "ok", id=oid)
        self.probe("orders (after create)", "orders", "ok")
        self.probe("sms", "sms", "ok", id=oid)
        self.probe("prolong too early", "prolong", "refusal", id=oid, dtype="week", dcount=1)
        self.probe("prolong_max too early", "prolong_max", "refusal", id=oid, dtype="day", dcount=1)
        if len(services) >= 3:
            multi = self.multi_orders(self.data(self.probe("create_multi", "create_multi", "ok", dtype="week",
                                                           dcount=1, country=country,
                                                           services=f"{services[1]},{services[2]}")))
            for item in multi:
                if isinstance(item, dict) and "id" in item:
                    self.probe("delete (create_multi)", "delete", "ok", id=item["id"])
        else:
            self.skip(("create_multi",), f"{country} offers fewer than 3 services in stock")
        number = str(order.get("ccode", "")).lstrip("+") + str(order.get("pnumber", ""))
        if len(services) >= 4:
            self.probe("add_service_to_order (a day)", "add_service_to_order", "ok", id=oid, service=services[3],
                       pnumber=number, rent_days=1)
        self.probe("delete", "delete", "ok", id=oid)
        self.probe("restore_user_precalc (deleted)", "restore_user_precalc", "any", id=oid)
        self.skip(("restore_user",), "only an order that ran to its end can be restored, and a real service's "
                  "clock cannot be moved", "nothing on this server; run verify against smspva-rent-mock")

    # -- verdict -------------------------------------------------------------------------------
    def run(self) -> Verdict:
        """All phases, then the verdict."""
        country, services = self.catalogue()
        spending = [m for m, spec in METHODS.items() if spec.spends]
        if self.client.apikey:
            self.account()
        else:
            self.skip(spending + ["activate", "delete"], "needs an account and an order it paid for",
                      _FLAG_SPEND if not self.mock else "")
            self.skip([m for m, spec in METHODS.items() if spec.apikey == "required"],
                      "needs an account and none was given", _FLAG_KEY if not self.mock else "")
        self.errors()
        if self.client.apikey and self.mock:
            if country:
                self.lifecycle_mock(country, services)
        elif self.client.apikey and self.client.guard.allow:
            self.lifecycle_spend(country, services)
        elif self.client.apikey:
            self.skip(spending + ["activate", "delete"], "spends money (or needs an order that did)",
                      "--allow-spend --max-spend AMOUNT")
        return self.verdict()

    def verdict(self) -> Verdict:
        """Which dialects every answer fits, which one to judge by, and every method's verdict."""
        speaks = [d for d in DIALECTS if all(not s.by_dialect[d] for s in self.steps)]
        if self.wanted != "auto":
            judged = self.wanted
        elif speaks:
            judged = speaks[0]
        else:
            judged = min(DIALECTS, key=lambda d: sum(len(s.by_dialect[d]) for s in self.steps))
        return Verdict(self.client.base, self.steps, judged, speaks, self.refused, self.client.guard.summary(),
                       self.ledger(judged))

    def ledger(self, dialect: str) -> Ledger:
        """Each method held, broken or NOT JUDGED (with why and the flag that would judge it)."""
        led = Ledger("methods")
        for name in list(METHODS) + [IN_BAND]:
            steps = [s for s in self.steps if (s.exchange.method if s.exchange.method in METHODS else IN_BAND) == name]
            broken = [f"{s.label}: {r}" for s in steps for r in s.by_dialect[dialect]]
            if broken:
                led.broken(name, broken[0], broken[1:])
            elif steps:
                led.held(name)
            else:
                why, flag = self.why_not.get(name, ("no step of this run called it", ""))
                led.not_judged(name, why, flag)
        return led
