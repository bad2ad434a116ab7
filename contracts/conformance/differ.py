"""Differential judging: every call goes to the target and to the model side by side, and the whole answers are
compared. A difference is reported as the call, the predicted answer, the received one and the rule the
model's prediction names there ("UNNAMED" when no rule does). Control calls on the mock (clock, SMS, states,
catalogue changes) are mirrored in the model."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .. import registry
from ..client import RentClient, SpendGuard
from ..fetch import BadJSON, FetchError
from ..model.answers import Prediction
from ..model.catalogue import Catalogue, Offer, learn_extension, seed
from ..model.expect import Diff, compare, rules_of, show, shown
from ..model import probe
from ..model.orders import row_diffs
from ..model.service import Service
from ..model.state import Sms, World
from .judge import Finding
from ..model.arithmetic import ACTIVE, LOST, cents
from .target import START_BALANCE, Session, Target


# calls that change nothing (sms marks its SMS read: not one of them)
READS = ("orders", "get_rent_history", "restore_user_precalc", "getcount", "getCountWithProviders", "getdata",
         "getdataWithProviders", "get_count_multi", "get_country_by_service", "get_default_services", "getcountries",
         "get_days_canada_paypal", "get_min_paypal_days")


class Broke(AssertionError):
    """The target's answer differs from the model's prediction."""

    def __init__(self, finding: Finding):
        super().__init__(f"{finding.rule}: predicted {finding.expected}, received {finding.got}")
        self.finding = finding


def seed_catalogue(target: Target, session: Session) -> Catalogue:
    """The model's catalogue from what a fresh world of the target shows (its control catalogue for the rest)."""
    client = session.client("main")

    def read(method: str, params: dict) -> Any:
        ex = client.call(method, with_key=False, **params)
        p = ex.payload
        if not isinstance(p, dict) or p.get("status") != 1:
            raise Broke(Finding("CATALOGUE-VIEWS", False, f"{method} succeeds", shown(p if p is not None else ex.error),
                                []))
        return p.get("data")

    cat = seed(read)
    if target.mock_dialect is not None:
        doc = target.control("GET", "/catalogue", world=session.world)
        disagree = learn_extension(cat, doc)
        if disagree:
            raise Broke(Finding("CATALOGUE-VIEWS", False, "/_mock/catalogue agrees with rent.php's catalogue",
                                "; ".join(disagree[:3]), []))
    return cat


@dataclass(frozen=True)
class Plan:
    """Where the machine rents: a few countries (a plain one, a FAST one, one writing numbers in full) and a
    few services of each (the cheapest in stock and a discounted one)."""

    countries: tuple[str, ...]
    services: dict[str, tuple[str, ...]]


def plan(cat: Catalogue) -> Plan:
    """Countries and services to rent in, chosen from the catalogue the target showed."""
    def usable(code):
        land = cat.countries[code]
        return sorted((s for s, o in land.offers.items() if o.total() >= 6 and o.price_day > 0),
                      key=lambda s: land.offers[s].price_day)
    picks: list[str] = []
    # RU where the catalogue has it (the reference's examples), else a NORMAL country (the live catalogue has no RU,
    # docs/evidence.md C10): the first pick goes through activation
    first = (lambda c: c.code == "RU") if "RU" in cat.countries else (lambda c: c.fast is False)
    for test in (first, lambda c: c.fast, lambda c: c.form == "full", lambda c: True):
        code = next((c.code for c in cat.countries.values() if test(c) and c.code not in picks
                     and len(usable(c.code)) >= 4), None)
        if code:
            picks.append(code)
    services = {}
    for code in picks:
        names = usable(code)
        land = cat.countries[code]
        discounted = [s for s in names if land.offers[s].procent and 7 < land.offers[s].procent_days <= 90]
        services[code] = tuple(dict.fromkeys(names[:3] + discounted[:1]))
    return Plan(tuple(picks), services)


class Differ:
    """One world of the target (and a foreign one, for world scoping) judged against the model."""

    def __init__(self, target: Target, session: Session, catalogue: Catalogue, foreign: dict | None = None):
        self.t, self.s = target, session
        self.service = Service()
        now = self.t0 = session.now()  # steps are shown relative to it
        strict = target.mock_dialect is not None  # on the mock, our own words and choices are predicted exactly
        self.w = self.service.add(World(session.world or "target", target.dialect, session.params, catalogue.copy(),
                                        now, strict))
        self.keys = {}
        if strict:  # the accounts a session opens on the mock, with their known balance
            self.keys = {"main": session.apikey("main"), "alt": session.apikey("alt")}
            for who in ("main", "alt"):
                self.service.open_account(self.w, self.keys[who], Decimal(START_BALANCE))
        self.f: World | None = None
        if foreign:  # another world of the target ({world, apikey, now} as POST /_mock/worlds made it), untouched
            self.f = self.service.add(World(foreign["world"], target.dialect, session.params, catalogue.copy(),
                                            foreign["now"]))
            self.keys["foreign"] = foreign["apikey"]
            self.service.open_account(self.f, foreign["apikey"], Decimal(START_BALANCE))
        self.keys["bogus"] = "no-such-apikey-0"  # an apikey no world has
        self.clients: dict[tuple[str, str], RentClient] = {}
        self.steps: list[str] = []
        self.reads: set[int] = set()  # the steps that only read (left out of a report but for the last two)
        self.held: set[str] = set()
        self.last: dict[int, str] = {}  # order id -> what last changed it (for the pairs a run exercised)

    def open_account(self, who: str, balance: str) -> str:
        """Another account in this world (mock only) with `balance`; later calls name it `who`."""
        made = self.t.control("POST", "/accounts", {"world": self.w.name, "balance": balance})
        self.keys[who] = made["apikey"]
        self.service.open_account(self.w, made["apikey"], Decimal(balance))
        self._step(self.w.now, f"account {who} opened with {balance}")
        return made["apikey"]

    def changed(self, order_id: int, what: str) -> None:
        """Note what last changed an order (a later call on it exercises the pair)."""
        self.last[order_id] = what

    # -- reporting --------------------------------------------------------------------------------
    def _fail(self, diffs: list[Diff], call: str, predicted: Any, got: Any) -> None:
        first = diffs[0]
        rule = first.rule or "UNNAMED"
        # the report shows what changed the world (the last 12 steps that did), the reads just before the call, then
        # the call, what the model predicted and what came, last of all
        before = range(len(self.steps) - 1)
        writes = [i for i in before if i not in self.reads][-12:]
        shown_steps = sorted(set(writes) | {i for i in before[-2:]})
        lines = [self.steps[i] for i in shown_steps] + [f"also {d.line()}" for d in diffs[1:4]] + self.steps[-1:] + \
            [f"predicted: {show(predicted)[:400]}", f"received:  {shown(got)[:400]}"]
        raise Broke(Finding(rule, False, f"{call} → {first.path}: {first.expected}", f"{first.path}: {first.got}",
                            lines))

    def _judge(self, pred: Prediction, got: Any, call: str) -> Any:
        diffs = compare(pred.expected, got)
        if diffs:
            self._fail(diffs, call, pred.expected, got)
        after = pred.learn(got) if pred.learn else []
        if after:
            self._fail(after, call, pred.expected, got)
        self.held |= rules_of(pred.expected) | {"UNNAMED"}  # the whole answer agreed
        return got

    def findings(self) -> list[Finding]:
        """One held finding for each rule the compared answers judged."""
        return held_findings(self.held)

    def _step(self, now: int, text: str, read: bool = False) -> None:
        """Note a step for the report, at its time relative to the start (`read`: it changed nothing)."""
        if read:
            self.reads.add(len(self.steps))
        self.steps.append(f"t+{now - self.t0}s {text}")

    # -- rent.php and the account API -------------------------------------------------------------
    def world_of(self, scope: str) -> World:
        """The model of `scope` ("main", "foreign", or "root": the path without /w/<world>/, main's world)."""
        return self.f if scope == "foreign" else self.w

    def client(self, who: str, scope: str = "main") -> RentClient:
        """A client of `scope`'s base path with `who`'s apikey ("nokey": none)."""
        key = (who, scope)
        if key not in self.clients:
            if not self.s.world:
                base = self.s.main.base
            else:
                base = self.t.root + ("" if scope == "root" else f"/w/{self.world_of(scope).name}")
            self.clients[key] = RentClient(base, self.keys.get(who), SpendGuard(allow=True), fetcher=self.t.fetcher)
        return self.clients[key]

    def call(self, method: str, who: str = "main", scope: str = "main", verb: str = "GET", **params) -> Any:
        """One rent.php call judged against the model; returns the received answer."""
        query = {"method": method, **{k: str(v) for k, v in params.items()}}
        if who in self.keys:
            query["apikey"] = self.keys[who]
        world = self.world_of(scope)
        if scope == "root" and who not in self.keys:
            raise ValueError("a keyless call on the root path reads the default world, which the model does not follow")
        order_id = params.get("id")
        before = set(self.w.orders)
        if isinstance(order_id, int) and order_id in self.w.orders and scope != "foreign":
            probe.pair(self.last.get(order_id, "create"), method)
        pred = self.service.rent(None if scope == "root" else world.name, query, verb)
        ex = self.client(who, scope).call(method, verb, with_key=who in self.keys,
                                          **{k: str(v) for k, v in params.items()})
        shown_q = "&".join(f"{k}={v}" for k, v in params.items())
        received = ex.payload if ex.payload is not None else ex.error
        line = f"{'' if verb == 'GET' else verb + ' '}{who}@{scope} {method}?{shown_q} → {shown(received)[:200]}"
        self._step(world.now, line, method in READS)
        got = self._judge(pred, received, f"{method}?{shown_q}")
        done = isinstance(got, dict) and got.get("status") == 1 and scope != "foreign"
        if method in ("create", "create_multi") and done:
            self._pin(who)
        if done and method in probe.CHANGES:
            for oid in (set(self.w.orders) - before) or {order_id}:
                self.changed(oid, method)
        if method in ("create", "create_multi") and done:
            self.call("getCountWithProviders", "nokey", country=params["country"])  # the stock it was taken from
        return got

    def _pin(self, who: str) -> None:
        """Ask the mock's control API which provider each new order's number came from (drawn at random), and
        the ids of orders the answer did not show (a variant that answers create_multi's first order alone)."""
        if not self.w.pending and not self.w.unnamed:
            return
        shown_orders = self.t.control("GET", "/orders", world=self.w.name, apikey=self.keys[who])["orders"]
        for order in list(self.w.unnamed):
            found = next((o["id"] for o in shown_orders if o["number"] == order.number and o["services"]
                          and o["services"][0] == order.service and o["id"] not in self.w.issued), None)
            if found is None:
                self._fail([Diff("orders", f"an order of {order.service} on {order.number}", "none",
                                 "PRICE-MULTI")], "GET /_mock/orders", order.service, shown_orders)
            self.w.adopt(order, found)
        providers = {o["id"]: o["provider"] for o in shown_orders}
        for order in list(self.w.pending):
            provider = providers.get(order.id)
            if provider not in order.candidates:
                self._fail([Diff(f"order {order.id} provider", f"one of {list(order.candidates)}", repr(provider),
                                 "STOCK-TAKEN")], "GET /_mock/orders", list(order.candidates), provider)
            self.w.pin(order, provider)

    def account(self, metod: str, who: str = "main", scope: str = "main", verb: str = "GET", **params) -> Any:
        """One /priemnik.php call judged against the model."""
        world = self.world_of(scope)
        query = {"metod": metod, "service": "opt4", **params}
        if who in self.keys:
            query["apikey"] = self.keys[who]
        pred = self.service.account_api(world.name, query, verb)
        try:
            url = self.t.root + f"/w/{world.name}/priemnik.php"
            r = self.t.fetcher.get(url, query) if verb == "GET" else self.t.fetcher.request(verb, url, query)
            got = r.json()
        except FetchError as exc:
            got = r = exc.reason
        except BadJSON:
            got = r.text  # the account API refuses in plain text
        self._step(world.now, f"{who}@{scope} priemnik.php?metod={metod} → {shown(got)[:120]}", True)
        if world.strict and not isinstance(r, str):  # the mock's own choice of media type, JSON or a page
            want = "text/html" if isinstance(got, str) else "application/json"
            ctype = r.headers.get("Content-Type") or ""
            if not ctype.startswith(want):
                self._fail([Diff("Content-Type", want, ctype, "ACCOUNT-API")], f"priemnik.php?metod={metod}", want,
                           ctype)
        return self._judge(pred, got, f"priemnik.php?metod={metod}")

    # -- the mock's control extension, mirrored ---------------------------------------------------
    def advance(self, seconds: int) -> int:
        """Move the world's clock; the model lives through the same time."""
        now = self.s.advance(seconds)
        self._step(now, f"clock advanced {seconds} s")
        live = {i for i, o in self.w.orders.items() if o.live}
        self.w.advance(now)
        for i in live:
            if not self.w.orders[i].live:
                self.changed(i, "expire")
        return now

    def send_sms(self, order_id: int, text: str, sender: str = "CONFORM", service: str | None = None) -> dict:
        """Deliver an SMS through the control API; only an order in state 1 receives it."""
        w = self.w
        order = w.orders[order_id]
        body = {"world": w.name, "order": order_id, "text": text, "sender": sender}
        if service:
            body["service"] = service
        got = self.t.control("POST", "/sms", body)
        self._step(w.now, f"SMS {text!r} for {service or order.service} to {order_id} → {got}")
        self.changed(order_id, "sms_arrives")
        if not order.live:
            expected = {"delivered": False, "reason": "order is not running"}
        else:
            states = order.presence.states(w.now)
            if states == {ACTIVE}:
                expected = {"delivered": True}
            elif ACTIVE not in states:
                expected = {"delivered": False,
                            "reason": [f"number is not active (state {s}); the SMS is lost" for s in states]}
            else:
                expected = None  # the answer tells the state
        delivered = got.get("delivered")
        if expected is not None:
            want = expected["delivered"]
            reason_ok = want or got.get("reason") in (expected["reason"] if isinstance(expected["reason"], list)
                                                        else [expected["reason"]])
            if delivered is not want or not reason_ok:
                self._fail([Diff("delivered", show(expected), shown(got), "SMS-ACTIVE-ONLY")], "POST /_mock/sms",
                           expected, got)
        if order.live:
            seen = ACTIVE if delivered else _state_in(got.get("reason"))
            if seen is not None:
                order.presence = order.presence.seen(seen, w.now) or order.presence
        if delivered:
            w.sms.setdefault(order.number, []).append(Sms(text, sender or "SMSPVA", w.now, service or order.service,
                                                          order.apikey))
        self.held.add("SMS-ACTIVE-ONLY")
        return got

    def set_state(self, order_id: int, state: int) -> None:
        """Force an order's state (−1 lost, 0, 1 online now) and judge the row the control API answers."""
        w, order = self.w, self.w.orders[order_id]
        got = self.t.control("POST", f"/orders/{order_id}/state", {"world": w.name, "state": state})
        self._step(w.now, f"order {order_id} set to state {state}")
        self.changed(order_id, {LOST: "lost", ACTIVE: "online"}.get(state, "offline"))
        if state == ACTIVE:
            fast = w.fast(order.country)
            order.presence = order.presence.forced_online(w.now, None if fast else w.params.active_window)
        else:
            order.presence = order.presence.forced(state, w.now)
        order.state_rule = "STATE-LOST" if state == LOST else ("STATE-FAST" if w.fast(order.country) and state == ACTIVE
                                                              else "STATE-WINDOW")
        # the control API answers the row as `orders` shows it in the world's dialect
        diffs = row_diffs(w, order, got, "", registry.variant("orders", w.dialect, w.overrides))
        if diffs:
            self._fail(diffs, f"POST /_mock/orders/{order_id}/state", "the order's row", got)

    def set_offer(self, country: str, service: str, **fields) -> None:
        """Change a price, a discount or stock per provider in the world's catalogue (adds the offer if new)."""
        w = self.w
        got = self.t.control("POST", "/catalogue/offers", {"world": w.name, "country": country, "service": service,
                                                           **fields})
        self._step(w.now, f"catalogue: {country} {service} {fields}")
        land = w.catalogue.countries[country]
        offer = land.offers.get(service)
        if offer is None:
            offer = land.offers[service] = Offer(cents(fields["price_day"]))
        if "price_day" in fields:
            offer.price_day = cents(fields["price_day"])
        for key in ("procent_days", "procent", "day_step"):
            if key in fields:
                setattr(offer, key, int(fields[key]))
        offer.stock.update(fields.get("stock", {}))
        want = {"country": country, "service": service, "price_day": offer.price_day,
                "procent_days": offer.procent_days, "procent": offer.procent, "day_step": offer.day_step,
                "stock": dict(offer.stock)}
        diffs = compare(want, got)
        if diffs:
            self._fail(diffs, "POST /_mock/catalogue/offers", want, got)

    def drop(self, country: str, service: str | None = None) -> None:
        """Take a service (or a whole country) out of the world's catalogue."""
        self.s.drop(country, service)
        self._step(self.w.now, f"catalogue: {country} {service or ''} dropped")
        if service is None:
            self.w.catalogue.countries.pop(country)
        else:
            self.w.catalogue.countries[country].offers.pop(service)

    def rename(self, code: str, name: str) -> None:
        """Rename a service (the catalogue extension; its img is then the one given: none)."""
        self.t.control("POST", "/catalogue/services", {"world": self.w.name, "code": code, "name": name})
        self._step(self.w.now, f"catalogue: {code} renamed {name!r}")
        self.w.catalogue.services[code] = (name, "")

    # -- the state reads that must follow every step ----------------------------------------------
    def look(self, who: str = "main") -> None:
        """Every read that shows the account's orders, numbers, money and stock, each judged: orders (under the
        world's path and the root path, where the apikey names the world), the balance in both account API
        methods, the whole history, the restore quote of the latest archived orders, and the stock counts of
        the countries it rents in (keyless, here and in the untouched foreign world)."""
        self.call("orders", who)
        if self.s.world:
            self.call("orders", who, "root")
        self.account("get_balance", who)
        self.account("get_userinfo", who)
        self.call("get_rent_history", who, skip=0, take=1000)
        key = self.keys[who]
        for oid in self.w.accounts[key].archive[-3:]:
            self.call("restore_user_precalc", who, id=oid)
        countries = sorted({o.country for o in self.w.orders.values() if o.apikey == key
                            and o.country in self.w.catalogue.countries})
        for country in countries[:2]:
            self.call("getcount", "nokey", country=country)
        if countries and self.f is not None and countries[0] in self.f.catalogue.countries:
            self.call("getcount", "nokey", "foreign", country=countries[0])


def held_findings(rules: set[str]) -> list[Finding]:
    """One held finding for each rule that compared answers judged (sorted by rule)."""
    return [Finding(rule, True, "the model's prediction", "the same answer") for rule in sorted(rules)]


def _state_in(reason: Any) -> int | None:
    """The state a refused SMS's reason names ("number is not active (state 2); …")."""
    text = str(reason or "")
    for s in (0, 2, -1):
        if f"(state {s})" in text:
            return s
    return None
