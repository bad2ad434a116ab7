"""What a loaded world must satisfy before it is served: types, sane config, money that adds up, ids
unique and every reference resolving. Used for snapshots put by users and for checkpoints."""
from __future__ import annotations

import math
from decimal import Decimal

from .accounts import CREDIT_KINDS, DEBIT_KINDS
from .bounds import range_problem
from .clock import MAX_TIME, ManualClock, time_problem
from .orders import ACTIVATING, ACTIVE, LOST, NOT_ACTIVE
from .schema import MAX_HOLD_DAYS
from .world import REFUND_POLICIES, SCRIPTED, World, WorldConfig

EVENT_KINDS = ("expire", "release", "activated", "deactivated")
STATES = (NOT_ACTIVE, ACTIVE, ACTIVATING, LOST)


def _int(value, low: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _money(value) -> bool:
    return isinstance(value, Decimal) and value.is_finite() and value >= 0 and value == value.quantize(Decimal("0.01"))


def config_problems(c: WorldConfig, where: str = "config.") -> list[str]:
    """Every way a world's settings break what its loader accepts (a world is made only from sound ones)."""
    out = []
    if not _int(c.seed, -(2 ** 63)) or c.seed >= 2 ** 63:
        out.append(f"{where}seed: {c.seed!r} is not an integer in -2**63..2**63-1")
    if c.clock not in ("manual", "real"):
        out.append(f"{where}clock: {c.clock!r} is not manual or real")
    if time_problem(c.start):
        out.append(f"{where}start: {time_problem(c.start)}")
    if not isinstance(c.speed, (int, float)) or not math.isfinite(c.speed) or c.speed <= 0:
        out.append(f"{where}speed: {c.speed!r} is not a positive number")
    for key in ("activation_delay", "active_window"):
        why = range_problem("duration", getattr(c, key))
        if why:
            out.append(f"{where}{key}: {why}")
    if not _int(c.hold_days) or c.hold_days > MAX_HOLD_DAYS:
        out.append(f"{where}hold_days: {c.hold_days!r} is not 0..{MAX_HOLD_DAYS}")
    if c.refund not in REFUND_POLICIES:
        out.append(f"{where}refund: {c.refund!r} is not one of {', '.join(REFUND_POLICIES)}")
    if not isinstance(c.dialect, str) or not isinstance(c.overrides, dict):
        out.append(f"{where}dialect/overrides: wrong type")
    out += [f"{where}accounts.{k}: {v!r} is not an amount of money" for k, v in c.accounts.items() if not _money(v)]
    return out


def _config_problems(world: World) -> list[str]:
    out = config_problems(world.config)
    clock = world.clock
    if isinstance(clock, ManualClock):
        sound = time_problem(clock._now) is None
    else:
        sound = (all(time_problem(v) is None for v in (clock._start, clock._offset, clock._floor))
                 and isinstance(clock._origin, (int, float)) and math.isfinite(clock._origin)
                 and math.isfinite(clock.speed) and clock.speed > 0)
    if not sound:
        out.append(f"clock: {clock.dump()} is not a sound clock (times 0..{MAX_TIME})")
    return out


def _account_problems(world: World) -> list[str]:
    out = []
    for key, acc in world.accounts.items():
        where = f"account {key!r}"
        if not _money(acc.balance):
            out.append(f"{where}: balance {acc.balance} is not a non-negative amount with two decimals")
            continue
        total = Decimal("0")
        for i, e in enumerate(acc.ledger):
            if e.kind not in CREDIT_KINDS + DEBIT_KINDS:
                out.append(f"{where}: ledger line {i}: unknown kind {e.kind!r}")
            elif not _money(e.amount) or not _int(e.at) or not (e.order is None or _int(e.order, 1)):
                out.append(f"{where}: ledger line {i}: bad moment, amount or order")
            elif e.order is not None and e.order not in world.orders:
                out.append(f"{where}: ledger line {i}: unknown order {e.order}")
            else:
                total += e.amount if e.kind in CREDIT_KINDS else -e.amount
        if total != acc.balance:
            out.append(f"{where}: balance {acc.balance} is not its ledger's sum {total}")
        for oid in acc.live:
            order = world.orders.get(oid)
            if order is None or order.apikey != key or not order.live:
                out.append(f"{where}: running order {oid} is not a running order of this account")
        for oid in acc.archive:
            order = world.orders.get(oid)
            if order is None or order.apikey != key:
                out.append(f"{where}: archived order {oid} is not an order of this account")
            elif oid not in world.closures:
                out.append(f"{where}: archived order {oid} has no closure (its line in the history)")
    return out


def _order_problems(world: World) -> list[str]:
    out = []
    for oid, o in world.orders.items():
        where = f"order {oid}"
        ints = (o.id, o.begin, o.until, o.lease_until, o.lastonline, o.token, o.days)
        optional = (o.closed, o.end, o.held_until)
        texts = (o.apikey, o.country, o.provider, o.service, o.number, o.pnumber, o.ccode)
        if (o.id != oid or not all(_int(v) for v in ints) or not all(v is None or _int(v) for v in optional)
                or not all(isinstance(t, str) for t in texts) or not isinstance(o.deleted, bool)
                or not isinstance(o.extra_services, list) or not all(isinstance(s, str) for s in o.extra_services)):
            out.append(f"{where}: a field has the wrong type")
            continue
        if o.apikey not in world.accounts:
            out.append(f"{where}: unknown account {o.apikey!r}")
        elif o.live and oid not in world.accounts[o.apikey].live:
            out.append(f"{where}: running but not among its account's running orders")
        if o.state not in STATES:
            out.append(f"{where}: state {o.state!r} is not one of 0, 1, 2, -1")
        if o.until < o.begin:
            out.append(f"{where}: until {o.until} is before begin {o.begin}")
    for oid, c in world.closures.items():
        if oid not in world.orders or c.order != oid:
            out.append(f"closure of order {oid}: no such order")
    for number, ids in world.holders.items():
        missing = sorted(i for i in ids if i not in world.orders)
        if missing:
            out.append(f"number {number}: held by unknown order {missing[0]}")
    return out


def _rest_problems(world: World) -> list[str]:
    out = []
    for number, items in world.sms.items():
        for s in items:
            if s.apikey not in world.accounts or not _int(s.date) or not isinstance(s.text, str):
                out.append(f"SMS to {number}: unknown account {s.apikey!r} or bad date/text")
                break
    if not _int(world._seq):
        return out + [f"seq: {world._seq!r} is not a non-negative integer"]
    scripted = len(world.script.events) if world.script is not None else 0
    for event in world._events:
        if len(event) == 5 and event[2] == SCRIPTED:  # order 0: none; token: the index of a script's event
            sound = event[3] == 0 or event[3] in world.orders
            sound = sound and _int(event[4]) and event[4] < scripted
        else:
            sound = len(event) == 5 and event[2] in EVENT_KINDS and event[3] in world.orders
        if not sound or not _int(event[0]) or not _int(event[1]) or event[1] > world._seq:
            out.append(f"event {list(event)}: not [at, seq <= {world._seq}, kind, known order, token]")
            break
    for (country, provider), numbers in world.pool.items():
        if not all(isinstance(n, str) for n in numbers):
            out.append(f"pool {country}/{provider}: numbers must be strings")
    return out


def problems(world: World) -> list[str]:
    """Every way the loaded `world` breaks the domain's invariants (empty when it is sound)."""
    return _config_problems(world) + _account_problems(world) + _order_problems(world) + _rest_problems(world)
