"""Differences between the upstream's answer and a shadow mock's answer to the same call."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..registry import DIALECTS
from ..validate import check_response

MONEY_KEYS = {"price", "price_day", "priceForDay", "balance", "Amount"}
TIME_KEYS = {"until", "date", "begin", "end", "closed", "lastonline", "canprolonguntil"}
STATE_KEYS = {"state"}
# Values that differ between any two honest servers: why each difference is expected.
KNOWN_KEYS = {
    "pnumber": "numbers are drawn independently by each server",
    "number": "numbers are drawn independently by each server",
    "id": "order ids are issued independently (the proxy maps one to the other)",
    "orderId": "order ids are issued independently (the proxy maps one to the other)",
    "orderid": "order ids are issued independently (the proxy maps one to the other)",
    "count": "stock moves on the live service",
    "totalCount": "stock moves on the live service",
    "totalAmount": "stock moves on the live service",
    "phoneAmount": "stock moves on the live service",
    "Total": "stock moves on the live service",
    "text": "SMS are sent independently",
    "sender": "SMS are sent independently",
    "lastonline": "activation timings are drawn independently",
    "state": None,
}
TIME_TOLERANCE = 120  # seconds: the two servers' clocks and the two calls' moments differ a little


def _kind(key: str) -> str:
    if key in MONEY_KEYS:
        return "money"
    if key in TIME_KEYS:
        return "time"
    if key in STATE_KEYS:
        return "state"
    return "value"


def _variants(method: str, payload: Any) -> set[str]:
    return {d for d in DIALECTS if not check_response(method, payload, d)}


def compare(method: str, upstream: Any, shadow: Any, ids: dict[int, int] | None = None) -> list[dict]:
    """Every difference, each {path, kind, upstream, shadow, known: reason or None}."""
    if not isinstance(upstream, dict) or not isinstance(shadow, dict):
        return [_diff("body", "shape", upstream, shadow, None)]
    if upstream.get("status") != shadow.get("status"):
        return [_diff("status", "rule", upstream.get("msg", upstream.get("status")),
                      shadow.get("msg", shadow.get("status")), None)]
    if upstream.get("status") == 0:
        same = upstream.get("msg") == shadow.get("msg")
        return [] if same else [_diff("msg", "rule", upstream.get("msg"), shadow.get("msg"), None)]
    up_fits, sh_fits = _variants(method, upstream), _variants(method, shadow)
    if up_fits and sh_fits and not up_fits & sh_fits:
        # both are shapes the registry knows: a dialect difference the evidence already explains
        return [_diff("data", "shape", sorted(up_fits), sorted(sh_fits),
                      "dialect variants differ (see docs/evidence.md)")]
    out: list[dict] = []
    walk("data", upstream.get("data"), shadow.get("data"), ids or {}, out)
    return out


def walk(path: str, up: Any, sh: Any, ids: dict[int, int], out: list[dict]) -> None:
    """Append to `out` every difference between `up` and `sh` below `path`."""
    key = path.rsplit(".", 1)[-1].split("[")[0]
    if isinstance(up, dict) and isinstance(sh, dict):
        for k in sorted(set(up) | set(sh)):
            if k not in up or k not in sh:
                out.append(_diff(f"{path}.{k}", "shape", up.get(k, "<absent>"), sh.get(k, "<absent>"), None))
            else:
                walk(f"{path}.{k}", up[k], sh[k], ids, out)
        return
    if isinstance(up, list) and isinstance(sh, list):
        if len(up) != len(sh):
            out.append(_diff(f"{path}.length", "value", len(up), len(sh), _known_list(key)))
        for i, (a, b) in enumerate(zip(up, sh)):
            walk(f"{path}[{i}]", a, b, ids, out)
        return
    if type(up) is not type(sh) and not (_num(up) and _num(sh)):
        out.append(_diff(path, "shape", up, sh, None))
        return
    if up == sh:
        return
    kind = _kind(key)
    if kind == "money" and _num(up) and _num(sh) and Decimal(str(up)) == Decimal(str(sh)):
        return
    if kind == "time" and _num(up) and _num(sh) and abs(up - sh) <= TIME_TOLERANCE:
        return
    if key in ("id", "orderId", "orderid") and isinstance(up, int) and ids.get(up) == sh:
        return
    out.append(_diff(path, kind, up, sh, KNOWN_KEYS.get(key)))


def _known_list(key: str) -> str | None:
    return "the account's orders or the stock differ between the servers" if key in ("data", "services") else None


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _diff(path: str, kind: str, up: Any, sh: Any, known: str | None) -> dict:
    return {"path": path, "kind": kind, "upstream": up, "shadow": sh, "known": known}
