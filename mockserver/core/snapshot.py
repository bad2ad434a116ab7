"""A world as versioned JSON, and back: the snapshot API and the persistent store both use this."""
from __future__ import annotations

import heapq
from dataclasses import asdict, fields
from decimal import Decimal
from typing import Callable

from .accounts import Account, Entry
from .catalogue import Catalogue, CatalogueError, parse
from .clock import load_clock
from .invariants import problems
from .money import parse_amount
from .orders import Order, Sms
from .script import Script
from .world import Closure, World, WorldConfig

VERSION = 1


class SnapshotError(ValueError):
    """A snapshot that cannot be loaded; the message says why."""


def _config(config: WorldConfig) -> dict:
    out = asdict(config)
    out["accounts"] = {k: str(v) for k, v in config.accounts.items()}
    out["activation_delay"], out["active_window"] = list(config.activation_delay), list(config.active_window)
    return out


def config_from(doc: dict) -> WorldConfig:
    """A WorldConfig from its JSON form."""
    known = {f.name for f in fields(WorldConfig)}
    values = {k: v for k, v in doc.items() if k in known}
    values["accounts"] = {k: _amount(v, f"config.accounts.{k}") for k, v in doc.get("accounts", {}).items()}
    for key in ("activation_delay", "active_window"):
        if key in values:
            values[key] = tuple(values[key])
    return WorldConfig(**values)


def _rng_state(state) -> list:
    version, internal, gauss = state
    return [version, list(internal), gauss]


def dump_world(world: World) -> dict:
    """Everything in a world, clock and RNG included, as JSON-ready data."""
    with world.lock:
        return {
            "version": VERSION,
            "world": world.name,
            "config": _config(world.config),
            "clock": world.clock.dump(),
            "rng": _rng_state(world.rng.getstate()),
            "catalogue": world.catalogue.to_doc(),
            "accounts": [{"apikey": a.apikey, "balance": str(a.balance), "live": list(a.live),
                          "archive": list(a.archive),
                          "ledger": [[e.at, e.kind, str(e.amount), e.order] for e in a.ledger]}
                         for a in world.accounts.values()],
            # shallow copies (fields are scalars but for extra_services): asdict's deep copy is slow
            "orders": [{**vars(o), "extra_services": list(o.extra_services)} for o in world.orders.values()],
            "closures": [dict(vars(c)) for c in world.closures.values()],
            "holders": {n: sorted(ids) for n, ids in world.holders.items()},
            "pool": [[c, p, list(nums)] for (c, p), nums in world.pool.items()],
            "sms": {n: [dict(vars(s)) for s in items] for n, items in world.sms.items()},
            "events": [list(e) for e in sorted(world._events)],
            "seq": world._seq,
            "script": world.script.dump() if world.script is not None else None,
        }


def load_world(doc: dict, name: str, next_id: Callable[[World], int], wall: Callable[[], float],
               base: Catalogue | None = None) -> World:
    """Rebuild a world called `name` from `dump_world` output (sharing what its catalogue has as `base` has it)."""
    if not isinstance(doc, dict) or doc.get("version") != VERSION:
        raise SnapshotError(f"snapshot version must be {VERSION}")
    try:
        world = _build(doc, name, next_id, wall, base)
    except SnapshotError:
        raise
    except CatalogueError as exc:
        raise SnapshotError(f"catalogue: {exc}") from None
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError, IndexError) as exc:
        raise SnapshotError(f"malformed snapshot: {type(exc).__name__}: {exc}") from None
    found = problems(world)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise SnapshotError(f"{found[0]}{more}")
    return world


def _unique(items: list[dict], key: str, what: str) -> list[dict]:
    seen = [item[key] for item in items]
    if len(set(seen)) != len(seen):
        dup = next(v for v in seen if seen.count(v) > 1)
        raise SnapshotError(f"{what} {dup!r} appears twice")
    return items


def _amount(value: object, where: str) -> Decimal:
    try:
        return parse_amount(value)
    except ValueError as exc:
        raise SnapshotError(f"{where}: {exc}") from None


def _build(doc: dict, name: str, next_id: Callable[[World], int], wall: Callable[[], float],
           base: Catalogue | None = None) -> World:
    """The world a snapshot describes (types and references are checked afterwards)."""
    config = config_from(doc["config"])
    config.accounts = {}  # accounts come from the snapshot itself, not re-created
    world = World(name, config, parse(doc["catalogue"], base), load_clock(doc["clock"], wall), next_id)
    world.config = config_from(doc["config"])
    version, internal, gauss = doc["rng"]
    world.rng.setstate((version, tuple(internal), gauss))
    for a in _unique(doc["accounts"], "apikey", "account"):
        where = f"account {a['apikey']!r}"
        account = Account(a["apikey"], _amount(a["balance"], f"{where}: balance"))
        account.ledger = [Entry(at, kind, _amount(amount, f"{where}: ledger line {i}"), order)
                          for i, (at, kind, amount, order) in enumerate(a["ledger"])]
        account.live = dict.fromkeys(a["live"])
        account.archive = list(a["archive"])
        world.accounts[account.apikey] = account
    for o in _unique(doc["orders"], "id", "order id"):
        world.orders[o["id"]] = Order(**o)
    for c in doc["closures"]:
        world.closures[c["order"]] = Closure(**c)
    world.holders = {n: set(ids) for n, ids in doc["holders"].items()}
    world.pool = {(c, p): list(nums) for c, p, nums in doc["pool"]}
    world.sms = {n: [Sms(**s) for s in items] for n, items in doc["sms"].items()}
    world._events = [tuple(e) for e in doc["events"]]
    heapq.heapify(world._events)
    world._seq = doc["seq"]
    if doc.get("script") is not None:  # snapshots written before scenarios existed have none
        world.script = Script.load(doc["script"])
    return world
