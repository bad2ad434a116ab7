"""A property-based crash test (#26 item 3). Hypothesis draws the writes the server accepts (worlds, accounts,
top-ups, clocks, offers, rentals, SMS, scenarios, snapshot PUTs) with values at the edges of each bound of
mockserver/core/bounds.py (its minimum and maximum, and one past each, which must be refused naming the field),
moves apikeys and order ids between worlds, and kills the server with SIGKILL between two calls, in the middle
of one, or while it starts (its checkpointer runs every few writes, so kills land in checkpoints too). After
every start the file must start again and hold every acknowledged write: each world's snapshot as it was read
before the kill (for the one write in flight: applied or not, nothing acknowledged before it lost).

The suite runs a short draw (tests/test_crash.py); the long run is a command (figures in docs/state.md):

    python -m tests.crash --examples 100 --steps 30
"""
from __future__ import annotations

import argparse
import itertools
import json
import shutil
import tempfile
import threading
import time
from importlib.resources import files
from pathlib import Path

import requests
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from mockserver.core.bounds import BOUNDS, MAX_TIME
from tests.state_helpers import Forked, with_order

T = 20
MONEY_MAX = "1000000000"


class Killed(Exception):
    """The server died under the call."""


def inside(name: str) -> st.SearchStrategy[int]:
    """A value at an edge of bound `name`, within it: the minimum, the maximum, and one step inside each."""
    b = BOUNDS[name]
    return st.sampled_from(sorted({b.low, min(b.low + 1, b.high), max(b.high - 1, b.low), b.high}))


def pick(data, items, label: str):
    """One of `items` (None when there are none). What the server holds after a write in flight depends on when
    the kill landed, so the draw is a plain number: hypothesis sees the same choices whatever the items are."""
    items = sorted(items)
    index = data.draw(st.integers(0, 255), label=label)
    return items[index % len(items)] if items else None


def outside(name: str) -> st.SearchStrategy[int]:
    """One past an edge of bound `name`."""
    return st.sampled_from([BOUNDS[name].low - 1, BOUNDS[name].high + 1])


def edge_catalogue(folder: Path) -> str:
    """The reference catalogue with RU's leases at the bounds: MTS the longest (36,500 days), Beeline the shortest."""
    doc = json.loads(files("mockserver.core").joinpath("data/catalogue-reference.json").read_text(encoding="utf-8"))
    ru = next(c for c in doc["countries"] if c["code"] == "RU")
    for provider in ru["providers"]:
        provider["lease_days"] = {"MTS": BOUNDS["lease_days"].high, "Beeline": BOUNDS["lease_days"].low}.get(
            provider["name"], provider.get("lease_days", 180))
    path = folder / "edges.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


CRASHES = ("in flight", "between calls", "while starting", "clean stop")
FINALS = itertools.count()
SCENARIOS = [
    'name = "slowest"\ndescription = "d"\n[world]\nactivation_delay = [0, "36500d"]\nactive_window = ["36500d", '
    '"36500d"]\nhold_days = 3650\n',
    'name = "far"\ndescription = "d"\n[[events]]\non = "call"\nmethod = "create"\ndo = "jump"\n'
    'by = "3650d"\n[[events]]\non = "start"\ndo = "jump"\nby = "3650d"\n',
    'name = "stocked"\ndescription = "d"\n[[events]]\non = "start"\ndo = "stock"\ncountry = "RU"\ncount = 1000000\n',
]


class CrashMachine(RuleBasedStateMachine):
    """One state file, one server at a time; the model is what the server acknowledged."""

    def __init__(self):
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="rent-mock-crash-"))
        self.path = str(self.dir / "state.db")
        self.catalogue = edge_catalogue(self.dir)
        self.server: Forked | None = None
        self.base = ""
        self.keys: dict[str, str] = {"demo": "default"}  # apikey -> world
        self.initial: dict[str, set[str]] = {"default": {"demo"}}  # what a reset keeps
        self.orders: dict[int, str] = {}  # running order id -> apikey
        self.saved: dict[str, dict] = {}
        self.counter = 0
        self.stats = {"writes": 0, "refused": 0, "between calls": 0, "in flight": 0, "while starting": 0,
                      "clean stop": 0}

    # -- the server ---------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start a server on the file (checkpoints every 3 writes, looked for every 10 ms); it must start."""
        self.server = Forked(self.path, catalogue=self.catalogue, every=0.01, checkpoint_every=3)
        self.base = self.server.wait_ready()

    def call(self, verb: str, path: str, **kw) -> requests.Response:
        """An HTTP call; a dead server raises Killed."""
        try:
            return requests.request(verb, self.base + path, timeout=T, **kw)
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            raise Killed from None

    def write(self, verb: str, path: str, body: dict | None = None, ok=(200, 201), refused=()) -> dict:
        """A control write that must be answered with one of `ok` (or one of `refused`, changing nothing)."""
        r = self.call(verb, "/_mock" + path, json=body)
        assert r.status_code in ok + refused, (verb, path, body, r.status_code, r.text)
        self.stats["writes" if r.status_code in ok else "refused"] += 1
        return r.json() | {"_status": r.status_code}

    def rent(self, key: str, **query) -> dict:
        """A rent.php call as `key`: always a JSON answer with status 0 or 1, never a 500."""
        r = self.call("GET", "/api/rent.php", params={"apikey": key, **query})
        assert r.status_code == 200 and r.json()["status"] in (0, 1), r.text
        self.stats["writes"] += 1
        return r.json()

    def read_all(self) -> dict[str, dict]:
        """Every world's snapshot, by name."""
        names = [w["world"] for w in self.call("GET", "/_mock/worlds").json()["worlds"]]
        out = {}
        for n in names:
            # events already due (a scenario's start events at the moment it loaded) are applied by the next call
            # that reads the world's clock, this one: logged or not, they come out the same after a restart
            clock = self.call("GET", "/_mock/clock", params={"world": n})
            assert clock.status_code == 200, clock.text  # never a 500, wherever the clock stands
            out[n] = self.call("GET", f"/_mock/worlds/{n}/snapshot").json()
        return out

    def adopt(self, state: dict[str, dict]) -> None:
        """What the server holds becomes the model."""
        self.keys = {a["apikey"]: n for n, doc in state.items() for a in doc["accounts"]}
        self.initial = {n: set(doc["config"]["accounts"]) for n, doc in state.items()}
        self.orders = {o["id"]: o["apikey"] for doc in state.values() for o in doc["orders"] if o["closed"] is None}
        self.saved = {n: doc for n, doc in self.saved.items() if n in state}

    def restart(self, expected: dict[str, dict], flight: str | None = None) -> None:
        """Start again: the file must start and hold `expected` (world `flight` may also hold one write more)."""
        self.start()
        found = self.read_all()
        if flight is None:
            assert found == expected, _difference(expected, found)
        else:
            assert {n: d for n, d in found.items() if n != flight} == \
                   {n: d for n, d in expected.items() if n != flight}, "a world the write in flight did not touch changed"
            assert _extends(expected[flight], found[flight]), f"{flight}: an acknowledged write is missing"
        self.adopt(found)

    # -- draws --------------------------------------------------------------------------------------------
    def world(self, data) -> str:
        """A world the server holds."""
        return pick(data, self.initial, "world")

    def key(self, data) -> str:
        """An apikey the server holds."""
        return pick(data, self.keys, "apikey")

    def fresh(self, prefix: str) -> str:
        """A name never used in this run."""
        self.counter += 1
        return f"{prefix}{self.counter}"

    # -- writes -------------------------------------------------------------------------------------------
    @initialize()
    def begin(self):
        self.start()

    @rule(data=st.data())
    def new_world(self, data):
        # every draw comes first: what follows a kill in flight differs from run to run, the draws must not
        body = {"seed": data.draw(inside("seed")), "start": data.draw(inside("time")),
                "hold_days": data.draw(inside("hold_days")),
                "activation_delay": sorted(data.draw(st.lists(inside("duration"), min_size=2, max_size=2))),
                "balance": data.draw(st.sampled_from(["0", "0.01", MONEY_MAX]))}
        if len(self.initial) >= 4:  # each restart reads every world back: keep it quick
            return
        name = self.fresh("w")
        body.update(world=name, apikey=f"key-{name}")
        self.write("POST", "/worlds", body)
        self.keys[body["apikey"]], self.initial[name] = name, {body["apikey"]}

    @rule(data=st.data(), field=st.sampled_from(["seed", "start", "hold_days", "activation_delay", "balance"]))
    def world_past_a_bound(self, data, field):
        bound = {"start": "time", "activation_delay": "duration"}.get(field, field)
        value = data.draw(outside(bound)) if field != "balance" else "1000000000.01"
        body = {"world": self.fresh("no"), field: [0, value] if field == "activation_delay" else value}
        if field == "activation_delay" and value < 0:
            body[field] = [value, 0]
        out = self.write("POST", "/worlds", body, ok=(), refused=(400,))
        assert out["error"].startswith(field), out  # one line naming the field

    @rule(data=st.data())
    def new_account(self, data):
        world, key = self.world(data), self.fresh("k")
        self.write("POST", "/accounts", {"world": world, "apikey": key,
                                         "balance": data.draw(st.sampled_from(["0", "0.01", MONEY_MAX]))})
        self.keys[key] = world

    @rule(data=st.data(), amount=st.sampled_from(["0.01", "1", MONEY_MAX]))
    def top_up(self, data, amount):
        out = self.write("POST", f"/accounts/{self.key(data)}/balance", {"amount": amount}, refused=(400,))
        assert out["_status"] == 200 or "the most an account holds" in out["error"], out

    @rule(data=st.data(), move=st.sampled_from([("advance", 1), ("advance", BOUNDS["duration"].high),
                                                 ("set", MAX_TIME), ("set", MAX_TIME + 1)]))
    def clock(self, data, move):
        out = self.write("POST", "/clock", {"world": self.world(data), move[0]: move[1]}, refused=(400,))
        assert out["_status"] == 200 or out["error"].startswith(("advance", "set")), out

    @rule(data=st.data(), field=st.sampled_from(["procent", "procent_days", "stock", "price_day"]),
          past=st.booleans())
    def offer(self, data, field, past):
        if field == "price_day":
            value = "1000000000.01" if past else data.draw(st.sampled_from(["0.01", MONEY_MAX]))
        else:
            bound = data.draw(outside(field) if past else inside(field))
            value = {"MTS": bound} if field == "stock" else bound
        body = {"world": self.world(data), "country": "RU", "service": data.draw(st.sampled_from(["opt16", "opt6"])),
                field: value}
        out = self.write("POST", "/catalogue/offers", body, ok=() if past else (200,), refused=(400,) if past else ())
        assert not past or out["error"].startswith(field), out

    @rule(data=st.data(), dtype=st.sampled_from(["week", "month"]), dcount=st.sampled_from([1, 1000]),
          provider=st.sampled_from(["MTS", "Beeline"]))
    def create(self, data, dtype, dcount, provider):
        key = self.key(data)
        out = self.rent(key, method="create", dtype=dtype, dcount=dcount, country="RU", service="opt16",
                        provider=provider)
        if out["status"] == 1:
            self.orders[out["data"]["id"]] = key

    @rule(data=st.data(), method=st.sampled_from(["activate", "delete", "prolong", "sms"]))
    def on_order(self, data, method):
        oid = pick(data, self.orders, "order")
        if oid is None:
            return
        self.rent(self.orders[oid], method=method, id=oid, dtype="week", dcount=1)
        if method == "delete":
            self.orders.pop(oid, None)

    @rule(data=st.data())
    def sms(self, data):
        oid = pick(data, self.orders, "order")
        if oid is None:
            return
        self.write("POST", "/sms", {"order": oid, "text": "code 12345"}, refused=(404,))

    @rule(data=st.data(), scenario=st.sampled_from(SCENARIOS))
    def scenario(self, data, scenario):
        self.write("POST", "/scenarios", {"world": self.world(data), "scenario": scenario}, refused=(400,))

    @rule(data=st.data())
    def save(self, data):
        world = self.world(data)
        self.saved[world] = self.call("GET", f"/_mock/worlds/{world}/snapshot").json()

    @rule(data=st.data())
    def put_back(self, data):
        world = pick(data, self.saved, "world")
        if world is None:
            return
        if self.write("PUT", f"/worlds/{world}/snapshot", self.saved[world], refused=(409,))["_status"] == 200:
            self.adopt(self.read_all())  # keys and orders as the snapshot has them

    @rule(data=st.data())
    def move_key(self, data):
        """An apikey leaves its world (reset) and joins another."""
        movable = sorted(k for k, w in self.keys.items() if k not in self.initial[w])
        key, target = pick(data, movable, "apikey"), self.world(data)
        if key is None:
            return
        self.write("POST", "/reset", {"world": self.keys[key]})
        self.adopt(self.read_all())
        self.write("POST", "/accounts", {"world": target if target in self.initial else "default", "apikey": key,
                                         "balance": "1"})
        self.adopt(self.read_all())

    @rule(data=st.data())
    def move_world(self, data):
        """A world is dropped and its snapshot put under a new name: its keys and order ids move."""
        old = pick(data, [n for n in self.saved if n != "default"], "world")
        if old is None:
            return
        self.write("DELETE", f"/worlds/{old}", refused=(404,))
        new = self.fresh("m")
        self.write("PUT", f"/worlds/{new}/snapshot", self.saved.pop(old), refused=(409,))
        self.adopt(self.read_all())

    @rule(data=st.data())
    def ids_at_their_bound(self, data):
        """An order with the largest id a snapshot may bring is put in (one past it is refused naming the id)."""
        key = self.key(data)
        doc = self.call("GET", f"/_mock/worlds/{self.keys[key]}/snapshot").json()
        given = BOUNDS["given_order_id"].high
        self.write("PUT", f"/worlds/{self.keys[key]}/snapshot", with_order(json.loads(json.dumps(doc)), given + 1, key),
                   ok=(), refused=(400,))
        self.write("PUT", f"/worlds/{self.keys[key]}/snapshot", with_order(doc, given, key), refused=(400, 409))
        self.adopt(self.read_all())

    # -- kills --------------------------------------------------------------------------------------------
    @rule(data=st.data(), how=st.sampled_from(CRASHES))
    def crash(self, data, how):
        """SIGKILL between two calls, in the middle of a write, or while starting; or a clean stop."""
        if how == "in flight":
            self.crash_in_flight(self.key(data), data.draw(st.sampled_from(["create", "top_up", "account"])),
                                 data.draw(st.floats(0, 0.02), label="delay"))
        else:
            self.crash_now(how, data.draw(st.floats(0, 0.5), label="delay") if how == "while starting" else 0)

    def crash_now(self, how: str, delay: float = 0) -> None:
        """Kill (or stop) the server now, or kill the next one `delay` seconds into its start; then start again."""
        expected = self.read_all()
        if how == "clean stop":
            self.server.stop()  # the final checkpoint is written: exit 0
        else:
            self.server.kill()
        if how == "while starting":
            self.server = Forked(self.path, catalogue=self.catalogue, every=0.01, checkpoint_every=3)
            time.sleep(delay)
            self.server.kill()  # replaying, or writing its first checkpoint, or already serving
            self.server.close()
        self.stats[how] += 1
        self.restart(expected)

    def crash_in_flight(self, key: str, what: str, delay: float) -> None:
        """A write (a rental, a top-up, a new account) killed after `delay`: applied or not, never half."""
        expected = self.read_all()
        world = self.keys[key]
        if what == "create":
            go = lambda: self.rent(key, method="create", dtype="week", dcount=1, country="RU", service="opt6")  # noqa
        elif what == "top_up":
            go = lambda: self.call("POST", f"/_mock/accounts/{key}/balance", json={"amount": "0.01"})  # noqa
        else:
            go = lambda: self.call("POST", "/_mock/accounts", json={"world": world, "balance": "1"})  # noqa
        thread = threading.Thread(target=_quietly, args=(go,))
        thread.start()
        time.sleep(delay)
        self.server.kill()
        thread.join(T)
        self.stats["in flight"] += 1
        self.restart(expected, flight=world)

    def teardown(self):
        try:  # every run ends in a crash too, each kind in turn, so a short draw has them all
            if self.server is not None and self.server.status is None:
                how = CRASHES[next(FINALS) % len(CRASHES)]
                if how == "in flight":
                    self.crash_in_flight(min(self.keys), "create", 0.005)
                else:
                    self.crash_now(how, 0.2)
        finally:
            if self.server is not None:
                self.server.kill()
            shutil.rmtree(self.dir, ignore_errors=True)


def _quietly(go) -> None:
    try:
        go()
    except (Killed, AssertionError):
        pass


def _extends(before: dict, after: dict) -> bool:
    """`after` holds everything in `before` (orders, accounts, each ledger as a prefix): at most one write more."""
    orders = {o["id"]: (o["apikey"], o["number"]) for o in after["orders"]}
    if any(orders.get(o["id"]) != (o["apikey"], o["number"]) for o in before["orders"]):
        return False
    accounts = {a["apikey"]: a for a in after["accounts"]}
    return all(a["apikey"] in accounts and accounts[a["apikey"]]["ledger"][:len(a["ledger"])] == a["ledger"]
               for a in before["accounts"])


def _difference(expected: dict, found: dict) -> str:
    if set(expected) != set(found):
        return f"worlds {sorted(expected)} before, {sorted(found)} after"
    for name in expected:
        for part in expected[name]:
            if expected[name][part] != found[name].get(part):
                return f"world {name!r}: {part} differs after the restart"
    return "the same"


def run(examples: int, steps: int, derandomize: bool = False, shrink: bool = False) -> dict:
    """Draw `examples` runs of up to `steps` writes and kills each; returns what was done, summed."""
    totals: dict = {}

    class Counted(CrashMachine):
        def teardown(self):
            try:
                super().teardown()
            finally:
                for k, v in self.stats.items():
                    totals[k] = totals.get(k, 0) + v

    Counted.TestCase.settings = settings(max_examples=examples, stateful_step_count=steps, deadline=None,
                                         database=None, derandomize=derandomize,
                                         phases=list(Phase) if shrink else [Phase.explicit, Phase.generate],
                                         suppress_health_check=list(HealthCheck))
    Counted.TestCase().runTest()
    return totals


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--shrink", action="store_true", help="shrink a failing run (slow: minutes)")
    args = parser.parse_args()
    began = time.monotonic()
    done = run(args.examples, args.steps, shrink=args.shrink)
    print(f"{args.examples} examples of up to {args.steps} steps in {time.monotonic() - began:.0f} s: "
          + ", ".join(f"{v} {k}" for k, v in done.items()))
