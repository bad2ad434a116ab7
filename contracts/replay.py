"""Replay a proxy recording (JSON lines, `rent-mock proxy --record`) against any rent.php server, in order,
with its keys mapped and, where the target is the mock, its clock moved as recorded; every answer is
compared with the recorded one (contracts.proxy.diff) and judged in a coverage ledger of calls.

A recording of the live service, replayed in CI, keeps a mock (or any fake) honest against it."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .client import RentClient, SpendGuard, SpendRefused, Unsendable
from .fetch import BadJSON, FetchError, parse_json
from .proxy.app import compare_balance
from .proxy.diff import compare
from .proxy.redact import SECRET_PARAMS
from .registry import METHODS, PATHS
from .spending import BALANCE_PATH, ascii_digits, brief
from .target import CannotRun, ControlRefused, Target
from .verdict import Ledger

MAX_LINES = 100_000  # calls a replay reads from one recording


@dataclass
class Recorded:
    """One replayable call of the recording: where it was, what was sent, what came back, when."""

    line: int
    path: str
    method: str  # rent.php's method, or `balance:<metod>` for the account API
    query: dict
    answer: Any
    at: int | None
    revealed: list = field(default_factory=list)  # what changed on the upstream before this call (proxy/reveal.py)
    upstream_now: int | None = None  # the upstream's own clock at this call, where its answer shows it

    @property
    def name(self) -> str:
        """The call's name in the ledger: `line 3 create`."""
        return f"line {self.line} {self.method}"


@dataclass
class Recording:
    """What a recording holds: the calls to replay, and lines that hold no answer to compare (with why)."""

    calls: list[Recorded] = field(default_factory=list)
    unanswered: list[tuple[int, str, str, str]] = field(default_factory=list)  # (line, name, method, why)

    @property
    def reveals(self) -> bool:
        """True when the proxy wrote what changed between calls (a recording older than that did not)."""
        return any(c.revealed or c.upstream_now is not None for c in self.calls)

    @property
    def balance(self) -> Decimal | None:
        """The first balance the recording shows (the account API's), to fund a world like the recorded one."""
        for call in self.calls:
            if call.path == BALANCE_PATH and isinstance(call.answer, dict):
                try:
                    return Decimal(str(call.answer.get("balance")))
                except (InvalidOperation, ValueError):
                    continue
        return None


def read(path: str) -> Recording:
    """The recording at `path`; a line that is not a JSON object stops with its number (exit 2)."""
    out = Recording()
    try:
        fh = open(path, "rb")  # bytes: a line that is not UTF-8 is a line that is not JSON, not a traceback
    except OSError as exc:
        raise CannotRun(f"cannot read {path}: {exc.strerror}") from None
    with fh:
        for number, line in enumerate(fh, 1):
            if number > MAX_LINES:
                raise CannotRun(f"{path}: more than {MAX_LINES} lines; replay a part of it")
            if not line.strip():
                continue
            try:
                entry = parse_json(line)  # refuses what json.loads lets escape (nesting past the stack, NaN)
            except BadJSON:
                raise CannotRun(f"{path}: line {number} is not JSON (a recording has one JSON object a line)") from None
            if not isinstance(entry, dict):
                raise CannotRun(f"{path}: line {number} is not a JSON object")
            why = _add(out, number, entry)
            if why is not None:
                raise CannotRun(f"{path}: line {number}: {why}")
    if not out.calls and not out.unanswered:
        raise CannotRun(f"{path}: no recorded call (is it a recording of rent-mock proxy --record?)")
    if not out.calls:  # only lines the proxy refused or got no answer for: a pass would have judged nothing
        why = "; ".join(f"{name}: {reason}" for _, name, _, reason in out.unanswered[:3])
        more = f"; and {len(out.unanswered) - 3} more" if len(out.unanswered) > 3 else ""
        raise CannotRun(f"{path}: no line holds a call to replay ({why}{more})")
    _hoist_sms(out.calls)
    return out


def _hoist_sms(calls: list[Recorded]) -> None:
    """An SMS is revealed by the sms call that lists it, but an earlier orders answer may already show it
    arrived (`hasnewsms`): reproduce it before that orders call, so both answers are replayed as recorded."""
    for i, call in enumerate(calls):
        for event in [e for e in call.revealed if e["kind"] == "sms"]:
            earliest = i
            for j in range(i - 1, -1, -1):
                before = calls[j]
                if before.method == "sms" and str(before.query.get("id")) == str(event["order"]):
                    break
                if before.method == "orders" and _shows_new_sms(before.answer, event["order"]):
                    earliest = j
            if earliest != i:
                call.revealed.remove(event)
                calls[earliest].revealed.insert(0, event)


def _shows_new_sms(answer: Any, order: Any) -> bool:
    data = answer.get("data") if isinstance(answer, dict) else None
    return any(isinstance(o, dict) and o.get("id") == order and o.get("hasnewsms") is True
               for o in (data if isinstance(data, list) else []))


def _add(out: Recording, number: int, entry: dict) -> str | None:
    """Add one line's call (or why it holds none) to `out`; what makes the line unreadable, else None."""
    path, method = str(entry.get("path", "")), str(entry.get("method", "-"))
    name = f"line {number} {method}"
    if path not in PATHS and path != BALANCE_PATH:
        return None
    query = entry.get("query")
    if isinstance(query, dict):  # a query as the proxy records it: one string per name (a line may be made by hand)
        odd = next((k for k, v in query.items() if not isinstance(v, str)), None)
        if odd is not None:
            return f"query field {odd[:40]!r} is {type(query[odd]).__name__}, not a string"
    why = None
    if entry.get("refused"):
        why = f"the proxy refused it: {str(entry['refused'])[:120]}"
    elif entry.get("upstream_error") or entry.get("internal_error"):
        why = f"the upstream gave no answer: {entry.get('upstream_error') or entry.get('internal_error')}"
    elif entry.get("source") == "shadow":
        why = "answered by the proxy's shadow mock, not the upstream"
    elif "answer" not in entry or not isinstance(entry.get("query"), dict):
        why = "the line holds no answer"
    if why is not None:
        out.unanswered.append((number, name, method, why))
        return None
    at = entry.get("at")
    moment = int(at) if isinstance(at, (int, float)) and not isinstance(at, bool) and 0 < at < 2**40 else None
    events = entry.get("revealed") if isinstance(entry.get("revealed"), list) else []
    revealed = []  # the kinds replay makes; others (a later proxy's) are left out
    for i, event in enumerate(events):
        if isinstance(event, dict) and event.get("kind") in ("sms", "state"):
            why = _event_problem(event)
            if why is not None:
                return f"revealed[{i}]: {why}"
            revealed.append(event)
    now = entry.get("upstream_now")
    now = int(now) if isinstance(now, int) and not isinstance(now, bool) and 0 < now < 2**40 else None
    out.calls.append(Recorded(number, path, method, dict(entry["query"]), entry["answer"], moment, revealed, now))
    return None


def _event_problem(event: dict) -> str | None:
    """Why a recorded event cannot be reproduced as proxy/reveal.py writes it (None: it can)."""
    order = event.get("order")
    if not isinstance(order, int) or isinstance(order, bool):
        return f"the event's order is {brief(order)}, not an order id"
    if event["kind"] == "state":
        state = event.get("state")
        return None if state in (-1, 0, 1) and not isinstance(state, bool) else \
            f"a state event's state is {brief(state)}, not -1, 0 or 1"
    return next((f"an sms event's {key} is {brief(event.get(key))}, not a string" for key in ("text", "sender")
                 if not isinstance(event.get(key), str)), None)


@dataclass
class Replayer:
    """Sends the recorded calls to `client` (a RentClient on the target's rent.php root) and judges them."""

    client: RentClient
    target: Target
    world: str | None = None  # the mock's world the replay runs in (its clock can be moved)
    ids: dict[int, int] = field(default_factory=dict)  # recorded order id -> the target's
    moved: int = 0  # clock moves made
    reproduced: int = 0  # events between calls reproduced through the mock's control API
    skew: int = 0  # the upstream's clock less the recording's stamps, as its answers last showed it
    touched: dict[int, list[str]] = field(default_factory=dict)  # recorded order id -> what changed on it unseen

    def run(self, recording: Recording) -> Ledger:
        """Replay every call in order; the ledger holds one entry per line of the recording."""
        book = Ledger("calls")
        lines = [(c.line, c) for c in recording.calls] + [(u[0], u) for u in recording.unanswered]
        for _, item in sorted(lines, key=lambda pair: pair[0]):
            if isinstance(item, Recorded):
                self._one(item, book)
            else:
                book.not_applicable(item[1], item[3], group=item[2])
        return book

    def _one(self, call: Recorded, book: Ledger) -> None:
        if call.upstream_now is not None and call.at is not None:
            self.skew = call.upstream_now - call.at  # a sped-up upstream's clock runs ahead of the stamps
        if self.world is not None and call.at is not None:
            self._move_clock(call.at + self.skew)
        unmade = self._reproduce(call) if self.world is not None else call.revealed
        for event in unmade:
            said = self.touched.setdefault(event["order"], [])
            if _what(event) not in said:
                said.append(_what(event))
        depends = self._depends(call)
        if depends:
            if self.world is None:
                book.not_judged(call.name, f"its answer depends on what happened on the upstream between calls "
                                           f"({depends}); only the mock can be told to reproduce that",
                                "a replay against the mock (no --base-url)", group=call.method)
            else:
                book.not_judged(call.name, f"its answer depends on what happened on the upstream between calls "
                                           f"({depends}), which the replay could not reproduce", group=call.method)
            return
        query = {k: v for k, v in call.query.items() if k not in SECRET_PARAMS and k != "method"}
        if "id" in query and ascii_digits(query["id"]) and int(query["id"]) in self.ids:
            query["id"] = str(self.ids[int(query["id"])])
        method = call.query.get("method")
        needs_key = METHODS[method].apikey == "required" if method in METHODS else "apikey" in call.query
        if needs_key and not self.client.apikey:
            book.not_judged(call.name, "the call needs an apikey and the target has none here", "--apikey KEY",
                            group=call.method)
            return
        try:
            if call.path == BALANCE_PATH:
                got, error = self._balance(query)
            else:  # as a dict: no recorded name (`verb`, `with_key`, `self`) can change how the call is sent
                exchange = self.client.send(method, query, with_key="apikey" in call.query)
                got, error = exchange.payload, exchange.error
        except Unsendable as exc:  # the one guard's rules: never sent to a server that is not the mock
            book.not_judged(call.name, str(exc), "a replay against the mock (without --base-url)", group=call.method)
            return
        except SpendRefused as exc:
            book.not_judged(call.name, str(exc), "--allow-spend --max-spend AMOUNT", group=call.method)
            return
        if error is not None:
            book.broken(call.name, f"no comparable answer: {error}", group=call.method)
            return
        diffs = compare_balance(call.answer, got) if call.path == BALANCE_PATH else \
            compare(call.method, call.answer, got, self.ids)
        if call.method in ("create", "create_multi"):
            self._map_ids(call.answer, got)
        unknown = [d for d in diffs if not d.get("known")]
        if unknown:
            book.broken(call.name, _line(unknown[0]), [_line(d) for d in unknown[1:]], group=call.method)
        else:
            book.held(call.name, group=call.method)

    def _depends(self, call: Recorded) -> str:
        """What this call's answer shows that changed unseen by the target (empty: nothing)."""
        named = str(call.query.get("id", ""))
        if call.method == "orders" and self.touched:
            return "; ".join(what for said in self.touched.values() for what in said)
        if call.method == "sms" and ascii_digits(named) and int(named) in self.touched:
            return "; ".join(self.touched[int(named)])
        return ""

    def _reproduce(self, call: Recorded) -> list[dict]:
        """Make on the mock what the upstream did before this call: states set, SMS sent (an order must be
        online to receive one, as on the upstream); returns the events it could not make."""
        unmade = []
        for event in call.revealed:
            order = self.ids.get(event.get("order"))
            if not isinstance(order, int) or event.get("other"):
                unmade.append(event)  # an order this replay did not make, or an SMS of a service not named
                continue
            try:
                if event["kind"] == "state":
                    self.target.control("POST", f"/orders/{order}/state", {"world": self.world, "state": event["state"]})
                else:
                    state = self.target.control("POST", f"/orders/{order}/state", {"world": self.world, "state": 1})
                    if state.get("state") == 1:
                        self.target.control("POST", "/sms", {"world": self.world, "order": order,
                                                             "text": event["text"], "sender": event["sender"]})
                self.reproduced += 1
            except ControlRefused:
                continue  # the order is no longer running here: the comparison will say what differs
        return unmade

    def _move_clock(self, at: int) -> None:
        # a gap of a second or less is not replayed: the recording's moments are the proxy's stamps, taken
        # before each call went out, and a second boundary between two of them need not be the service's
        now = self.target.control("GET", "/clock", query={"world": self.world})["now"]
        if at > now + 1:
            self.target.control("POST", "/clock", {"world": self.world, "set": at})
            self.moved += 1

    def _balance(self, query: dict) -> tuple[Any, str | None]:
        params = {**query, "apikey": self.client.apikey} if self.client.apikey else query
        self.client.guard.check(BALANCE_PATH, params)  # /priemnik.php also buys numbers (metod=get_number)
        try:
            r = self.client.fetcher.get(self.client.base + BALANCE_PATH, params)
        except FetchError as exc:
            return None, exc.reason
        try:
            return r.json(), None
        except BadJSON:
            return r.text, None  # the account API refuses in plain text: compared as it is

    def _map_ids(self, recorded: Any, got: Any) -> None:
        def ids(payload: Any) -> list:
            data = payload.get("data") if isinstance(payload, dict) and payload.get("status") == 1 else None
            return [d.get("id") for d in (data if isinstance(data, list) else [data]) if isinstance(d, dict)]
        for a, b in zip(ids(recorded), ids(got)):
            if isinstance(a, int) and isinstance(b, int):
                self.ids[a] = b


def _what(event: dict) -> str:
    if event["kind"] == "sms" and event.get("other"):
        return f"an SMS for another service of order {event['order']}'s number arrived (the answer names no service)"
    if event["kind"] == "sms":
        return f"an SMS reached order {event['order']}"
    return f"order {event['order']} went to state {event['state']}"


def _line(diff: dict) -> str:
    """A difference in one line: `data.price_day: money: recorded 0.5, got 0.49`."""
    def show(value: Any) -> str:
        text = json.dumps(value, ensure_ascii=False, default=str)
        return text if len(text) <= 80 else text[:77] + "..."
    return f"{diff['path']}: {diff['kind']}: recorded {show(diff['upstream'])}, got {show(diff['shadow'])}"


def guard_for(is_mock: bool, allow_spend: bool, cap: Decimal | None) -> SpendGuard:
    """On the mock every call runs (play money); elsewhere spending is capped as in every tool."""
    return SpendGuard(allow=True) if is_mock else SpendGuard(allow=allow_spend, max_spend=cap)
