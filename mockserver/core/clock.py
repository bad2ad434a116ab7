"""Clocks the domain reads "now" from: manual (stands still until advanced) and real (wall time, sped up)."""
from __future__ import annotations

import threading
from typing import Callable

from .bounds import DAY, MAX_TIME  # noqa: F401 - DAY is imported from here by the domain

# MAX_TIME is the last moment a world's clock reaches (9999-12-31T23:59:59Z, bounds.py): a clock stops there.
# A control call that asks for a time past it is refused; a scripted jump past it stops there.


def time_problem(value: object) -> str | None:
    """Why `value` cannot be a world's time (None when it can): a whole number 0..MAX_TIME."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number of seconds, got {value!r}"
    if not 0 <= value <= MAX_TIME:
        return f"must be 0..{MAX_TIME} (9999-12-31T23:59:59Z), got {value}"
    return None


class ManualClock:
    """A clock that moves only when told to."""

    mode = "manual"
    speed = 0.0

    def __init__(self, start: int):
        self._now = int(start)

    def now(self) -> int:
        """Current virtual time in Unix seconds."""
        return self._now

    def advance(self, seconds: int) -> int:
        """Move forward by `seconds` (never backwards, stopping at MAX_TIME); returns the new now."""
        if seconds < 0:
            raise ValueError("the clock never goes backwards")
        self._now = min(self._now + int(seconds), MAX_TIME)  # it stops at its end
        return self._now

    def state(self) -> dict:
        """What the control API shows of this clock."""
        return {"mode": self.mode, "now": self._now, "speed": self.speed}

    def dump(self) -> dict:
        """Everything needed to rebuild this clock exactly."""
        return {"mode": self.mode, "now": self._now}


class RealClock:
    """Wall time from an injected `wall()` source, scaled by `speed` from `start`, plus manual jumps."""

    mode = "real"

    def __init__(self, start: int, wall: Callable[[], float], speed: float = 1.0):
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._wall = wall
        self._origin = wall()
        self._start = int(start)
        self.speed = float(speed)
        self._offset = 0
        self._floor = int(start)
        self._lock = threading.Lock()

    def now(self) -> int:
        """Current time: start + elapsed wall time · speed + jumps; never less than a time already seen."""
        with self._lock:
            value = self._start + int((self._wall() - self._origin) * self.speed) + self._offset
            self._floor = min(max(self._floor, value), MAX_TIME)
            return self._floor

    def advance(self, seconds: int) -> int:
        """Jump forward by `seconds` (stopping at MAX_TIME); returns the new now."""
        if seconds < 0:
            raise ValueError("the clock never goes backwards")
        seconds = min(int(seconds), MAX_TIME - self.now())
        with self._lock:
            self._offset = min(self._offset + seconds, MAX_TIME)
        return self.now()

    def state(self) -> dict:
        """What the control API shows of this clock."""
        return {"mode": self.mode, "now": self.now(), "speed": self.speed}

    def dump(self) -> dict:
        """Everything needed to rebuild this clock exactly (it keeps following the same wall time)."""
        with self._lock:
            return {"mode": self.mode, "start": self._start, "origin": self._origin, "speed": self.speed,
                    "offset": self._offset, "floor": self._floor}

    @classmethod
    def load(cls, state: dict, wall: Callable[[], float]) -> "RealClock":
        """Rebuild a real clock from `dump()`."""
        clock = cls(state["start"], wall, state["speed"])
        clock._origin, clock._offset, clock._floor = state["origin"], state["offset"], state["floor"]
        return clock


Clock = ManualClock | RealClock


def load_clock(state: dict, wall: Callable[[], float]) -> Clock:
    """Rebuild a clock from its `dump()`."""
    if state["mode"] == "manual":
        return ManualClock(state["now"])
    return RealClock.load(state, wall)


def make_clock(mode: str, start: int, wall: Callable[[], float], speed: float = 1.0) -> Clock:
    """Build the clock a world asked for."""
    if mode == "manual":
        return ManualClock(start)
    if mode == "real":
        return RealClock(start, wall, speed)
    raise ValueError(f"clock must be manual or real, got {mode!r}")
