"""Refusals a rent.php server may answer (`status:0`) to a well-formed call: the reference's codes and
phrases, and the mock's wording of what the reference leaves unsaid. Anything else is a finding."""
from __future__ import annotations

import re

from .model.texts import TEXTS

RESTORE_CODES = ("NOREMOTEDATA", "NOTOWNER", "DATEDIFFINVERT", "NOORDERCOUNTRY", "NOSERVICEDATA", "NOAVAILDAYS",
                 "NOBALANCE", "the user had not this order", "Service not found", "Balance is not enough")


def _pattern(words: str) -> str:
    """A text of the model's table as a pattern: its words exactly, each `{}` any non-empty value."""
    return "^" + ".+".join(re.escape(part) for part in words.split("{}")) + "$"


# Refusals the model does not predict, so its table (model/texts.TEXTS) cannot give them: the reference's codes
# and phrases read as prefixes (the page shows them without the rest of an answer), restore's NOBALANCE, the
# parameter errors beyond a missing method or apikey, and the mock's own words for a prolong of an expired order,
# dtype=day outside prolong_max, the last order id, a HEAD that would change state and the rate-limit fault.
OTHERS = (
    r"^(NOREMOTEDATA|NOTOWNER|DATEDIFFINVERT|NOORDERCOUNTRY|NOSERVICEDATA|NOAVAILDAYS|NOBALANCE)\b",
    r"^(the user had not this order|Service not found|Balance is not enough)",
    r"^(Missing required parameter:|Parameter) ",
    r"^Order has expired$", r"^dtype=day is accepted only by prolong_max$", r"^No order ids left: ",
    r"^HEAD does not run .+: it changes state \(send GET\)$", r"^Too many requests$",
)
# Every refusal this contract knows: the model's texts in every dialect (one table: a text the model learns is
# known here too), then the others.
PATTERNS = [re.compile(p, re.DOTALL) for p in dict.fromkeys(
    [_pattern(words) for text in TEXTS.values() for words in (text.words, text.live) if words] + list(OTHERS))]


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
