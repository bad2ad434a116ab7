"""Control operations on snapshots: a whole world as versioned JSON, read and replaced."""
from __future__ import annotations

from ..core.bounds import BOUNDS
from ..core.hub import name_problem
from ..core.snapshot import SnapshotError, dialect_of, dump_world, load_world
from .ops import ControlError, check_dialect, op, room_for_a_world


@op("snapshot.get")
def snapshot(rt, body, world):
    """The whole world as versioned JSON, clock and RNG included."""
    return dump_world(world), 200


@op("snapshot.put", None, mutates=True, scope="hub")
def put_snapshot(rt, body):
    """Load a snapshot into the world named by the path (created if new)."""
    name = body.get("world")
    problem = name_problem(name)
    if problem:
        raise ControlError(400, f"world: {problem}")
    if name not in rt.hub.worlds:
        room_for_a_world(rt)
    try:
        doc = body.get("snapshot")
        world = load_world(doc, name, rt.hub._next_id, rt.hub.wall, rt.hub.catalogue_for(dialect_of(doc)))
    except SnapshotError as exc:
        raise ControlError(400, f"snapshot: {exc}") from None
    top = max(world.orders, default=0)
    if top > BOUNDS["given_order_id"].high:
        raise ControlError(400, f"snapshot: orders: id {top} is past the largest id a snapshot may bring, "
                                f"{BOUNDS['given_order_id'].high} (ids are never issued twice in any world, "
                                f"so a snapshot must leave room to issue more)")
    check_dialect(world.config.dialect, world.config.overrides)
    replaced = rt.hub.worlds.get(name)
    try:
        rt.hub.install(world)
    except ValueError as exc:
        raise ControlError(409, str(exc)) from None
    if replaced is not None:
        rt.retire(replaced)  # its journal stays in place
    world.last_now = world.clock.now()
    return {"world": name, "now": world.clock.now(), "orders": len(world.orders)}, 200
