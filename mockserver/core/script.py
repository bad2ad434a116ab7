"""A world's script: the scenarios loaded into it, as triggers and timed actions the world applies on its
own clock (deterministically: every draw comes from the world's seeded RNG).

A scenario (already checked and normalised by `mockserver.scenarios`) is a list of events. Each event has
a trigger (`on`): `start` (when the scenario is loaded), `call` (a rent.php call of `method`: `before`
it runs, counting every call, or `after` it succeeded, counting successes), or an order entering a state
(`online` 1, `offline` 0, `activating` 2, `lost` -1); `nth` picks one occurrence (counted per world),
none means every one; `after` delays the action by whole seconds. Its action (`do`) is one of ACTIONS,
applied by `actions.apply`. Events go through the world's event queue (kind `scripted`), so they are in
its snapshot and a replay of the state file applies them at the very same moments.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from contracts.registry import METHODS

from . import errors as E
from .bounds import BOUNDS
from .money import PERIOD_DAYS, parse_amount
from .orders import ACTIVATING, ACTIVE, LOST, NOT_ACTIVE, Order
from .rental import PERIOD_LIMITS

if TYPE_CHECKING:  # the world calls into the script; the script never builds a world
    from .world import World

TRIGGERS = {"online": ACTIVE, "offline": NOT_ACTIVE, "activating": ACTIVATING, "lost": LOST}
STATE_NAMES = {state: name for name, state in TRIGGERS.items()}
ACTIONS = ("sms", "state", "activation", "refuse", "stock", "drain", "jump")
MAX_FIRES = 100_000  # actions a world's script applies in all: a script that feeds itself cannot wedge the world


class Script:
    """Every scenario loaded into one world: their events, and how often each trigger happened."""

    def __init__(self, names: list[str] | None = None, events: list[dict] | None = None,
                 counts: dict[str, int] | None = None, fires: int = 0):
        self.names = list(names or [])
        self.events = list(events or [])
        self.counts = dict(counts or {})
        self.fires = fires

    def dump(self) -> dict:
        """The script as JSON-ready data (a world's snapshot carries it)."""
        return {"names": list(self.names), "events": [dict(e) for e in self.events], "counts": dict(self.counts),
                "fires": self.fires}

    @classmethod
    def load(cls, doc: dict) -> "Script":
        """A script from `dump()` (its events checked again: a snapshot may come from anyone)."""
        problems = check_events(doc.get("events"))
        if problems:
            raise ValueError(f"script: {problems[0]}")
        counts = doc.get("counts", {})
        if not isinstance(counts, dict) or not all(isinstance(v, int) and v >= 0 for v in counts.values()):
            raise ValueError("script: counts must map triggers to whole numbers")
        names = doc.get("names", [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValueError("script: names must be a list of strings")
        fires = doc.get("fires", 0)
        if not isinstance(fires, int) or fires < 0:
            raise ValueError("script: fires must be a whole number")
        return cls(names, doc["events"], counts, fires)

    # -- triggers ---------------------------------------------------------------------------------
    def _count(self, key: str) -> int:
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key]

    def _matching(self, on: str, seen: int, method: str | None = None, when: str | None = None):
        for index, event in enumerate(self.events):
            if event["on"] != on or (method is not None and event.get("method") != method):
                continue
            if when is not None and event.get("when", "after") != when:
                continue
            if event.get("nth") is None or event["nth"] == seen:
                yield index, event

    def start(self, world: "World", first: int, at: int) -> None:
        """Queue the `start` events of the scenario whose events begin at index `first`."""
        for index in range(first, len(self.events)):
            event = self.events[index]
            if event["on"] == "start":
                world.schedule_scripted(at + event.get("after", 0), index, None)

    def before(self, world: "World", method: str, values: dict, apikey: str | None) -> None:
        """A rent.php call of `method` is about to run: apply its `before` events; a `refuse` raises."""
        seen = self._count(f"call:{method}")
        now = world.now()
        refusal = None
        for index, event in self._matching("call", seen, method, "before"):
            if event["do"] == "refuse":
                refusal = refusal or _refusal(world, event, method, values)
                continue
            self._now_or_later(world, now, index, event, None, values, apikey)
        if refusal is not None:
            raise refusal

    def after(self, world: "World", method: str, values: dict, apikey: str | None, orders: list[Order]) -> None:
        """A rent.php call of `method` succeeded (on `orders`, the ones it made or named): its `after` events."""
        seen = self._count(f"ok:{method}")
        now = world.now()
        for index, event in self._matching("call", seen, method, "after"):
            for order in orders or [None]:
                self._now_or_later(world, now, index, event, order, values, apikey)

    def entered(self, world: "World", order: Order, state: int, at: int) -> None:
        """`order` entered `state` at `at`: queue the events of that trigger (never applied at once, so a
        state action that triggers another cannot recurse)."""
        name = STATE_NAMES.get(state)
        if name is None:
            return
        seen = self._count(name)
        for index, event in self._matching(name, seen):
            world.schedule_scripted(at + event.get("after", 0), index, order)

    def _now_or_later(self, world: "World", now: int, index: int, event: dict, order: Order | None,
                      values: dict, apikey: str | None) -> None:
        # a jump always goes through the queue: the loop that applies due events moves the clock
        if event.get("after", 0) or event["do"] == "jump":
            world.schedule_scripted(now + event.get("after", 0), index, order)
        else:
            self.fire(world, now, index, order, values, apikey)

    # -- actions ----------------------------------------------------------------------------------
    def fire(self, world: "World", at: int, index: int, order: Order | None, values: dict | None = None,
             apikey: str | None = None) -> bool:
        """Apply event `index` at `at` (on `order`, or on every running order when it needs one and has
        none); True when it changed something."""
        from .script_actions import apply  # actions use the domain's operations, which import the world

        if index >= len(self.events) or self.fires >= MAX_FIRES:
            return False
        self.fires += 1
        world.touch()
        return apply(world, at, self.events[index], order, values or {}, apikey)


REASONS = {"no_stock": None, "period_limit": None, "prolong_window": E.PROLONG_WINDOW, "order_lost": E.ORDER_LOST,
           "order_not_found": E.ORDER_NOT_FOUND}


def _refusal(world: "World", event: dict, method: str, values: dict) -> E.DomainError:
    """The refusal a `refuse` event gives: a literal `msg`, or the domain's own refusal named by `reason`
    (its text in the world's dialect, filled from the call)."""
    if event.get("msg"):
        return E.DomainError(event["msg"])
    reason = event.get("reason", "no_stock")
    if reason == "no_stock":
        services = values.get("services") or [values.get("service", "")]
        return E.DomainError(E.NO_NUMBERS.format(",".join(services), values.get("country", "")))
    if reason == "period_limit":
        days = PERIOD_DAYS.get(values.get("dtype", "week"), 7) * int(values.get("dcount") or 1)
        return E.refuse("PERIOD_LIMIT", days, PERIOD_LIMITS["live"])
    return E.DomainError(REASONS[reason])


# -- the checks of a normalised event (the scenario format's last gate, and a snapshot's) -------------
_ARGS = {"sms": {"text", "sender", "service"}, "state": {"state"}, "activation": {"delay", "never"},
         "refuse": {"msg", "reason"}, "stock": {"country", "service", "count"}, "drain": {"leave"},
         "jump": {"by", "past_until"}}
_COMMON = {"on", "method", "nth", "when", "after", "do", "note"}
MAX_AFTER = BOUNDS["delay"].high


def _whole(value, low: int = 0, high: int = MAX_AFTER) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _text(value, limit: int) -> bool:
    return isinstance(value, str) and len(value) <= limit


def check_events(events: object) -> list[str]:
    """Every way `events` is not a list of sound normalised events, each naming the event and field."""
    if not isinstance(events, list):
        return ["events: must be a list"]
    out: list[str] = []
    for i, event in enumerate(events):
        where = f"events[{i}]"
        if not isinstance(event, dict):
            out.append(f"{where}: must be a table")
            continue
        out += [f"{where}: {p}" for p in _event_problems(event)]
    return out


def _event_problems(e: dict) -> list[str]:
    do, on = e.get("do"), e.get("on")
    if do not in ACTIONS:
        return [f"do: {do!r} is not one of {', '.join(ACTIONS)}"]
    if on not in ("start", "call", *TRIGGERS):
        return [f"on: {on!r} is not one of start, call, {', '.join(TRIGGERS)}"]
    out = [f"{k}: unknown field for do = {do!r}" for k in sorted(set(e) - _COMMON - _ARGS[do])]
    method = e.get("method")
    if on == "call":
        spec = METHODS.get(method) if isinstance(method, str) else None
        if spec is None or not spec.mutates:
            out.append(f"method: {method!r} is not a rent.php method that changes state "
                       f"({', '.join(m for m, s in METHODS.items() if s.mutates)})")
        if e.get("when", "after") not in ("before", "after"):
            out.append(f"when: {e.get('when')!r} is not before or after")
    elif method is not None or "when" in e:
        out.append(f"method, when: only for on = 'call', not {on!r}")
    if e.get("nth") is not None and not _whole(e["nth"], 1, 10**9):
        out.append(f"nth: {e['nth']!r} is not a whole number from 1")
    if not _whole(e.get("after", 0)):
        out.append(f"after: {e.get('after')!r} is not 0 to {MAX_AFTER} seconds")
    return out + _action_problems(e, do, on)


def _action_problems(e: dict, do: str, on: str) -> list[str]:
    out = []
    if do == "sms":
        if not _text(e.get("text", ""), 2000) or not _text(e.get("sender", ""), 64):
            out.append("text, sender: strings of at most 2000 and 64 characters")
        if not _text(e.get("service", "own"), 32):
            out.append("service: 'own', 'other' or a service code")
    elif do == "state" and e.get("state") not in (LOST, NOT_ACTIVE, ACTIVE):
        out.append(f"state: {e.get('state')!r} is not -1, 0 or 1")
    elif do == "activation" and not (e.get("never") is True) == ("delay" not in e):
        out.append("activation: give delay (seconds) or never = true")
    elif do == "activation" and "delay" in e and not _whole(e["delay"]):
        out.append(f"delay: {e['delay']!r} is not 0 to {MAX_AFTER} seconds")
    elif do == "refuse":
        if on != "call" or e.get("when") != "before":
            out.append("refuse: only on = 'call' with when = 'before' (the call is answered instead of run)")
        if "msg" in e and not (_text(e["msg"], 500) and e["msg"]):
            out.append("msg: a text of 1 to 500 characters")
        if e.get("reason", "no_stock") not in REASONS:
            out.append(f"reason: {e.get('reason')!r} is not one of {', '.join(REASONS)}")
    elif do == "stock":
        if not _whole(e.get("count", 0), 0, BOUNDS["stock"].high) or not _text(e.get("service", "*"), 32):
            out.append(f"stock: count 0 to {BOUNDS['stock'].high}, service a code or '*'")
        if e.get("country") is None and (on != "call" or e.get("after", 0)):
            out.append("stock: without a country only on a call, at once (the call's country)")
        elif e.get("country") is not None and not _text(e["country"], 8):
            out.append("country: a country code or '*'")
    elif do == "drain" and not _money(e.get("leave", "0")):
        out.append(f"leave: {e.get('leave')!r} is not an amount of money")
    elif do == "jump" and not (("by" in e) != ("past_until" in e)
                               and _whole(e.get("by", 1), 1) and _whole(e.get("past_until", 0))):
        out.append("jump: give by (seconds, from 1) or past_until (seconds after the order's until)")
    return out


def _money(value) -> bool:
    try:
        parse_amount(value)
    except ValueError:
        return False
    return True
