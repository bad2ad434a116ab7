"""Orders, SMS and held numbers: the records a world keeps, and the derived fields `orders` shows."""
from __future__ import annotations

from dataclasses import dataclass, field

from .clock import DAY

NOT_ACTIVE, ACTIVE, ACTIVATING, LOST = 0, 1, 2, -1
PROLONG_WINDOW = 7 * DAY


@dataclass
class Sms:
    """One delivered SMS; `service` is the service it was addressed to."""

    text: str
    sender: str
    date: int
    service: str
    apikey: str
    read: bool = False


@dataclass
class Order:
    """A rental of one number for one service (plus services added later)."""

    id: int
    apikey: str
    country: str
    provider: str
    service: str
    number: str  # full digits without +
    pnumber: str  # national number
    ccode: str
    begin: int
    until: int
    lease_until: int  # the number's lease limit from its provider ("canprolonguntil")
    state: int = NOT_ACTIVE
    lastonline: int = 0
    token: int = 0  # bumped on every state change, so stale timed events are ignored
    extra_services: list[str] = field(default_factory=list)
    days: int = 0  # whole days paid for in total
    closed: int | None = None
    end: int | None = None
    deleted: bool = False
    held_until: int | None = None  # number kept for this renter until then, after expiry

    @property
    def services(self) -> list[str]:
        """Every service whose SMS this order receives."""
        return [self.service, *self.extra_services]

    @property
    def live(self) -> bool:
        """True while the order is in `orders` (not archived)."""
        return self.closed is None

    def set_state(self, state: int, now: int) -> None:
        """Move to `state`, recording the last moment online when leaving state 1."""
        if self.state == ACTIVE and state != ACTIVE:
            self.lastonline = now
        if state == ACTIVE:
            self.lastonline = now
        self.state = state
        self.token += 1

    def canprolongmax(self) -> int:
        """Whole days between `until` and the lease limit."""
        return max(0, (self.lease_until - self.until) // DAY)

    def canprolong(self, now: int) -> bool:
        """True when prolongation is possible right now (window, not lost, room under the lease)."""
        return (self.state != LOST and now < self.until and self.until - now < PROLONG_WINDOW
                and self.canprolongmax() >= 1)

    def shown_lastonline(self, now: int) -> int:
        """`lastonline` as shown: now while active, else the last moment in state 1."""
        return now if self.state == ACTIVE else self.lastonline

