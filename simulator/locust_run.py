"""The Locust side of `rent-mock load` (run as its own process: Locust patches the stdlib with gevent)."""
from __future__ import annotations

import locust  # noqa: F401  (first: gevent's monkey-patching must precede other imports)

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402

import gevent  # noqa: E402
from decimal import Decimal  # noqa: E402

from locust import HttpUser, between, task  # noqa: E402
from locust.exception import StopUser  # noqa: E402
from locust.env import Environment  # noqa: E402

from contracts.inband import envelope_reasons  # noqa: E402
from contracts.validate import check_response  # noqa: E402
from simulator.load import user_report  # noqa: E402

CONFIG = json.loads(os.environ.get("RENT_LOAD_CONFIG", "{}"))
HEADERS = {"X-Mock-Token": CONFIG["token"]} if CONFIG.get("token") else {}


class Budget:
    """The spend cap against a server that is not the mock (one process, gevent: no lock needed)."""

    def __init__(self, cap: str | None):
        self.cap = Decimal(cap) if cap not in (None, "None") else None
        self.spent = Decimal("0")
        self.skipped = 0
        self.prices: dict[tuple[str, str], Decimal | None] = {}

    def admit(self, user: "Renter", country: str, service: str, days: int) -> bool:
        """Reserve the rental's price if it fits the cap (prices from the server's getdata, a free call)."""
        if self.cap is None:
            return True
        if (country, service) not in self.prices:
            data = user.rent_php("getdata", country=country, dtype="week", dcount=1) or []
            items = data.get("services", []) if isinstance(data, dict) else data
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict) and "price_day" in item:
                    self.prices[(country, str(item.get("service")))] = Decimal(str(item["price_day"]))
            self.prices.setdefault((country, service), None)
        price = self.prices[(country, service)]
        if price is None or self.spent + price * days > self.cap:
            self.skipped += 1
            return False
        self.spent += price * days
        return True


BUDGET = Budget(CONFIG.get("max_spend"))


class Renter(HttpUser):
    """A client of rent.php: rent, activate, poll orders until online, read SMS, maybe prolong, delete."""

    wait_time = between(CONFIG.get("think_min", 0.5), CONFIG.get("think_max", 2.0))

    def on_start(self):
        """Get an apikey (a fresh funded account on the mock, else the one given); a user that cannot stops."""
        self.rng = random.Random()
        self.base = CONFIG.get("base_path", "")
        self.apikey = CONFIG.get("apikey")
        self.environment.spawned += 1
        if CONFIG.get("mock"):
            r = self.client.post("/_mock/accounts", json={"world": CONFIG["world"], "balance": "100"},
                                 headers=HEADERS, name="/_mock/accounts")
            try:
                self.apikey = r.json()["apikey"]
            except (ValueError, KeyError, TypeError):
                reason = r.error or f"HTTP {r.status_code}"
                self.environment.start_errors[str(reason)[:120]] += 1
                raise StopUser() from None
            self.environment.created_keys.append(self.apikey)
        self.environment.last_answer[id(self)] = time.monotonic()

    def rent_php(self, method: str, **params):
        """One call, validated against the contract as it goes; returns data or None."""
        params = {"method": method, "apikey": self.apikey, **params}
        with self.client.get(self.base + "/api/rent.php", params=params, name=method, catch_response=True) as r:
            if r.status_code:
                self.environment.last_answer[id(self)] = time.monotonic()
            try:
                body = r.json()
            except ValueError:
                r.failure("not JSON")
                return None
            reasons = envelope_reasons(r.status_code, body) or check_response(method, body, CONFIG.get("dialect",
                                                                                                         "documented"))
            if reasons:
                r.failure("; ".join(reasons)[:300])
                return None
            if body["status"] == 0:
                r.success()  # an in-band refusal is a valid answer
                return None
            return body.get("data", True)

    @task(5)
    def rental(self):
        """A whole rental, with think times between the steps."""
        country, service = self.rng.choice(CONFIG.get("offers", [["RU", "opt59"]]))
        if not BUDGET.admit(self, country, service, 7):
            self.wait()
            return
        made = self.rent_php("create", dtype="week", dcount=1, country=country, service=service)
        if not made:
            return
        oid = (made[0] if isinstance(made, list) else made)["id"]
        self.wait()
        self.rent_php("activate", id=oid)
        for _ in range(CONFIG.get("max_polls", 10)):
            self.wait()
            orders = self.rent_php("orders") or []
            if any(o["id"] == oid and o["state"] == 1 for o in orders):
                break
        self.rent_php("sms", id=oid)
        if self.rng.random() < 0.3 and BUDGET.admit(self, country, service, 1):
            self.rent_php("prolong_max", id=oid, dtype="day", dcount=1)
        self.wait()
        self.rent_php("delete", id=oid)

    @task(1)
    def browse(self):
        """Look at the catalogue and the archive."""
        self.rent_php("getdata", country="RU")
        self.rent_php("get_rent_history")


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
    env.created_keys, env.spawned, env.start_errors, env.last_answer = [], 0, Counter(), {}
    runner = env.create_local_runner()
    runner.start(args.users, spawn_rate=args.spawn_rate)
    began = time.monotonic()
    deadline, shown = began + args.seconds, 0.0
    while time.monotonic() < deadline and env.stats.total.num_requests < args.max_requests:
        gevent.sleep(0.1)
        if time.monotonic() - shown >= 1.0:
            shown = time.monotonic()
            print(f"progress {shown - began:.0f} of {args.seconds:.0f} s: {env.stats.total.num_requests} requests, "
                  f"{len(env.last_answer)} users running", file=sys.stderr, flush=True)
    ended = time.monotonic()
    runner.quit()
    entries = {name: {"requests": e.num_requests, "failures": e.num_failures, "rps": round(e.total_rps, 1),
                      "p50_ms": percentile(e, 0.5), "p95_ms": percentile(e, 0.95), "p99_ms": percentile(e, 0.99)}
               for (name, _), e in sorted(env.stats.entries.items())}
    errors = [{"name": e.name, "error": str(e.error)[:300], "occurrences": e.occurrences}
              for e in env.stats.errors.values()]
    total = env.stats.total
    users = user_report(args.users, env.spawned, env.start_errors, list(env.last_answer.values()), ended,
                        ended - began, CONFIG.get("think_max", 2.0))
    spending = {"spent": str(BUDGET.spent), "skipped_for_budget": BUDGET.skipped} if BUDGET.cap is not None else {}
    print(json.dumps({"requests": total.num_requests, "failures": total.num_failures, "users": users, **spending,
                      "rps": round(total.total_rps, 1), "p50_ms": percentile(total, 0.5),
                      "p99_ms": percentile(total, 0.99), "methods": entries, "errors": errors,
                      "apikeys": env.created_keys}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
