"""A world as versioned JSON, and back: the snapshot API and the persistent store both use this.

The format is one table, PARTS: each top-level key with its JSON Schema and the function that writes
it. `dump_world` writes by it, SNAPSHOT_SCHEMA is made from it, and `load_world` checks a document
against that schema before it builds anything, then against the domain's invariants: the writer and
its check cannot drift apart. `python -m mockserver.core.snapshot` writes the schema to
mockserver/core/data/snapshot.schema.json (a test holds the file to the table).
"""
from __future__ import annotations

import heapq
import json
import sys
from dataclasses import asdict, fields
from decimal import Decimal
from pathlib import Path
from typing import Callable

from contracts.registry import DIALECTS, METHODS

from .accounts import CREDIT_KINDS, DEBIT_KINDS, Account, Entry
from .catalogue import CATALOGUE_SCHEMA, COMPACT_SCHEMA, Catalogue, CatalogueError, expand_doc, parse
from .clock import load_clock
from .invariants import EVENT_KINDS, STATES, problems
from .money import parse_amount
from .orders import Order, Sms
from .schema import (DURATIONS, MOMENT, MONEY, NAME, NULL, ORDER_ID, SIGNED, SPEED, TEXT, TIME, WHOLE, Checker, array,
                     bounded, mapping, obj, record, row)
from .script import Script
from .world import REFUND_POLICIES, SCRIPTED, Closure, World, WorldConfig

VERSION = 1
SCHEMA_FILE = Path(__file__).parent / "data" / "snapshot.schema.json"


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


# A world's settings; control bodies (POST /_mock/worlds) take their fields' schemas from here.
CONFIG_SCHEMA = record(
    WorldConfig, seed=SIGNED, clock={"enum": ["manual", "real"]}, start=TIME, speed=SPEED,
    dialect={"enum": list(DIALECTS)}, overrides=mapping(TEXT, propertyNames={"enum": list(METHODS)}),
    activation_delay=DURATIONS, active_window=DURATIONS,
    hold_days=bounded("hold_days"), refund={"enum": list(REFUND_POLICIES)},
    accounts=mapping(MONEY))
_MANUAL = obj({"mode": {"const": "manual"}, "now": TIME}, ["mode", "now"])
_REAL = obj({"mode": {"const": "real"}, "start": TIME, "origin": {"type": "number"}, "speed": SPEED,
             "offset": TIME, "floor": TIME}, ["mode", "start", "origin", "speed", "offset", "floor"])
CLOCK_SCHEMA = {"type": "object", "required": ["mode"], "properties": {"mode": {"enum": ["manual", "real"]}},
                "if": {"properties": {"mode": {"const": "manual"}}}, "then": _MANUAL, "else": _REAL}
_RNG = row({"const": 3}, array({"type": "integer", "minimum": 0, "maximum": 2 ** 32 - 1}, minItems=625, maxItems=625),
           {"anyOf": [NULL, {"type": "number"}]})
_LEDGER_LINE = row(TIME, {"enum": list(CREDIT_KINDS + DEBIT_KINDS)}, MONEY, {"anyOf": [ORDER_ID, NULL]})
_ACCOUNT = obj({"apikey": NAME, "balance": MONEY, "live": array(ORDER_ID, uniqueItems=True),
                "archive": array(ORDER_ID), "ledger": array(_LEDGER_LINE)},
               ["apikey", "balance", "live", "archive", "ledger"])
# each field's bound from the one table (bounds.py): moments that happened, moments to come, ids
_ORDER = record(Order, id=ORDER_ID, apikey=NAME, state={"enum": list(STATES)}, begin=TIME, until=MOMENT,
                lease_until=MOMENT, lastonline=TIME, closed={"anyOf": [TIME, NULL]}, end={"anyOf": [MOMENT, NULL]},
                held_until={"anyOf": [MOMENT, NULL]})
_CLOSURE = record(Closure, order=ORDER_ID, begin=TIME, end=MOMENT, closed=TIME)
_SMS = record(Sms, date=TIME)
# order 0: a scripted event on no order
_EVENT = row(MOMENT, WHOLE, {"enum": [*EVENT_KINDS, SCRIPTED]}, {"type": "integer", "minimum": 0,
                                                                 "maximum": ORDER_ID["maximum"]}, WHOLE)
# a scenario's script (core/script.py); its events are judged by script.check_events when loaded
_SCRIPT = {"anyOf": [NULL, obj({"names": array(TEXT), "events": array({"type": "object"}), "counts": mapping(WHOLE),
                                "fires": WHOLE}, ["names", "events", "counts", "fires"])]}
OPTIONAL = ("script",)  # parts that snapshots written before them lack


def _accounts(world: World) -> list:
    return [{"apikey": a.apikey, "balance": str(a.balance), "live": list(a.live), "archive": list(a.archive),
             "ledger": [[e.at, e.kind, str(e.amount), e.order] for e in a.ledger]} for a in world.accounts.values()]


# (key, schema, writer): the whole format. Add a part here and both the writer and the check know it.
PARTS: tuple[tuple[str, dict, Callable[[World], object]], ...] = (
    ("version", {"const": VERSION}, lambda w: VERSION),
    ("world", TEXT, lambda w: w.name),
    ("config", CONFIG_SCHEMA, lambda w: _config(w.config)),
    ("clock", CLOCK_SCHEMA, lambda w: w.clock.dump()),
    ("rng", _RNG, lambda w: _rng_state(w.rng.getstate())),
    ("catalogue", CATALOGUE_SCHEMA, lambda w: w.catalogue.to_doc()),
    ("accounts", array(_ACCOUNT), _accounts),
    # shallow copies (fields are scalars but for extra_services): asdict's deep copy is slow
    ("orders", array(_ORDER), lambda w: [{**vars(o), "extra_services": list(o.extra_services)}
                                         for o in w.orders.values()]),
    ("closures", array(_CLOSURE), lambda w: [dict(vars(c)) for c in w.closures.values()]),
    ("holders", mapping(array(ORDER_ID)), lambda w: {n: sorted(ids) for n, ids in w.holders.items()}),
    ("pool", array(row(TEXT, TEXT, array(TEXT))), lambda w: [[c, p, list(nums)] for (c, p), nums in w.pool.items()]),
    ("sms", mapping(array(_SMS)), lambda w: {n: [dict(vars(s)) for s in items] for n, items in w.sms.items()}),
    ("events", array(_EVENT), lambda w: [list(e) for e in sorted(w._events)]),
    ("seq", WHOLE, lambda w: w._seq),
    ("script", _SCRIPT, lambda w: w.script.dump() if w.script is not None else None),
)
SNAPSHOT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": f"smspva-rent-mock world snapshot, version {VERSION}",
    "description": "GET/PUT /_mock/worlds/<world>/snapshot, and each world of a --state file's checkpoint (whose "
                   "catalogue is written as $defs/compact_catalogue: what differs from the file's own).",
    **obj({key: schema for key, schema, _ in PARTS}, [key for key, _, _ in PARTS if key not in OPTIONAL]),
    "$defs": {"compact_catalogue": COMPACT_SCHEMA},
}
_CHECK = Checker(SNAPSHOT_SCHEMA)
_COMPACT_CHECK = Checker({**SNAPSHOT_SCHEMA, "properties": {**SNAPSHOT_SCHEMA["properties"],
                                                            "catalogue": {"$ref": "#/$defs/compact_catalogue"}}})


def dialect_of(doc: object) -> object:
    """The dialect a snapshot document says its world speaks (None where it does not say)."""
    config = doc.get("config") if isinstance(doc, dict) else None
    return config.get("dialect") if isinstance(config, dict) else None


def dump_world(world: World, base: Catalogue | None = None) -> dict:
    """Everything in a world, clock and RNG included, as JSON-ready data (the parts of PARTS); with `base`
    (the server's catalogue), the catalogue as what differs from it (a state file's row)."""
    with world.lock:
        return {key: world.catalogue.compact_doc(base) if key == "catalogue" and base is not None else write(world)
                for key, _, write in PARTS}


def load_world(doc: dict, name: str, next_id: Callable[[World], int], wall: Callable[[], float],
               base: Catalogue | None = None) -> World:
    """Rebuild a world called `name` from `dump_world` output (sharing what its catalogue has as `base` has it;
    with `base`, a catalogue written as what differs from it is read too)."""
    if not isinstance(doc, dict) or doc.get("version") != VERSION:
        raise SnapshotError(f"snapshot version must be {VERSION}")
    compact = base is not None and isinstance(doc.get("catalogue"), dict) and "base" in doc["catalogue"]
    found = (_COMPACT_CHECK if compact else _CHECK).first(doc)
    if found:
        raise SnapshotError(found)
    try:
        if compact:
            doc = {**doc, "catalogue": expand_doc(doc["catalogue"], base)}
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
    world = World(name, config, parse(doc["catalogue"], base, checked=True), load_clock(doc["clock"], wall),
                  next_id)
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


if __name__ == "__main__":  # write the schema file the package ships
    SCHEMA_FILE.write_text(json.dumps(SNAPSHOT_SCHEMA, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    sys.stdout.write(f"wrote {SCHEMA_FILE}\n")
