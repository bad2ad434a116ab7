"""What changed on the upstream between a client's calls, as its answers reveal it: an SMS arrived, an
order's state changed, the upstream's own clock (a create's `until` less its period, an online order's
`lastonline`, the newest SMS's `date`: time passed there, at whatever speed). The proxy writes
these beside each recorded line (`revealed`, `upstream_now`), so `rent-mock replay` can reproduce them on
the mock through its control API, or say which lines depend on them where it cannot (another server)."""
from __future__ import annotations

from typing import Any

DAYS = {"week": 7, "month": 30, "day": 1}
ACTIVATING = 2


class Reveals:
    """The states and SMS seen so far per order (call `see` with every exchange, in order)."""

    def __init__(self) -> None:
        self.states: dict[int, int] = {}
        self.sms: set[tuple[int, str, Any]] = set()

    def see(self, entry: dict) -> dict:
        """What `entry`'s answer reveals, as fields to add to its recording line (none: {})."""
        query, answer = entry.get("query") or {}, entry.get("answer")
        if not isinstance(answer, dict) or answer.get("status") != 1:
            return {}
        method, data = query.get("method"), answer.get("data")
        found: list[dict] = []
        out: dict = {}
        if method in ("create", "create_multi"):
            for item in data if isinstance(data, list) else [data]:
                if isinstance(item, dict) and isinstance(item.get("id"), int):
                    self.states[item["id"]] = 0
            now = _upstream_now(query, data)
            if now is not None:
                out["upstream_now"] = now
        elif method == "activate" and _int(query.get("id")) is not None:
            self.states[_int(query["id"])] = ACTIVATING  # the call itself does this: nothing to reproduce
        elif method == "orders" and isinstance(data, list):
            online = [i.get("lastonline") for i in data if isinstance(i, dict) and i.get("state") == 1]
            online = [t for t in online if isinstance(t, int) and not isinstance(t, bool)]
            if online:  # an online order's lastonline is the upstream's now
                out["upstream_now"] = max(online)
            for item in data:
                if not isinstance(item, dict) or not isinstance(item.get("id"), int):
                    continue
                oid, state = item["id"], item.get("state")
                if oid in self.states and state != self.states[oid] and state in (-1, 0, 1):
                    found.append({"kind": "state", "order": oid, "state": state})
                self.states[oid] = state
        elif method == "sms" and _int(query.get("id")) is not None:
            oid = _int(query["id"])
            own, other = (data.get("SmsList"), data.get("OtherSms")) if isinstance(data, dict) else (data, [])
            for items, is_other in ((own, False), (other, True)):
                for sms in items if isinstance(items, list) else []:
                    if not isinstance(sms, dict):
                        continue
                    key = (oid, str(sms.get("text")), sms.get("date"))
                    if isinstance(sms.get("date"), int) and not isinstance(sms.get("date"), bool):
                        out["upstream_now"] = max(out.get("upstream_now", 0), sms["date"])  # delivered by then
                    if key not in self.sms:
                        self.sms.add(key)
                        found.append({"kind": "sms", "order": oid, "text": str(sms.get("text", ""))[:2000],
                                      "sender": str(sms.get("sender", ""))[:64], "date": sms.get("date"),
                                      "other": is_other})
        if found:
            out["revealed"] = found
        return out


def _int(value: Any) -> int | None:
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def _upstream_now(query: dict, data: Any) -> int | None:
    """The upstream's clock when it answered a create: `until` less the period asked."""
    first = data[0] if isinstance(data, list) and data else data
    days = DAYS.get(str(query.get("dtype"))), _int(query.get("dcount"))
    if not isinstance(first, dict) or not isinstance(first.get("until"), int) or None in days:
        return None
    return first["until"] - days[0] * days[1] * 86_400
