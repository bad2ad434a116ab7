"""When an order is online: a fixed state, or an activation cycle whose moments are known only as intervals.

A cycle starts when `activate` is asked at `act` (state 2). It comes online at a moment `on` within
[act + delay_lo, act + delay_hi] (state 1) and goes offline at `off` within [on + window_lo, on + window_hi]
(state 0). The model does not know the draws; it keeps both moments as intervals, narrows them with every
state the server shows, and predicts the set of states (and the lastonline values) that fit."""
from __future__ import annotations

from dataclasses import dataclass, replace

from .arithmetic import ACTIVATING, ACTIVE, LOST, NOT_ACTIVE

FOREVER = 2 ** 62


@dataclass(frozen=True)
class Span:
    """An integer moment known to lie in [lo, hi]."""

    lo: int
    hi: int

    @classmethod
    def at(cls, t: int) -> "Span":
        """A moment known exactly."""
        return cls(t, t)

    @property
    def exact(self) -> bool:
        """True when the moment is known."""
        return self.lo == self.hi

    def empty(self) -> bool:
        """True when no moment fits (the server contradicted the model)."""
        return self.lo > self.hi


@dataclass(frozen=True)
class Presence:
    """An order's state over time: `state` when fixed; during a cycle `state` is ACTIVATING and `on`/`off` hold."""

    state: int
    last: Span = Span(0, 0)  # lastonline while not in a cycle (or before this cycle came online)
    act: int = 0
    on: Span | None = None
    off: Span | None = None
    window: tuple[int, int] = (0, 0)

    # -- starting points ------------------------------------------------------------------------
    @classmethod
    def fixed(cls, state: int, last: Span = Span(0, 0)) -> "Presence":
        """A state that stays until something acts on the order."""
        return cls(state, last)

    def activated(self, now: int, delay: tuple[int, int], window: tuple[int, int]) -> "Presence":
        """`activate` in state 0: a cycle starting now."""
        on = Span(now + delay[0], now + delay[1])
        return Presence(ACTIVATING, self.last, now, on, Span(on.lo + window[0], on.hi + window[1]), window)

    def forced_online(self, now: int, window: tuple[int, int] | None) -> "Presence":
        """Set online now (control API): a window follows unless the country is always active (None)."""
        if window is None:
            return Presence.fixed(ACTIVE, Span.at(now))
        return Presence(ACTIVATING, self.last, now, Span.at(now), Span(now + window[0], now + window[1]), window)

    def forced(self, state: int, now: int) -> "Presence":
        """Set to 0 or −1 now (control API): lastonline becomes now if the order was online."""
        return Presence.fixed(state, self.last_span(now))

    # -- what may be seen -----------------------------------------------------------------------
    def states(self, t: int) -> set[int]:
        """The states the order may be in at `t`."""
        if self.on is None:
            return {self.state}
        out = set()
        if t < self.on.hi:
            out.add(ACTIVATING)
        if self.on.lo <= t < self.off.hi:
            out.add(ACTIVE)
        if self.off.lo <= t:
            out.add(NOT_ACTIVE)
        return out

    def seen(self, state: int, t: int) -> "Presence | None":
        """The presence after the server showed `state` at `t` (None: impossible)."""
        if state not in self.states(t):
            return None
        if self.on is None:
            return self
        on, off = self.on, self.off
        if state == ACTIVATING:
            on = Span(max(on.lo, t + 1), on.hi)
        elif state == ACTIVE:
            on, off = Span(on.lo, min(on.hi, t)), Span(max(off.lo, t + 1), off.hi)
        else:
            off = Span(off.lo, min(off.hi, t))
        return self._narrow(on, off, ended=state == NOT_ACTIVE)

    def _narrow(self, on: Span, off: Span, ended: bool = False) -> "Presence | None":
        wlo, whi = self.window
        for _ in range(3):  # the two intervals bound each other through the window
            off = Span(max(off.lo, on.lo + wlo), min(off.hi, on.hi + whi))
            on = Span(max(on.lo, off.lo - whi), min(on.hi, off.hi - wlo))
        if on.empty() or off.empty():
            return None
        if ended:
            return Presence.fixed(NOT_ACTIVE, off)
        return replace(self, on=on, off=off)

    def lastonline_when(self, state: int, t: int) -> Span:
        """lastonline shown at `t` when the order is in `state` then."""
        if state == ACTIVE:
            return Span.at(t)
        if self.on is not None and state == NOT_ACTIVE:
            return Span(self.off.lo, min(self.off.hi, t))
        return self.last

    def last_span(self, t: int) -> Span:
        """Every lastonline value possible at `t`, as one covering interval (also lastonline just after the order
        leaves its state at `t`: t if it was online, else as shown then)."""
        spans = [self.lastonline_when(s, t) for s in self.states(t)]
        return Span(min(s.lo for s in spans), max(s.hi for s in spans))

    def seen_last(self, state: int, value: int) -> "Presence":
        """Narrow with the lastonline the server showed while the order was in `state` (not 1)."""
        if state == ACTIVE:
            return self
        return replace(self, last=Span.at(value))

    def closed(self, at: int) -> "Presence":
        """The order leaves `orders` at `at` (expiry or delete): offline (a lost number stays lost),
        lastonline = at if it was online then."""
        return Presence.fixed(LOST if lost(self) else NOT_ACTIVE, self.last_span(at))


def lost(presence: Presence) -> bool:
    """True when the order's number is not in the system (state −1)."""
    return presence.on is None and presence.state == LOST
