"""Bringing state back from the state file: at start (checkpoint, then the log after it) and, after a
failed log write, one world as the file holds it. Anything that cannot be applied stops with a
`StateError` naming the file, the log entry and the reason: a replay never skips."""
from __future__ import annotations

import json

from contracts.registry import METHODS

from mockserver.control.ops import OPS, ControlError, run as run_control
from mockserver.core.catalogue import CatalogueError, parse
from mockserver.core.clock import ManualClock, load_clock
from mockserver.core.hub import DEFAULT, Hub
from mockserver.core.snapshot import SnapshotError, dialect_of, load_world
from mockserver.core.world import World
from mockserver.http.rent import dispatch
from mockserver.state.storage import StateError, Store


def _known(kind: str, name: str) -> str | None:
    """Why a logged (kind, name) cannot be applied, or None when it can."""
    if kind == "rent":
        method = METHODS.get(name)
        return None if method is not None and method.mutates else f"unknown rent.php method {name!r}"
    if kind == "control":
        spec = OPS.get(name)
        return None if spec is not None and spec.mutates else f"unknown control operation {name!r}"
    return f"unknown kind {kind!r}"


def _reason(exc: Exception) -> str:
    if isinstance(exc, ControlError):
        return f"refused with {exc.status}: {exc.message}"
    return f"{type(exc).__name__}: {exc}"


def _load(store: Store, hub: Hub, name: str, doc: dict) -> World:
    try:
        return load_world(doc, name, hub._next_id, hub.wall, hub.catalogue_for(dialect_of(doc)))
    except SnapshotError as exc:
        raise StateError(f"{store.path}: checkpoint of world {name!r}: {exc}") from None


def difference(given: dict, kept: dict) -> str | None:
    """The first way two catalogue documents differ, in words (None when they do not)."""
    services = ({s["code"]: s for s in given["services"]}, {s["code"]: s for s in kept["services"]})
    for code in sorted(services[0].keys() | services[1].keys()):
        if services[0].get(code) != services[1].get(code):
            return f"service {code}: {services[0].get(code)} given, {services[1].get(code)} in the file"
    countries = ({c["code"]: c for c in given["countries"]}, {c["code"]: c for c in kept["countries"]})
    for code in sorted(countries[0].keys() | countries[1].keys()):
        ours, theirs = countries[0].get(code), countries[1].get(code)
        if ours is None or theirs is None:
            return f"country {code}: {'not ' if ours is None else ''}in the one given, " \
                   f"{'not ' if theirs is None else ''}in the file"
        for key in sorted((ours.keys() | theirs.keys()) - {"services"}):
            if ours.get(key) != theirs.get(key):
                return f"country {code}: {key} {ours.get(key)!r} given, {theirs.get(key)!r} in the file"
        offers = ours.get("services", {}), theirs.get("services", {})
        for service in sorted(offers[0].keys() | offers[1].keys()):
            a, b = offers[0].get(service), offers[1].get(service)
            if a is None or b is None:
                return f"country {code}, service {service}: {'not ' if a is None else ''}offered in the one given, " \
                       f"{'not ' if b is None else ''}in the file"
            for key in sorted(a.keys() | b.keys()):
                if a.get(key) != b.get(key):
                    return f"country {code}, service {service}: {key} {a.get(key)} given, {b.get(key)} in the file"
    return None if given.get("paypal") == kept.get("paypal") else "the PayPal tables differ"


def settle_catalogue(rt, store: Store, given: str | None) -> str | None:
    """Make the hub's catalogues the ones the file's worlds were made with, dialect by dialect (a logged
    creation or reset is rebuilt from its dialect's, so they are part of the state): a dialect the file
    keeps none for keeps the hub's from now on; a --catalogue `given` that differs is refused, naming the
    first difference; a shipped one that differs (another release) gives way to the file's, and the
    returned note says so."""
    hub = rt.hub
    kept, old = store.catalogues()
    if old is not None:  # an earlier version kept the server's one alone (for every dialect sharing it)
        kept = {**{d: old for d, c in hub.catalogues.items() if c is hub.catalogue}, **kept}
    docs: dict[int, dict] = {}
    fresh, differ = {}, {}
    for dialect, catalogue in sorted(hub.catalogues.items()):
        if id(catalogue) not in docs:  # dialects sharing one catalogue write it once
            docs[id(catalogue)] = catalogue.to_doc()
        ours = docs[id(catalogue)]
        if dialect not in kept:
            fresh[dialect] = ours
        elif (what := difference(ours, kept[dialect])) is not None:
            differ[dialect] = what
    if fresh:
        store.keep_catalogues(fresh)
    if not differ:
        return None
    what = next(iter(differ.values()))
    dialects = "" if len(differ) == len(hub.catalogues) else f"{', '.join(differ)} worlds: "  # say which, if not all
    if given is not None:
        raise StateError(f"{store.path} keeps the catalogue its worlds were made with, and --catalogue {given} "
                         f"differs ({dialects}{what}); start without --catalogue to use the file's, or use a new "
                         "--state file")
    parsed: dict[str, object] = {}  # dialects whose kept catalogues are alike share one, as the shipped ones do
    for dialect in differ:
        text = json.dumps(kept[dialect], sort_keys=True)
        if text not in parsed:
            try:
                parsed[text] = parse(kept[dialect])
            except CatalogueError as exc:
                raise StateError(f"{store.path}: its {dialect} catalogue: {exc}") from None
        hub.catalogues[dialect] = parsed[text]
    if hub.worlds[DEFAULT].config.dialect in differ:
        hub.reset(DEFAULT)  # built from the shipped one a moment ago; a checkpoint row, if any, replaces it
    return f"the state file's own (the shipped one differs: {dialects}{what})"


def restore(rt, store: Store, catalogue: str | None = None) -> int:
    """Load the checkpoint and replay the log into `rt.hub`; returns how many entries were replayed.

    `catalogue` is the --catalogue file given, if one was: see `settle_catalogue`."""
    hub = rt.hub
    rt.catalogue_note = settle_catalogue(rt, store, catalogue)
    meta = store.meta()
    covered: dict[str, int] = {}
    for name, last, doc in store.world_rows():
        covered[name] = last
        if doc is None:  # dropped while the checkpoint ran: its drop (and all before it) is covered
            continue
        world = _load(store, hub, name, doc)
        try:
            hub.install(world)
        except ValueError as exc:
            raise StateError(f"{store.path}: checkpoint of world {name!r}: {exc}") from None
    hub.force_ids([])
    hub.install_counter(meta["next_id"])
    for seq, kind, name in store.kinds(meta["hub_seq"]):
        why = _known(kind, name)
        if why is not None:
            raise StateError(f"{store.path}: log entry {seq}: {why} (written by another version?)")
    return _replay(rt, store, store.entries(meta["hub_seq"]), covered)


def _replay(rt, store: Store, entries: list[tuple], covered: dict[str, int]) -> int:
    """Apply log entries in order, each at the very moment and with the ids it had; skip those covered."""
    hub = rt.hub
    applied = 0
    rt.replaying = True
    try:
        for seq, kind, name, world_name, body, now, ids, clock in entries:
            if world_name in covered and seq <= covered[world_name]:
                continue
            try:
                _apply(rt, kind, name, world_name, json.loads(body), now, json.loads(ids), clock)
            except Exception as exc:  # noqa: BLE001 - every failure stops the start, named
                raise StateError(f"{store.path}: log entry {seq} ({kind} {name}, world {world_name!r}) "
                                 f"cannot be applied: {_reason(exc)}") from None
            applied += 1
        hub.force_ids([])
    finally:
        rt.replaying = False
    return applied


def _apply(rt, kind: str, name: str, world_name: str | None, body: dict, now: int | None, ids: list[int],
           clock: str | None) -> None:
    hub = rt.hub
    world = hub.worlds.get(world_name) if world_name else None
    needs_world = kind == "rent" or OPS[name].scope != "hub"
    if needs_world and world is None:
        raise LookupError(f"world {world_name!r} does not exist at this point of the log")
    if world is not None and now is not None:
        world.clock = ManualClock(now)  # the call sees the very "now" it saw first
    hub.force_ids(ids)
    if kind == "rent":
        dispatch(rt, "GET", body["query"], body.get("scope"))
    else:
        run_control(rt, name, body)
    if hub._forced:
        raise LookupError(f"the call issued fewer order ids than logged ({ids})")
    world = hub.worlds.get(world_name) if world_name else None
    if world is not None and clock is not None:
        world.clock = load_clock(json.loads(clock), hub.wall)


def rebuild(rt, name: str) -> World | None:
    """World `name` as the state file holds it (its checkpoint row, then its log), or None if it has none."""
    live, store = rt.hub, rt.store
    scratch = Hub(live.catalogues, live.wall, live.worlds[DEFAULT].config)
    scratch_rt = type(rt)(scratch, None)
    row, entries = store.history(name)  # one read: a checkpoint finishing meanwhile cannot split it
    covered: dict[str, int] = {}
    if row is not None:
        covered[name] = row[0]
    if row is not None and row[1] is not None:
        scratch.install(_load(store, scratch, name, row[1]))
    elif name != DEFAULT:
        scratch.worlds.pop(name, None)
    _replay(scratch_rt, store, entries, covered)
    world = scratch.worlds.get(name)
    if world is not None:
        world.next_id = live._next_id
    return world


def undo_unlogged(rt, name: str | None) -> None:
    """Put world `name` back as the state file holds it, after a change to it could not be logged."""
    name = name or DEFAULT
    hub = rt.hub
    rebuilt = rebuild(rt, name)
    current = hub.worlds.get(name)
    if rebuilt is None:
        if current is not None:
            hub.delete_world(name)
    elif current is None:
        hub.install(rebuilt)
    else:
        # refill the object in place: other threads may be waiting on its lock
        with current.lock:
            keep = current.lock, current.next_id, current.version
            current.__dict__.update(rebuilt.__dict__)
            current.lock, current.next_id, current.version = keep[0], keep[1], keep[2] + 1
    world = hub.worlds.get(name)
    for apikey, owner in list(hub.by_apikey.items()):  # keys of accounts the unlogged change opened
        if owner == name and (world is None or apikey not in world.accounts):
            hub.by_apikey.pop(apikey, None)
    if world is not None:
        hub.by_apikey.update(dict.fromkeys(world.accounts, name))
