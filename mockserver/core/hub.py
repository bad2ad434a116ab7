"""The hub: every world of a server, the apikey and order-id indexes, and server-wide unique ids.

Lock order (docs/rules.md, "Invariants and principles"), the one order every thread takes locks in:

1. `Hub.lock` (creating, replacing or dropping worlds; the apikey index),
2. then one `World.lock` (everything inside a world); two or more world locks only with the hub lock held,
   in name order (checkpoints),
3. then leaf locks that never wait for another: the id counter, the state file, a real clock, fault
   rules, a journal.

Never take the hub lock while holding a world lock: an operation that needs both takes the hub lock
first (`Hub.hold(..., hub=True)`). A world is replaced (reset, snapshot PUT) or dropped only with the hub
lock and its own lock held, and is then marked `retired`; whoever found a world without the hub lock
checks, once it holds the world's lock, that the world is still in place (`Hub.hold` does).

A world a hub operation puts in place (create, reset, snapshot PUT) is locked by that thread before
anyone can find it, and stays locked until the operation ends (`Hub.unpublished`): the control plane
logs the operation inside that block, so a rent call on the new world waits and is logged after it
(else a crash could leave a log whose rent call comes before the world it ran in). Nobody else can hold
the lock of a world not yet in place, so taking it under the hub lock never waits.
"""
from __future__ import annotations

import itertools
import re
import secrets
import threading
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from typing import Callable, Iterator

from .bounds import MAX_ORDER_ID
from .catalogue import Catalogue, by_dialect
from .errors import NO_IDS, DomainError
from .clock import make_clock
from .invariants import config_problems
from .money import money
from .world import REFUND_POLICIES, World, WorldConfig

DEFAULT = "default"
WORLD_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)  # safe in a URL path as it is, in any log or file


def name_problem(name: object) -> str | None:
    """Why `name` cannot name a world (None when it can)."""
    if isinstance(name, str) and WORLD_NAME.fullmatch(name):
        return None
    if not isinstance(name, str):
        return f"must be a string, got {type(name).__name__}"
    return f"must be 1 to 64 of the characters A-Z a-z 0-9 _ -, got {name[:70]!r}"
FIRST_ORDER_ID = 40_000


def new_apikey() -> str:
    """A fresh random apikey (not drawn from any world's seeded RNG: keys are not simulation data)."""
    return secrets.token_hex(16)


class Hub:
    """Owns the worlds; the default world always exists."""

    def __init__(self, catalogue: Catalogue | dict[str, Catalogue], wall: Callable[[], float],
                 default: WorldConfig | None = None):
        self.catalogues = by_dialect(catalogue)  # a world starts from its dialect's (docs/evidence.md C10)
        default = default or WorldConfig(accounts={"demo": Decimal("100")})
        self._dialect = default.dialect if default.dialect in self.catalogues else "live"
        self.wall = wall  # the wall-time source real clocks read; injected so tests can freeze it
        self.lock = threading.RLock()
        self.worlds: dict[str, World] = {}
        self.by_apikey: dict[str, str] = {}
        self.by_order: dict[int, str] = {}
        self._ids = itertools.count(FIRST_ORDER_ID)
        self._ids_lock = threading.Lock()  # not the hub lock: a world's lock is held while ids are issued
        self._forced: list[int] = []  # ids a replay must issue again, in order
        self._capture = threading.local()
        self._publishing = threading.local()  # worlds this thread put in place and holds until logged
        self._names = itertools.count(1)
        self.create_world(default, name=DEFAULT)

    @property
    def catalogue(self) -> Catalogue:
        """The server's catalogue: its default world's dialect's (a state file keeps it)."""
        return self.catalogues[self._dialect]

    @catalogue.setter
    def catalogue(self, value: Catalogue) -> None:
        self.catalogues[self._dialect] = value

    def _next_id(self, world: World, room: int = 0) -> int:
        """Issue the next order id to `world`; with `room`, only check that that many are left (returns 0).

        Ids stop at MAX_ORDER_ID (bounds.py): past it a create is refused before it changes anything."""
        with self._ids_lock:
            if room:
                top = (self._forced[0] if self._forced else self.peek_next_id(locked=True)) + room - 1
                if top > MAX_ORDER_ID:
                    raise DomainError(NO_IDS.format(MAX_ORDER_ID))
                return 0
            oid = self._forced.pop(0) if self._forced else next(self._ids)
            if oid > MAX_ORDER_ID:
                self._ids = itertools.count(oid)  # not issued
                raise DomainError(NO_IDS.format(MAX_ORDER_ID))
            self.by_order[oid] = world.name
        issued = getattr(self._capture, "ids", None)
        if issued is not None:
            issued.append(oid)
        return oid

    def capture_ids(self) -> None:
        """Start recording the ids this thread issues."""
        self._capture.ids = []

    def captured_ids(self) -> list[int]:
        """The ids this thread issued since `capture_ids`, and stop recording."""
        ids = getattr(self._capture, "ids", None) or []
        self._capture.ids = None
        return ids

    def force_ids(self, ids: list[int]) -> None:
        """Make the next issued ids these (replaying a log); the counter moves past them."""
        with self._ids_lock:
            self._forced = list(ids)
            top = max(ids, default=FIRST_ORDER_ID - 1)
            self._ids = itertools.count(max(top + 1, next(self._ids)))

    def install_counter(self, next_id: int) -> None:
        """Make the next issued id at least `next_id` (loading a checkpoint)."""
        with self._ids_lock:
            self._ids = itertools.count(max(next_id, next(self._ids)))

    def peek_next_id(self, locked: bool = False) -> int:
        """The id the next order will get (without taking it); `locked`: the id lock is held already."""
        with ExitStack() as stack:
            if not locked:
                stack.enter_context(self._ids_lock)
            value = next(self._ids)
            self._ids = itertools.count(value)
            return value

    def _build(self, name: str, config: WorldConfig) -> World:
        if config.refund not in REFUND_POLICIES:
            raise ValueError(f"refund must be one of {', '.join(REFUND_POLICIES)}")
        clock = make_clock(config.clock, config.start, self.wall, config.speed)
        catalogue = self.catalogue_for(config.dialect)
        return World(name, config, catalogue.shared(), clock, self._next_id)  # shared until it changes

    def catalogue_for(self, dialect: object) -> Catalogue:
        """The catalogue a world of `dialect` starts from (docs/evidence.md C10); the server's for another."""
        return self.catalogues.get(dialect, self.catalogue) if isinstance(dialect, str) else self.catalogue

    @contextmanager
    def unpublished(self) -> Iterator[None]:
        """Worlds this thread puts in place inside the block stay locked to other threads until it ends."""
        held: list[World] = []
        self._publishing.held = held
        try:
            yield
        finally:
            self._publishing.held = None
            for world in reversed(held):
                world.lock.release()

    def _publish(self, world: World) -> None:
        """Put `world` in place under its name (call with the hub lock held); locked first inside `unpublished`."""
        held = getattr(self._publishing, "held", None)
        if held is not None:
            world.lock.acquire()
            held.append(world)
        self.worlds[world.name] = world

    def create_world(self, config: WorldConfig, name: str | None = None) -> World:
        """Create an isolated world; its initial accounts' apikeys must be new to the server."""
        with self.lock:
            name = self._free_name() if name is None else name
            problem = name_problem(name)
            if problem:
                raise ValueError(f"world: {problem}")
            if name in self.worlds:
                raise ValueError(f"world {name!r} exists")
            unsound = config_problems(config, where="")  # what could be made here must load again
            if unsound:
                raise ValueError(unsound[0])
            clash = [k for k in config.accounts if k in self.by_apikey]
            if clash:
                raise ValueError(f"apikey {clash[0]!r} is taken")
            world = self._build(name, config)
            self._publish(world)
            for apikey in config.accounts:
                self.by_apikey[apikey] = name
            return world

    @contextmanager
    def hold(self, find: Callable[[], World], hub: bool = False) -> Iterator[World]:
        """Hold the lock of the world `find()` names (after the hub lock when `hub`), in the lock order.

        A world replaced or dropped while this thread waited for its lock is retired: then `find()` is
        asked again, so the caller always acts on the world in place.
        """
        while True:
            with ExitStack() as stack:
                if hub:
                    stack.enter_context(self.lock)
                world = find()
                stack.enter_context(world.lock)
                if not world.retired:
                    yield world
                    return

    def _free_name(self) -> str:
        # skip names taken explicitly or kept from before a restart (a replay is handed its logged name)
        while True:
            name = f"w{next(self._names)}"
            if name not in self.worlds:
                return name

    def delete_world(self, name: str) -> None:
        """Drop a world and its accounts (the default world is reset instead)."""
        with self.lock:
            world = self.world(name)
            if name == DEFAULT:
                self.reset(name)
                return
            with world.lock:
                for apikey in world.accounts:
                    self.by_apikey.pop(apikey, None)
                del self.worlds[name]
                world.retired = True

    def reset(self, name: str) -> World:
        """Rebuild a world from its seed and config (clock, catalogue, initial accounts); others go."""
        with self.lock:
            old = self.world(name)
            with old.lock:
                for apikey in old.accounts:
                    if apikey not in old.config.accounts:
                        self.by_apikey.pop(apikey, None)
                world = self._build(name, old.config)
                self._publish(world)
                old.retired = True
            return world

    def install(self, world: World) -> None:
        """Put a loaded world in place (replacing one of the same name); its keys and ids must be free."""
        with self.lock:
            old = self.worlds.get(world.name)
            for apikey in world.accounts:
                owner = self.by_apikey.get(apikey)
                if owner is not None and owner != world.name:
                    raise ValueError(f"apikey {apikey!r} belongs to world {owner!r}")
            for oid in world.orders:
                owner = self.by_order.get(oid)
                if owner is not None and owner != world.name and owner in self.worlds:
                    raise ValueError(f"order id {oid} belongs to world {owner!r}")
            with ExitStack() as stack:
                if old is not None:
                    stack.enter_context(old.lock)
                    for apikey in old.accounts:
                        self.by_apikey.pop(apikey, None)
                    old.retired = True
                self._publish(world)
                self.by_apikey.update(dict.fromkeys(world.accounts, world.name))
            with self._ids_lock:
                self.by_order.update(dict.fromkeys(world.orders, world.name))
                top = max(world.orders, default=FIRST_ORDER_ID - 1)
                self._ids = itertools.count(max(top + 1, next(self._ids)))

    def world(self, name: str) -> World:
        """The world called `name`."""
        world = self.worlds.get(name)
        if world is None:
            raise KeyError(f"unknown world {name!r}")
        return world

    def world_of(self, apikey: str) -> World | None:
        """The world an apikey belongs to, or None."""
        name = self.by_apikey.get(apikey)
        return self.worlds.get(name) if name else None

    def world_of_order(self, order_id: int) -> World | None:
        """The world holding order `order_id`, or None."""
        name = self.by_order.get(order_id)
        world = self.worlds.get(name) if name else None
        return world if world is not None and order_id in world.orders else None

    def add_account(self, world: World, balance: object, apikey: str | None = None) -> str:
        """Open a funded account in `world` (a fresh random apikey unless one is given).

        Takes the hub lock, then the world's: a caller holding the world's lock must hold the hub lock
        already (see the lock order above).
        """
        amount = money(balance)
        if amount < 0:
            raise ValueError("balance must not be negative")
        with self.lock, world.lock:
            if world.retired:
                raise KeyError(f"unknown world {world.name!r}")
            apikey = apikey or new_apikey()
            if apikey in self.by_apikey:
                raise ValueError(f"apikey {apikey!r} is taken")
            world.add_account(apikey, amount, world.now())
            self.by_apikey[apikey] = world.name
            return apikey

    def top_up(self, apikey: str, amount: object) -> Decimal:
        """Add a positive amount to an account; returns the new balance."""
        value = money(amount)
        if value <= 0:
            raise ValueError("amount must be positive")

        def find() -> World:
            world = self.world_of(apikey)
            if world is None:
                raise KeyError(f"unknown apikey {apikey!r}")
            return world

        with self.hold(find) as world, world.change() as now:
            account = world.account(apikey)
            account.credit(now, "topup", value)
            return account.balance
