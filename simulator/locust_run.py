"""The Locust side of `rent-mock load` (run as its own process: Locust patches the stdlib with gevent).

Every call goes through contracts.fetch (a total deadline, a size cap, no redirect, defensive JSON) and is
reported to Locust's statistics by hand; an answer is validated in the dialect the run judges by."""
from __future__ import annotations

import locust  # noqa: F401  (first: gevent's monkey-patching must precede other imports)

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from decimal import Decimal  # noqa: E402

import gevent  # noqa: E402
from locust import User, between, task  # noqa: E402
from locust.env import Environment  # noqa: E402
from locust.exception import StopUser  # noqa: E402

from contracts.client import SpendGuard, SpendRefused  # noqa: E402
from contracts.fetch import BadJSON, FetchError, Fetcher  # noqa: E402
from contracts.inband import envelope_reasons  # noqa: E402
from contracts.validate import check_response  # noqa: E402
from simulator.load import user_report  # noqa: E402

CONFIG = json.loads(os.environ.get("RENT_LOAD_CONFIG", "{}"))
HEADERS = {"X-Mock-Token": CONFIG["token"]} if CONFIG.get("token") else {}
FETCHER = Fetcher(deadline=float(CONFIG.get("timeout", 20)))  # connections per greenlet (gevent's threading.local)
NO_ANSWER = ("connect", "deadline", "protocol")  # FetchError kinds that mean the server did not answer


class Failure(Exception):
    """What Locust's statistics count as the call's failure (the reason, one line)."""


def _guard() -> SpendGuard:
    """The one spending guard (contracts/client.py), capped by RENT_LOAD_CONFIG's max_spend at its prices."""
    # Only the mock's play money goes uncapped: a run started by hand (Locust's master/worker mode) against another
    # server without "max_spend" in its config rents nothing, as `rent-mock load` refuses to without --max-spend.
    cap = CONFIG.get("max_spend") or (None if CONFIG.get("mock") else "0")
    prices = {(c, s): Decimal(p) for c, s, p in CONFIG.get("prices", [])}
    return SpendGuard(allow=True, max_spend=None if cap in (None, "None") else Decimal(cap), prices=prices)


GUARD = _guard()  # one process, gevent: no lock needed


def admitted(method: str, query: dict) -> bool:
    """True when the guard lets the call leave (its cost reserved), False when it refused it."""
    try:
        GUARD.admit(method, query)
    except SpendRefused:
        return False
    return True


class Renter(User):
    """A client of rent.php: look at the catalogue, then rent, activate, poll orders until online, read SMS,
    prolong (the first rental always, later ones at random), delete."""

    wait_time = between(CONFIG.get("think_min", 0.5), CONFIG.get("think_max", 2.0))

    def on_start(self):
        """Get an apikey (a fresh funded account on the mock, else the one given); a user that cannot stops."""
        self.rng = random.Random()
        self.root = self.environment.host
        self.base = CONFIG.get("base_path", "")
        self.apikey = CONFIG.get("apikey")
        self.rentals = 0
        self.environment.spawned += 1
        if CONFIG.get("mock"):
            r, error = self.send("POST", "/_mock/accounts", {"world": CONFIG["world"], "balance": "100"})
            made = _json(r)
            if not isinstance(made, dict) or not isinstance(made.get("apikey"), str):
                reason = error.reason if error else f"HTTP {r.status}"
                self.report(reason)
                self.environment.start_errors[reason[:120]] += 1
                raise StopUser()
            self.report()
            self.apikey = made["apikey"]
            self.environment.created_keys.append(self.apikey)
        self.environment.running.add(id(self))
        self.browse()

    def send(self, verb: str, path: str, body: dict | None = None, params: dict | None = None, name: str = ""):
        """One call, timed and counted by Locust; (response, None) or (None, the FetchError)."""
        me = id(self)
        self.environment.waiting.setdefault(me, time.monotonic())
        started = time.perf_counter()
        try:
            r, error = FETCHER.request(verb, self.root + path, params, json_body=body, headers=HEADERS), None
        except FetchError as exc:
            r, error = None, exc
        if error is None or error.kind not in NO_ANSWER:
            self.environment.waiting.pop(me, None)  # the server answered, whatever it said
        failure = Failure(str(error.reason)) if error else None
        self.last = (name or path, (time.perf_counter() - started) * 1000, len(r.body) if r else 0, failure)
        return r, error

    def report(self, failure: str | None = None) -> None:
        """Report the last call to Locust's statistics (a failure with its reason)."""
        name, ms, length, exc = self.last
        if failure:
            exc = Failure(failure[:300])
        self.environment.events.request.fire(request_type="GET", name=name, response_time=ms, response_length=length,
                                             response=None, context={}, exception=exc)

    def rent_php(self, method: str, **params):
        """One call the guard let leave, validated against the contract as it goes; returns data or None."""
        query = {"method": method, "apikey": self.apikey, **params}
        if not admitted(method, query):
            return None
        r, error = self.send("GET", self.base + "/api/rent.php", params=query, name=method)
        if error:
            self.report()
            return None
        try:
            body = r.json()
        except BadJSON as exc:
            self.report(str(exc))
            return None
        reasons = envelope_reasons(r.status, body) or check_response(method, body, CONFIG.get("dialect", "live"))
        if reasons:
            self.report("; ".join(reasons))
            return None
        self.report()
        if body["status"] == 0:
            return None  # an in-band refusal is a valid answer
        GUARD.note(method, query, body.get("data"))  # the orders rented: what a prolong of them costs
        return body.get("data", True)

    @task(5)
    def rental(self):
        """A whole rental, with think times between the steps."""
        if not CONFIG.get("offers"):  # nothing in the catalogue read could be priced: a rental of unknown cost
            GUARD.unknown.append("create: no offers priced")
            self.wait()
            return
        country, service = self.rng.choice(CONFIG["offers"])
        made = self.rent_php("create", dtype="week", dcount=1, country=country, service=service)
        first = made[0] if isinstance(made, list) and made else made
        if not isinstance(first, dict) or not isinstance(first.get("id"), int):
            return  # refused by the guard, or by the server
        oid = first["id"]
        self.wait()
        self.rent_php("activate", id=oid)
        for _ in range(CONFIG.get("max_polls", 10)):
            self.wait()
            orders = self.rent_php("orders")
            if any(isinstance(o, dict) and o.get("id") == oid and o.get("state") == 1
                   for o in (orders if isinstance(orders, list) else [])):
                break
        self.rent_php("sms", id=oid)
        if self.rentals == 0 or self.rng.random() < 0.3:
            self.rent_php("prolong_max", id=oid, dtype="day", dcount=1)
        self.rentals += 1
        self.wait()
        self.rent_php("delete", id=oid)

    @task(1)
    def browse(self):
        """Look at the catalogue and the archive."""
        if CONFIG.get("offers"):
            self.rent_php("getdata", country=CONFIG["offers"][0][0])
        else:
            self.rent_php("getcountries")
        self.rent_php("get_rent_history")


def _json(r):
    """The answer's JSON, or None."""
    try:
        return r.json() if r is not None else None
    except BadJSON:
        return None


def percentile(entry, q: float) -> float:
    """A latency percentile in ms (0 when no calls)."""
    return entry.get_response_time_percentile(q) if entry.num_requests else 0.0


def main() -> int:
    """Run headless within the time and request bounds; print the stats as JSON on stdout."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--max-requests", type=int, default=10_000)
    args = parser.parse_args()
    env = Environment(user_classes=[Renter], host=args.host)
    env.created_keys, env.spawned, env.start_errors, env.running, env.waiting = [], 0, Counter(), set(), {}
    runner = env.create_local_runner()
    runner.start(args.users, spawn_rate=args.spawn_rate)
    began = time.monotonic()
    deadline, shown = began + args.seconds, 0.0
    while time.monotonic() < deadline and env.stats.total.num_requests < args.max_requests:
        gevent.sleep(0.1)
        if time.monotonic() - shown >= 1.0:
            shown = time.monotonic()
            print(f"progress {shown - began:.0f} of {args.seconds:.0f} s: {env.stats.total.num_requests} requests, "
                  f"{len(env.running)} users running", file=sys.stderr, flush=True)
    ended = time.monotonic()
    waiting = [since for uid, since in env.waiting.items() if uid in env.running]
    runner.quit()
    entries = {name: {"requests": e.num_requests, "failures": e.num_failures, "rps": round(e.total_rps, 1),
                      "p50_ms": percentile(e, 0.5), "p95_ms": percentile(e, 0.95), "p99_ms": percentile(e, 0.99)}
               for (name, _), e in sorted(env.stats.entries.items())}
    errors = [{"name": e.name, "error": str(e.error)[:300], "occurrences": e.occurrences}
              for e in env.stats.errors.values()]
    total = env.stats.total
    users = user_report(args.users, env.spawned, env.start_errors, len(env.running), waiting, ended,
                        CONFIG.get("think_max", 2.0))
    spending = {"spent": str(GUARD.spent), "skipped_for_budget": len(GUARD.over),
                "skipped_cost_unknown": len(GUARD.unknown)} if GUARD.max_spend is not None else {}
    print(json.dumps({"requests": total.num_requests, "failures": total.num_failures, "users": users, **spending,
                      "rps": round(total.total_rps, 1), "p50_ms": percentile(total, 0.5),
                      "p99_ms": percentile(total, 0.99), "methods": entries, "errors": errors,
                      "apikeys": env.created_keys}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
