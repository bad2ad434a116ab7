"""Judge what a client did against what its scenario says a correct client does (the scenario file's
`expect` table), from the evidence of the run (mockserver.testing.evidence): whether it got a code, whether
its exit code tells the truth, how it reacted to the scenario's event, what it left running. Pacing is
mockserver.testing.pacing; money is mockserver.testing.leftovers.

Each check is in a group. `--xfail` waives only the OUTCOME group (did the client get what the scenario
allows, did it react as it should); never honesty, contract, money, leftovers or pacing."""
from __future__ import annotations

from dataclasses import dataclass, field

from mockserver.core.errors import PROLONG_WINDOW
from mockserver.core.orders import ACTIVE, LOST, NOT_ACTIVE

from .evidence import Evidence

OUTCOME, HONESTY, CONTRACT, MONEY, LEFT, PACING = "outcome", "honesty", "contract", "money", "leftovers", "pacing"
WAIVABLE = (OUTCOME,)  # what --xfail may waive
RENTS = ("create", "create_multi")
STATE_WORDS = {0: "0, not active", 1: "1, online", 2: "2, activating", -1: "-1, number lost"}


@dataclass
class Check:
    """One judged item of a run: held, broken or not applicable, why, and its group."""

    name: str
    status: str  # "held" | "broken" | "not applicable"
    reason: str = ""
    group: str = OUTCOME
    details: list[str] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        """True when the client broke it."""
        return self.status == "broken"


def judge(ev: Evidence, expect: dict, forced_prolong: int | None = 0, keeps_numbers: bool = False) -> list[Check]:
    """Every behaviour check of a run; `forced_prolong`: prolong refusals the scenario itself makes
    (None: every prolong may be refused, so none is judged); `keeps_numbers`: the client rents numbers to keep
    them (--keeps-numbers), so a renter's outcome, exit code and leftovers apply only if it asks for a code."""
    out = [_outcome(ev, expect, keeps_numbers), _honesty(ev, keeps_numbers)]
    out += _reaction(ev, expect.get("react", "none"))
    out.append(_left(ev, expect.get("left", "with-code"), keeps_numbers))
    out.append(_prolong(ev, forced_prolong))
    return out


KEEPS, WAITS = "keeps-numbers", "waits-for-a-code"  # the kinds of client a run judges (--keeps-numbers)


def judged_as(keeps_numbers: bool) -> str:
    """The kind of client a run judged, as the report names it."""
    return KEEPS if keeps_numbers else WAITS


def _asked(ev: Evidence) -> bool:
    """The client asked for a code: it read sms in the scenario's world."""
    return any(e.get("method") == "sms" for e in ev.scripted())


def _rented(ev: Evidence) -> bool:
    return any(e.get("method") in RENTS for e in ev.scripted())


def _engaged(ev: Evidence, keeps_numbers: bool) -> bool:
    """What a renter should do applies: by default once it rented in the scenario's world (it wants a code);
    with --keeps-numbers only when it asked for a code, or rented and then failed or was stopped."""
    if not keeps_numbers:
        return _rented(ev)
    return _asked(ev) or (_rented(ev) and (ev.timed_out or ev.exit_code != 0))


NOT_RENTED = ("the client rented no number in the scenario's world (no create): what a renter should get does "
              "not apply")
NOT_ASKED = ("--keeps-numbers: the client never asked for a code in the scenario's world (no sms call), and did "
             "not fail after renting: what a renter waiting for a code should do does not apply")


def _outcome(ev: Evidence, expect: dict, keeps_numbers: bool) -> Check:
    name = "scenario outcome"
    want = expect.get("code")
    if ev.timed_out:
        return Check(name, "broken", f"the client was still running after {ev.seconds:.0f} s: stopped")
    if not _engaged(ev, keeps_numbers):
        return Check(name, "not applicable", NOT_ASKED if keeps_numbers else NOT_RENTED)
    read = ev.code_read()
    if read:
        return Check(name, "held", f"read a code (order {', '.join(map(str, read))})")
    if want == "yes":
        note = expect.get("note", "").rstrip(".")
        said = f"; a correct client {note[:1].lower()}{note[1:]}" if note else ""
        if not _asked(ev) and ev.exit_code == 0:  # the likely reason: a client that keeps the numbers it rents
            said += " (it never called sms; a client that rents numbers to keep them is checked with --keeps-numbers)"
        return Check(name, "broken", "a code could be had here and the client never read an SMS carrying one "
                                     f"(exit {ev.exit_code}){said}")
    if want is None:
        return Check(name, "not applicable", "the scenario states no expect.code: the outcome is not judged")
    return Check(name, "held", f"gave up without a code (exit {ev.exit_code}), as the scenario allows")


def _honesty(ev: Evidence, keeps_numbers: bool) -> Check:
    name = "exit code tells the truth"
    if ev.timed_out or ev.exit_code is None:
        return Check(name, "not applicable", "the client was stopped: no exit code", HONESTY)
    read = ev.code_read()
    if not read and keeps_numbers and not _asked(ev):
        return Check(name, "not applicable", "--keeps-numbers: the client never asked for a code (no sms call in the "
                                             "scenario's world)", HONESTY)
    if not read and not _rented(ev):
        return Check(name, "not applicable", "the client rented nothing in the scenario's world", HONESTY)
    if read and ev.exit_code != 0:
        return Check(name, "broken", f"the client read a code (order {read[0]}) but exited {ev.exit_code}: "
                                     "a success reported as a failure", HONESTY)
    if not read and ev.exit_code == 0:
        return Check(name, "broken", "the client exited 0 but never read an SMS carrying a code: a success "
                                     "claimed without one (does it stop after one poll, or swallow errors?)",
                     HONESTY)
    return Check(name, "held", "exit 0 with a code read" if read else f"exit {ev.exit_code} without a code",
                 HONESTY)


def _reaction(ev: Evidence, react: str) -> list[Check]:
    if react == "rent-again":
        return [_rent_again(ev)]
    if react == "reactivate":
        return [_reactivate(ev)]
    return []  # the other reactions are judged by the outcome, money and pacing checks (docs/scenarios.md)


def _rent_again(ev: Evidence) -> Check:
    name = "reacts: rents again after a lost number"
    lost = [(o, next(at for at, s in o["history"] if s == LOST)) for o in ev.orders
            if any(s == LOST for _, s in o["history"])]
    if not lost:
        return Check(name, "not applicable", "no number was lost while the client held one")
    order, at = lost[0]
    later = [e for e in ev.scripted() if e.get("method") in RENTS and (e.get("world_at") or 0) >= at]
    if later:
        return Check(name, "held", f"rented again after order {order['id']} was lost")
    return Check(name, "broken", f"order {order['id']} was lost (state -1) and the client rented no other number: "
                                 "a lost number does not come back; delete it (its unused days are refunded) "
                                 "and rent again")


def _reactivate(ev: Evidence) -> Check:
    name = "reacts: activates again after the number went offline"
    for order in ev.orders:
        states = order["history"]
        dropped = [at for i, (at, s) in enumerate(states) if s == NOT_ACTIVE and i and states[i - 1][1] == ACTIVE]
        if not dropped:
            continue
        again = [e for e in ev.scripted() if e.get("method") == "activate" and (e.get("world_at") or 0) >= dropped[0]
                 and str((e.get("params") or {}).get("id")) == str(order["id"])]
        if again:
            return Check(name, "held", f"activated order {order['id']} again after it went offline")
        return Check(name, "broken", f"order {order['id']} went offline (state 0) after its active window without a "
                                     "code and was never activated again: activate brings it back online")
    return Check(name, "not applicable", "no number went offline while the client waited")


def _left(ev: Evidence, left: str, keeps_numbers: bool) -> Check:
    name = "leaves nothing it gave up on running"
    if not _engaged(ev, keeps_numbers):
        return Check(name, "not applicable", NOT_ASKED if keeps_numbers else NOT_RENTED, LEFT)
    live = [o for o in ev.orders if o["live"] and o["state"] != LOST]  # a lost one is the money check's
    if left == "with-code":
        live = [o for o in live if not o["code_read"]]
    if left == "any" or not live:
        return Check(name, "held", "", LEFT)
    shown = ", ".join(f"order {o['id']} (state {STATE_WORDS.get(o['state'], o['state'])})" for o in live)
    why = "the scenario says nothing may run when the client stops" if left == "none" else \
        "without a code read: a client that gives up on an order deletes it"
    return Check(name, "broken", f"left {shown} running {why}", LEFT)


def _prolong(ev: Evidence, forced: int | None) -> Check:
    name = "prolongs only in its window"
    refused = [e for e in ev.entries if e.get("method") in ("prolong", "prolong_max") and e.get("msg") == PROLONG_WINDOW]
    if forced is None:
        return Check(name, "not applicable", "the scenario refuses every prolong", CONTRACT)
    extra = len(refused) - forced
    if extra > 0:
        return Check(name, "broken", f"{extra} prolong calls refused as too early ('{PROLONG_WINDOW}'): prolong only "
                                     "when fewer than 7 days are left (orders' canprolong says when)", CONTRACT)
    return Check(name, "held", "", CONTRACT)
