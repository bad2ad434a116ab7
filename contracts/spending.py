"""The one spending guard's rules, for every tool that can reach a real server (proxy, replay, verify, conform,
fuzz, load): what may be sent at all, which calls spend, when a spending call can be priced exactly, and what
is known of the orders a spending call names.

A call leaves only when `unsendable` finds nothing: its path's method (rent.php) or `metod` (/priemnik.php)
is on the allowed list, and every parameter name is plain and declared. A PHP service drops a name's leading
spaces and reads '.', ' ' and '[' in it as '_', so `+method=create` after `method=orders` reaches it as
`method=create`; and an undeclared name is a parameter no one here has read the meaning of. A spending call
then needs `--allow-spend --max-spend` (the tools' `contracts.target.budget`) and must be priced exactly
(`exact_problem`, and the services of the order it names known: `OrderBook`). The proxy prices from the
upstream right before each call and measures the balance around it (contracts/proxy/guard.py); the other
tools price from the catalogue they read (contracts/client.py's SpendGuard). The mock's play money is free:
a tool that knows its target is the mock skips these rules.
"""
from __future__ import annotations

import re
import threading

from .registry import ACCOUNT_METHODS, METHODS

BALANCE_PATH = "/priemnik.php"
# the one method name the registry lacks that may be sent: verify's probe of how an unknown method is refused
# (no service has it); any other unknown name may be a method that spends
PROBE_METHOD = "no_such_method"
SPENDING = frozenset(name for name, m in METHODS.items() if m.spends)
PLAIN_NAME = re.compile(r"[A-Za-z0-9_]{1,64}\Z")
ASCII_DIGITS = re.compile(r"[0-9]+\Z")
# what every reader of an integer takes the same way: no sign, space, leading zero or non-ASCII digit
PLAIN_WHOLE = re.compile(r"[1-9][0-9]{0,17}\Z")
KEYS = ("method", "apikey")  # sent with every rent.php call besides the method's declared parameters
ACCOUNT_KEYS = ("metod", "apikey")


def ascii_digits(value) -> bool:
    """True for a non-empty run of ASCII digits (str.isdigit also takes '²' and '٣', which int() refuses)."""
    return bool(ASCII_DIGITS.match(str(value)))


def brief(value) -> str:
    """A value as repr, cut to 40 characters (what a refusal quotes of the caller's input)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def unsendable(path: str, query: dict) -> str | None:
    """Why a call must not reach a real server at all (None: it may): an unknown method or metod, or a
    parameter name that is not plain or not declared for it."""
    odd = next((k for k in query if not isinstance(k, str) or not PLAIN_NAME.match(k)), None)
    if odd is not None:
        return (f"parameter name {brief(odd)} is refused: a PHP service may read it as another parameter "
                f"(names are letters, digits and _)")
    bad = next((k for k, v in query.items() if isinstance(v, bool) or not isinstance(v, (str, int))), None)
    if bad is not None:
        return f"parameter {bad} is {brief(query[bad])}, not one value"
    if path == BALANCE_PATH:
        metod = query.get("metod")
        if metod not in ACCOUNT_METHODS:
            return (f"the balance API's metod {brief(metod)} is not forwarded: only "
                    f"{', '.join(ACCOUNT_METHODS)} (others may spend, such as get_number)")
        declared = ACCOUNT_KEYS + tuple(p.name for p in ACCOUNT_METHODS[metod].params)
        extra = next((k for k in query if k not in declared), None)
        return None if extra is None else f"the balance API's {metod} takes no parameter {brief(extra)}"
    name = query.get("method")
    if name is None or name == PROBE_METHOD:  # it reaches no operation: anything else it carried could
        extra = next((k for k in query if k not in KEYS), None)
        return None if extra is None else f"no method given, yet parameter {brief(extra)}: refused"
    if name not in METHODS:
        return (f"unknown method {brief(name)}: only the methods the registry knows are sent, since another one "
                f"may spend")
    if name in SPENDING:
        return None  # its parameters are `exact_problem`'s to judge, with the guard's reasons
    extra = next((k for k in query if k not in KEYS and METHODS[name].param(k) is None), None)
    return None if extra is None else f"{name} takes no parameter {brief(extra)}"


def exact_problem(method: str, query: dict) -> str | None:
    """Why a spending call cannot be priced exactly (None: it can): every parameter as declared."""
    spec = METHODS[method]
    unknown = sorted(k for k in query if k not in KEYS and spec.param(k) is None)
    if unknown:
        return f"{method} takes no parameter {brief(unknown[0])}"
    if not query.get("apikey"):
        return "apikey is missing"
    for param in spec.params:
        value = query.get(param.name)
        if value is None:
            if param.required:
                return f"{param.name} is missing"
            continue
        value = str(value)
        if param.type == "integer":
            top = param.maximum
            if not PLAIN_WHOLE.match(value) or (top is not None and int(value) > top):
                span = f"1 to {top}" if top is not None else "1 or more"
                return f"{param.name}={brief(value)} is not a plain whole number ({span})"
        elif param.type == "enum" and value not in param.choices:
            return f"{param.name}={brief(value)} is not one of {', '.join(param.choices)}"
        elif param.type == "csv" and "" in value.split(","):
            return f"{param.name}={brief(value)} has an empty item"
    if method == "add_service_to_order" and "rent_days" not in query:
        return ("without rent_days it is charged for the days the upstream counts as left, which the guard "
                "cannot know: give rent_days")
    return None


def refusal(path: str, query: dict) -> str | None:
    """Every rule a call to a real server must pass before the cap is even asked (None: it passes)."""
    why = unsendable(path, query)
    if why is None and path != BALANCE_PATH and query.get("method") in SPENDING:
        why = exact_problem(query["method"], query)
    return why


class OrderBook:
    """The orders a guard saw rented (and the services added to them): a prolong is charged for every service on
    its number, and `orders` shows only the first (`scode`), so only an order seen from its rental on can be
    priced."""

    def __init__(self):
        self.lock = threading.Lock()
        self.orders: dict[int, tuple[str, tuple[str, ...]]] = {}  # order id -> (country, services on it)

    def remember(self, method: str | None, query: dict, data) -> None:
        """Note what a successful spending call's `data` shows: the orders rented, a service added."""
        with self.lock:
            if method == "add_service_to_order" and ascii_digits(query.get("id", "")):
                known = self.orders.get(int(query["id"]))
                if known is not None:
                    self.orders[int(query["id"])] = (known[0], known[1] + (str(query.get("service")),))
                return
            if method not in ("create", "create_multi"):
                return
            for item in data if isinstance(data, list) else [data]:
                if isinstance(item, dict) and isinstance(item.get("id"), (int, str)) and ascii_digits(item["id"]):
                    service = item.get("service") or query.get("service")
                    self.orders[int(item["id"])] = (str(query.get("country")), (str(service),))

    def get(self, order_id) -> tuple[str, tuple[str, ...]] | None:
        """(country, services) of an order seen from its rental on, else None."""
        if not ascii_digits(order_id):
            return None
        with self.lock:
            return self.orders.get(int(order_id))

    @staticmethod
    def unseen(order_id) -> str:
        """Why an order not seen from its rental on cannot be priced."""
        return (f"order {order_id} was not rented through this run, so the services on it cannot be established "
                f"(orders shows only the first, and every service on the number is charged)")
