"""Verify any rent.php server: safe calls by default, the full lifecycle against the mock or when spending
is allowed; each answer judged in every dialect, so the verdict says which dialect the server speaks."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .client import Exchange, RentClient, SpendRefused
from .inband import answer_reasons, envelope_reasons
from .registry import DIALECTS

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

    def violations(self) -> list[tuple[str, str]]:
        """(label, reason) for every violation in the judged dialect."""
        return [(s.label, r) for s in self.steps for r in s.by_dialect[self.dialect]]

    @property
    def ok(self) -> bool:
        """True when nothing broke the contract."""
        return not self.violations()


class Verifier:
    """Runs the checks against one target through a guarded client."""

    def __init__(self, client: RentClient, dialect: str = "auto", mock: bool = False, token: str | None = None):
        self.client, self.wanted, self.mock, self.token = client, dialect, mock, token
        self.steps: list[Step] = []
        self.refused: list[str] = []

    # -- calls ---------------------------------------------------------------------------------
    def probe(self, label: str, method: str | None, expect: str = "any", verb: str = "GET", with_key: bool = True,
              **params) -> Exchange | None:
        """Make one call and judge it in every dialect; None when the spend guard stopped it."""
        try:
            ex = self.client.call(method, verb=verb, with_key=with_key, **params)
        except SpendRefused as exc:
            self.refused.append(f"{label}: {exc}")
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
            base.append(f"expected success, got {ex.payload.get('msg')!r}")
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

    # -- phases --------------------------------------------------------------------------------
    def catalogue(self) -> tuple[str | None, list[str]]:
        """Every catalogue method; returns a country and services to use later."""
        countries = self.data(self.probe("getcountries", "getcountries", "ok"))
        defaults = self.data(self.probe("get_default_services", "get_default_services", "ok"))
        country = countries[0]["code"] if isinstance(countries, list) and countries else None
        services = [s.get("service") for s in defaults if isinstance(s, dict)] if isinstance(defaults, list) else []
        service = services[0] if services else "opt16"
        self.probe("get_country_by_service", "get_country_by_service", "ok", service=service, dtype="week")
        if country:
            data = self.data(self.probe("getdata", "getdata", "ok", country=country, dtype="week", dcount=1))
            self._learn_prices(country, data)
            self.probe("getdataWithProviders", "getdataWithProviders", "ok", country=country, dtype="week", dcount=1)
            self.probe("getcount", "getcount", "ok", country=country)
            self.probe("getCountWithProviders", "getCountWithProviders", "ok", country=country)
            self.probe("get_count_multi", "get_count_multi", "ok", country=country,
                       services=",".join(services[:2] or [service]), dtype="week", dcount=1)
        self.probe("get_days_canada_paypal", "get_days_canada_paypal", "ok")
        self.probe("get_min_paypal_days", "get_min_paypal_days", "ok")
        return country, services

    def _learn_prices(self, country: str, data: Any) -> None:
        items = data.get("services") if isinstance(data, dict) else data
        for item in items or []:
            if isinstance(item, dict) and isinstance(item.get("price_day"), (int, float)):
                self.client.guard.prices[(country, item.get("service"))] = Decimal(str(item["price_day"]))

    def account(self) -> None:
        """Read-only calls of the account: orders, their SMS, history, restore prices."""
        orders = self.data(self.probe("orders", "orders", "ok")) or []
        for order in orders[:3]:
            if isinstance(order, dict) and "id" in order:
                self.probe("sms (existing order)", "sms", "any", id=order["id"])
        history = self.data(self.probe("get_rent_history", "get_rent_history", "ok", skip=0, take=5)) or []
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

    def lifecycle_mock(self, country: str = "RU") -> None:
        """The whole rental life on the mock, driving its clock and SMS through the control API.

        Timeline (days from the first rental): 0 rent O, rent M0+M1 on one number, O cannot be
        prolonged yet (exactly 7 days left); 0+15 min O active, SMS read, M1 deleted; 1 O prolonged
        by a week; 7+ M0 has expired, O (6 days left) prolonged by 2 days, M0 restored.
        """
        c = self.client

        def advance(seconds: int) -> None:
            c.control("POST", "/clock", {"apikey": c.apikey, "advance": seconds}, self.token)

        made = self.data(self.probe("create", "create", "ok", dtype="week", dcount=1, country=country,
                                    service="opt16"))
        order = (made[0] if isinstance(made, list) else made) or {}
        oid = order.get("id")
        multi = self.data(self.probe("create_multi", "create_multi", "ok", dtype="week", dcount=1, country=country,
                                     services="opt6,opt7")) or []
        if isinstance(multi, dict):  # live and sdk answer the first order; the others share its number
            shown = self.data(self.probe("orders (after create_multi)", "orders", "ok")) or []
            multi = [multi] + [o for o in shown if isinstance(o, dict) and o.get("pnumber") == multi.get("pnumber")
                               and o.get("id") != multi.get("id")]
        if oid is None or len(multi) != 2:
            return
        number = str(order.get("ccode", "")).lstrip("+") + str(multi[0]["pnumber"])
        # under a budget a paying step may be skipped: the steps after it would then judge a different story
        if self.probe("add_service_to_order", "add_service_to_order", "ok", id=multi[0]["id"], service="opt59",
                      pnumber=number) is None:
            return
        self.probe("orders (after create)", "orders", "ok")
        self.probe("prolong too early", "prolong", "refusal", id=oid, dtype="week", dcount=1)
        self.probe("activate", "activate", "ok", id=oid)
        advance(900)
        c.control("POST", "/sms", {"order": oid, "text": "verify 1234", "sender": "VERIFY"}, self.token)
        self.probe("sms", "sms", "ok", id=oid)
        self.probe("delete", "delete", "ok", id=multi[1]["id"])
        advance(DAY)
        if self.probe("prolong", "prolong", "ok", id=oid, dtype="week", dcount=1) is None:
            return
        advance(6 * DAY)
        if self.probe("prolong_max", "prolong_max", "ok", id=oid, dtype="day", dcount=2) is None:
            return
        self.probe("restore of a running order", "restore_user_precalc", "refusal", id=oid)
        self.probe("get_rent_history (after expiry)", "get_rent_history", "ok")
        self.probe("restore_user_precalc", "restore_user_precalc", "ok", id=multi[0]["id"])
        self.probe("restore_user", "restore_user", "ok", id=multi[0]["id"])

    def lifecycle_spend(self, country: str | None) -> None:
        """What can be done on a real service without a clock to drive: rent, activate, read, delete."""
        if not country:
            return
        prices = {s: p for (c, s), p in self.client.guard.prices.items() if c == country}
        if not prices:
            return
        service = min(prices, key=prices.get)
        made = self.data(self.probe("create", "create", "ok", dtype="week", dcount=1, country=country,
                                    service=service))
        order = (made[0] if isinstance(made, list) else made) or {}
        if "id" in order:
            self.probe("activate", "activate", "ok", id=order["id"])
            self.probe("orders (after create)", "orders", "ok")
            self.probe("sms", "sms", "ok", id=order["id"])
            self.probe("delete", "delete", "ok", id=order["id"])

    # -- verdict -------------------------------------------------------------------------------
    def run(self) -> Verdict:
        """All phases, then the verdict."""
        country, _ = self.catalogue()
        if self.client.apikey:
            self.account()
        self.errors()
        if self.client.apikey and self.mock:
            self.lifecycle_mock()
        elif self.client.apikey and self.client.guard.allow:
            self.lifecycle_spend(country)
        return self.verdict()

    def verdict(self) -> Verdict:
        """Which dialects every answer fits, and which one to judge by."""
        speaks = [d for d in DIALECTS if all(not s.by_dialect[d] for s in self.steps)]
        if self.wanted != "auto":
            judged = self.wanted
        elif speaks:
            judged = speaks[0]
        else:
            judged = min(DIALECTS, key=lambda d: sum(len(s.by_dialect[d]) for s in self.steps))
        return Verdict(self.client.base, self.steps, judged, speaks, self.refused, self.client.guard.summary())
