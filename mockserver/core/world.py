"""A world: one isolated universe (clock, catalogue, accounts, orders, numbers, SMS, timed events, RNG)."""
from __future__ import annotations

import heapq
import random
import threading
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Iterator

from contracts.registry import DEFAULT_DIALECT

from . import errors as E
from .accounts import Account
from .catalogue import Catalogue
from .bounds import BOUNDS
from .clock import DAY, MAX_TIME, Clock
from .orders import ACTIVATING, ACTIVE, LOST, NOT_ACTIVE, Order, Sms

REFUND_POLICIES = ("lost_only", "never", "unused")
HISTORY = 4096  # state changes a world remembers for a judge (check-client), oldest first out
SCRIPTED = "scripted"  # the kind of a timed event a scenario's script queued (its token: the event's index)


@dataclass
class WorldConfig:
    """What a world is built from; `reset` rebuilds the world from exactly this."""

    seed: int = 1
    clock: str = "manual"
    start: int = 1_700_000_000
    speed: float = 1.0
    dialect: str = DEFAULT_DIALECT
    overrides: dict[str, str] = field(default_factory=dict)
    activation_delay: tuple[int, int] = (600, 900)
    active_window: tuple[int, int] = (600, 1800)
    hold_days: int = 30
    refund: str = "lost_only"
    accounts: dict[str, Decimal] = field(default_factory=dict)  # initial apikey -> balance


@dataclass
class Closure:
    """One line of the archive: an order leaving `orders` (by expiry or delete)."""

    order: int
    begin: int
    end: int
    closed: int
    days: int
    deleted: bool


class Change:
    """`with world.change() as now:` (a plain class: every operation enters one, and a generator-based
    context manager costs several times as much)."""

    __slots__ = ("world",)

    def __init__(self, world: "World"):
        self.world = world

    def __enter__(self) -> int:
        world = self.world
        world.lock.acquire()
        try:
            now = world.now()
        except BaseException:
            world.lock.release()
            raise
        world.touch()
        return now

    def __exit__(self, *exc) -> None:
        self.world.lock.release()


class World:
    """State of one world; operations live in `rental` and `restore` and take the world as argument."""

    def __init__(self, name: str, config: WorldConfig, catalogue: Catalogue, clock: Clock,
                 next_id: Callable[["World"], int]):
        self.name = name
        self.config = config
        self.catalogue = catalogue
        self.clock = clock
        self.rng = random.Random(config.seed)
        self.next_id = next_id
        self.lock = threading.RLock()  # taken after the hub's lock, never before it (see hub.py)
        self.retired = False  # set (under this lock) once the hub replaced or dropped this world
        self.accounts: dict[str, Account] = {}
        self.orders: dict[int, Order] = {}
        self.closures: dict[int, Closure] = {}  # latest closure per order id
        self.holders: dict[str, set[int]] = {}  # number -> ids of orders holding it (live or on hold)
        self.pool: dict[tuple[str, str], list[str]] = {}  # (country, provider) -> numbers back in stock
        self.sms: dict[str, list[Sms]] = {}
        self._events: list[tuple[int, int, str, int, int]] = []  # (at, seq, kind, order id, token)
        self._seq = 0
        self.last_now = clock.now()  # the "now" the latest operation read (a replay needs it)
        self.version = 0  # bumped by every change, so readers can cache what they rendered
        self.script = None  # a core.script.Script once a scenario is loaded: triggers and timed actions
        # (at, order id, state) of the latest state changes: what a judge of a client reads (not state: never saved)
        self.history: deque[tuple[int, int, int]] = deque(maxlen=HISTORY)
        self._pin: int | None = None  # "now" held for the whole of one scripted operation (see `pinned`)
        self._jump_to = 0  # a scripted jump of the clock, taken by the loop that applies due events
        start = self.last_now
        for apikey, balance in config.accounts.items():
            self.add_account(apikey, balance, start)

    # -- time -------------------------------------------------------------------------------------
    def now(self) -> int:
        """Read the clock once and apply every event due by then; call once per operation."""
        if self._pin is not None:
            return self._pin
        now = self.clock.now()
        self.last_now = now
        events = self._events
        if (not events or events[0][0] > now) and self._jump_to <= now:  # nothing due: most calls
            self._jump_to = 0
            return now
        return self._due(now)[0]

    @contextmanager
    def pinned(self) -> Iterator[int]:
        """Hold one "now" for an operation that reads the time more than once (a scripted call: its
        triggers, then the call): every read inside sees the same moment, the one a replay is given."""
        with self.lock:
            if self._pin is not None:  # already held by the operation this one is part of
                yield self._pin
                return
            now = self.now()
            self._pin = now
            try:
                yield now
            finally:
                self._pin = None

    def advance(self, seconds: int) -> int:
        """Move the clock forward; every event due on the way is applied at its own time, in order."""
        with self.lock:
            self.now()
            return self.run_due(self.clock.advance(seconds))

    def jump_to(self, moment: int) -> None:
        """Move the clock forward to `moment` (a scripted jump); nothing when it is already past.

        The target is absolute, so applying the same jump twice (a replay) moves the clock once; one past the
        clock's end stops there (MAX_TIME), as the clock does."""
        self._jump_to = max(self._jump_to, min(moment, MAX_TIME))

    def change(self) -> "Change":
        """Hold the world for one state-changing operation: yields now (read once, due events applied), the change marked."""
        return Change(self)

    def touch(self) -> None:
        """Note that the world changed (every mutating operation calls this)."""
        self.version += 1

    def schedule(self, at: int, kind: str, order: Order) -> None:
        """Queue a timed event for `order`; it is ignored if the order changed state meanwhile."""
        self._seq += 1
        heapq.heappush(self._events, (at, self._seq, kind, order.id, order.token))

    def schedule_scripted(self, at: int, index: int, order: Order | None) -> None:
        """Queue the script's event `index` for `at` (on `order`, or on none: order id 0)."""
        self._seq += 1
        heapq.heappush(self._events, (at, self._seq, SCRIPTED, order.id if order else 0, index))

    def run_due(self, now: int) -> int:
        """Apply, in time order, every event due at or before `now`; returns how many applied."""
        return self._due(now)[1]

    def _due(self, now: int) -> tuple[int, int]:
        """(now, events applied); `now` moves on to where a scripted event jumped the clock."""
        applied = 0
        while True:
            while self._events and self._events[0][0] <= now:
                at, _, kind, oid, token = heapq.heappop(self._events)
                order = self.orders.get(oid)
                if kind == SCRIPTED:
                    if self.script is not None and self.script.fire(self, at, token, order):
                        applied += 1
                elif order is not None and self._apply(at, kind, order, token):
                    applied += 1
            if self._jump_to <= now:
                break
            target, self._jump_to = self._jump_to, 0
            current = self.clock.now()
            if target > current:
                self.clock.advance(target - current)
            now = target  # not read again: a replay, on a manual clock, lands on the very same moment
        self._jump_to = 0
        self.version += applied
        return now, applied

    def set_state(self, order: Order, state: int, at: int) -> None:
        """Move a running order to `state`; a loaded script hears of it (its state triggers)."""
        order.set_state(state, at)
        self.history.append((at, order.id, state))
        if self.script is not None and order.live:
            self.script.entered(self, order, state, at)

    def _apply(self, at: int, kind: str, order: Order, token: int) -> bool:
        if kind == "expire":
            if not order.live or order.until != at:
                return False
            self.close(order, at, deleted=False)
            return True
        if kind == "release":
            if order.live or order.held_until != at:
                return False
            self.release(order)
            return True
        if token != order.token or not order.live:
            return False
        if kind == "activated" and order.state == ACTIVATING:
            self.set_state(order, ACTIVE, at)
            self.schedule(at + self.draw(self.config.active_window), "deactivated", order)
            return True
        if kind == "deactivated" and order.state == ACTIVE:
            self.set_state(order, NOT_ACTIVE, at)
            return True
        return False

    def draw(self, bounds: tuple[int, int]) -> int:
        """A uniform whole number of seconds within `bounds`, from the world's seeded RNG."""
        low, high = bounds
        return self.rng.randint(low, high) if high > low else low

    # -- accounts -------------------------------------------------------------------------------
    def add_account(self, apikey: str, balance: Decimal, at: int) -> Account:
        """Open an account with an initial balance."""
        self.touch()
        account = Account(apikey)
        account.credit(at, "initial", balance)
        self.accounts[apikey] = account
        return account

    def account(self, apikey: str) -> Account:
        """The account of `apikey` in this world."""
        account = self.accounts.get(apikey)
        if account is None:
            raise E.DomainError(E.BAD_APIKEY)
        return account

    def owned(self, apikey: str, order_id: int, live_only: bool = True) -> Order:
        """The order `order_id` if `apikey` owns it (and it runs); otherwise "Order not found"."""
        order = self.orders.get(order_id)
        if order is None or order.apikey != apikey or (live_only and not order.live):
            raise E.DomainError(E.ORDER_NOT_FOUND)
        return order

    # -- life of an order -----------------------------------------------------------------------
    def open(self, order: Order) -> None:
        """Put a new (or restored) order into `orders` and schedule its expiry."""
        self.orders[order.id] = order
        self.accounts[order.apikey].live[order.id] = None
        self.holders.setdefault(order.number, set()).add(order.id)
        self.schedule(order.until, "expire", order)

    def close(self, order: Order, at: int, deleted: bool) -> Closure:
        """Move an order from `orders` to the archive; its number is held, or freed if deleted."""
        account = self.accounts[order.apikey]
        account.live.pop(order.id, None)
        order.set_state(NOT_ACTIVE if order.state != LOST else LOST, at)
        order.closed, order.end, order.deleted = at, order.until, deleted
        closure = Closure(order.id, order.begin, order.until, at, order.days, deleted)
        self.closures[order.id] = closure
        account.archive.append(order.id)
        if deleted:
            order.held_until = at
            self.release(order)
        else:
            order.held_until = at + self.config.hold_days * DAY
            self.schedule(order.held_until, "release", order)
        return closure

    def release(self, order: Order) -> None:
        """End the order's hold on its number: stock comes back, the number returns to the pool."""
        holders = self.holders.get(order.number, set())
        holders.discard(order.id)
        country = self.catalogue.countries.get(order.country)
        lost = order.state == LOST
        if country is not None and not lost:
            if order.service in country.offers:
                stock = self.catalogue.own_offer(order.country, order.service).stock
                # a count set to its bound meanwhile stays there: the world's snapshot must hold it
                stock[order.provider] = min(stock.get(order.provider, 0) + 1, BOUNDS["stock"].high)
        if not holders:
            self.holders.pop(order.number, None)
            if not lost:
                self.pool.setdefault((order.country, order.provider), []).append(order.number)

    def own_sms(self, order: Order) -> tuple[list[Sms], list[Sms]]:
        """(SMS for the order's services, SMS for the number's other services) since it began."""
        own, other = [], []
        services = order.services
        for sms in self.sms.get(order.number, ()):
            if sms.apikey == order.apikey and sms.date >= order.begin:
                (own if sms.service in services else other).append(sms)
        return own, other
