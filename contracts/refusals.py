"""Refusals a rent.php server may answer (`status:0`) to a well-formed call: the reference's codes and
phrases, and the mock's wording of what the reference leaves unsaid. Anything else is a finding."""
from __future__ import annotations

import re

RESTORE_CODES = ("NOREMOTEDATA", "NOTOWNER", "DATEDIFFINVERT", "NOORDERCOUNTRY", "NOSERVICEDATA", "NOAVAILDAYS",
                 "NOBALANCE", "the user had not this order", "Service not found", "Balance is not enough")

PATTERNS = [re.compile(p) for p in (
    r"^(NOREMOTEDATA|NOTOWNER|DATEDIFFINVERT|NOORDERCOUNTRY|NOSERVICEDATA|NOAVAILDAYS|NOBALANCE)\b",
    r"^(the user had not this order|Service not found|Balance is not enough)",
    r"^You can prolong number only if before expiring date left less 7 days$",
    r"^Invalid apikey$", r"^Order not found$", r"^Order has expired$",
    r"^Unknown (country|service|method|world): ", r"^Unknown provider .+ for country ",
    r"^No free numbers for ", r"^Not enough balance", r"^Phone number is not in the system",
    r"^Prolongation beyond the number's lease limit", r"^Period of \d+ days exceeds the number's lease",
    r"^pnumber does not match the order's number$", r"^Service .+ is already on this number$",
    r"^Parameter services lists .+ twice$", r"^dtype=day is accepted only by prolong_max$",
    r"^Only GET requests are accepted$", r"^Too many requests$",
    r"^Incorrect duration count\. Min 7 days\. Max 90 days\.$", r"^Period of \d+ days exceeds the guaranteed maximum",
    r"^(Missing required parameter:|Parameter) ",
)]


def documented(msg: str) -> bool:
    """True when `msg` is a refusal this contract knows."""
    return any(p.search(msg) for p in PATTERNS)


def is_parameter_error(msg: str) -> bool:
    """True when `msg` refuses a missing or malformed parameter."""
    return msg.startswith(("Missing required parameter", "Parameter ", "Unknown method"))

# The documented error codes a client's tests should meet, for coverage reports.
CODES = {
    **{code: re.compile("^" + re.escape(code)) for code in RESTORE_CODES},
    "prolong window": re.compile(r"^You can prolong number only if"),
    "Only GET": re.compile(r"^Only GET requests are accepted"),
}


def code_of(msg: str) -> str | None:
    """The documented code a refusal carries, if any."""
    return next((name for name, rx in CODES.items() if rx.search(msg)), None)
