"""How fast a client called: rent.php calls per minute of wall time, the interval between two polls of the
same thing in world time, and whether it waited as a 429 answer's Retry-After said. The service publishes
limits for its account API and its activation API (docs/evidence.md W18, contracts.registry.LIMITS: 40
connections a minute, 4-5 s between queries) and none for rent.php, so the limits judged here are ours and
looser (docs/rules.md, "Pacing"); the report shows W18's figures beside them."""
from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from contracts.registry import LIMITS
from mockserver.http.wire_faults import RETRY_AFTER

PER_MINUTE = 120  # rent.php calls in any 60 s of wall time: 2 a second sustained (the rate-limited scenario's)
MIN_POLL = 2.0  # world seconds: the median interval between two polls of the same thing may not be shorter
POLLS = ("orders", "sms", "getcount", "getCountWithProviders", "get_count_multi", "getdata", "getdataWithProviders")
SLACK = 0.05  # wall seconds of Retry-After a client may fall short by (the journal stamps answers, not sends)


@dataclass
class Pace:
    """The figures of one run's pace and the limits they are held to."""

    calls: int = 0
    seconds: float = 0.0  # wall time from the first call to the last
    busiest_minute: int = 0  # most calls in any 60 s of wall time
    polls: int = 0  # intervals measured between polls of the same thing (method, id) in a moving world
    median_poll: float | None = None  # world seconds
    shortest_poll: float | None = None
    limited: int = 0  # 429 answers
    too_soon: int = 0  # calls that came sooner after a 429 than its Retry-After
    soonest: float | None = None  # wall seconds from a 429 to the next call, the shortest
    moving: bool = False  # world time passes between calls in the scenario's world (not a manual clock)

    def as_json(self) -> dict:
        """For a JSON report (limits beside the figures)."""
        return {"calls": self.calls, "seconds": round(self.seconds, 3), "busiest_minute": self.busiest_minute,
                "per_minute_limit": PER_MINUTE, "polls": self.polls,
                "median_poll_world_seconds": self.median_poll, "shortest_poll_world_seconds": self.shortest_poll,
                "min_poll_world_seconds": MIN_POLL, "rate_limited": self.limited, "retry_after": RETRY_AFTER,
                "too_soon_after_429": self.too_soon, "soonest_after_429": self.soonest,
                "published": {"evidence": LIMITS.evidence, "per_minute": LIMITS.per_minute,
                              "min_interval_seconds": LIMITS.min_interval,
                              "applies_to": "/priemnik.php and the activation API, not rent.php"}}


def measure(entries: list[dict], moving: set[str]) -> Pace:
    """The pace of `entries` (rent.php journal entries with `at`, `world_at`, `world`); world-time intervals
    only within the worlds named in `moving` (a manual clock stands still between calls)."""
    pace = Pace(calls=len(entries), moving=bool(moving))
    stamps = sorted(e["at"] for e in entries)
    if stamps:
        pace.seconds = stamps[-1] - stamps[0]
        low = 0
        for high, at in enumerate(stamps):
            while at - stamps[low] >= 60:
                low += 1
            pace.busiest_minute = max(pace.busiest_minute, high - low + 1)
    last: dict[tuple, float] = {}
    gaps: list[float] = []
    for e in entries:
        if e.get("method") in POLLS and e.get("world") in moving and e.get("world_at") is not None:
            key = (e.get("world"), e.get("apikey"), e["method"], (e.get("params") or {}).get("id"))
            if key in last:
                gaps.append(e["world_at"] - last[key])
            last[key] = e["world_at"]
    if gaps:
        pace.polls, pace.median_poll, pace.shortest_poll = len(gaps), float(median(gaps)), float(min(gaps))
    ordered = sorted(entries, key=lambda e: e["at"])
    for i, e in enumerate(ordered):
        if e.get("http_status") != 429:
            continue
        pace.limited += 1
        later = next((n for n in ordered[i + 1:] if n.get("apikey") == e.get("apikey")), None)
        if later is None:
            continue
        wait = later["at"] - e["at"]
        pace.soonest = wait if pace.soonest is None else min(pace.soonest, wait)
        pace.too_soon += wait < RETRY_AFTER - SLACK
    return pace


def checks(pace: Pace, moving: bool) -> list[tuple[str, str, str]]:
    """(name, "held" | "broken" | "not applicable", reason) for each pacing rule, figures in the reason."""
    out = []
    figures = f"at most {pace.busiest_minute} calls in a minute of wall time ({pace.calls} in {pace.seconds:.1f} s)"
    if pace.busiest_minute > PER_MINUTE:
        out.append(("pace: calls per minute", "broken",
                    f"{figures}; the limit is {PER_MINUTE} (2 a second): sleep between polls"))
    else:
        out.append(("pace: calls per minute", "held", f"{figures}; limit {PER_MINUTE}"))
    if not moving:
        out.append(("pace: polling interval", "not applicable",
                    "the world's clock stands still (manual): no world time passes between polls"))
    elif pace.polls < 2:
        out.append(("pace: polling interval", "not applicable", "fewer than 3 polls of the same thing"))
    else:
        figures = (f"median {pace.median_poll:.1f} s of world time between polls of the same thing, shortest "
                   f"{pace.shortest_poll:.1f} s ({pace.polls} intervals)")
        if pace.median_poll < MIN_POLL:
            out.append(("pace: polling interval", "broken",
                        f"{figures}; at least {MIN_POLL:g} s is sane (a code takes minutes): poll with a sleep"))
        else:
            out.append(("pace: polling interval", "held", figures))
    if not pace.limited:
        out.append(("pace: Retry-After honoured", "not applicable", "no answer asked the client to wait (no 429)"))
    elif pace.too_soon:
        out.append(("pace: Retry-After honoured", "broken",
                    f"{pace.too_soon} of {pace.limited} calls after a 429 came sooner than its Retry-After "
                    f"({RETRY_AFTER} s): the soonest {pace.soonest:.3f} s after; wait as Retry-After says"))
    else:
        out.append(("pace: Retry-After honoured", "held",
                    f"{pace.limited} answers of 429; every next call waited {RETRY_AFTER} s or more"))
    return out
