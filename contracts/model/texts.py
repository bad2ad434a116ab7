"""The model's own table of refusal texts, per dialect, with where each comes from.

`reference`: the service's reference page says it; `live`: recorded live words (docs/evidence.md W6, W12b);
`ours`: the project's wording where neither gives one (docs/rules.md). Texts from the reference or evidence are
predicted word for word on any server; ours only on the mock (elsewhere: any non-empty text)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .expect import Kind, OneOf


@dataclass(frozen=True)
class Text:
    """One refusal: its words (a format string), the live service's words when they differ, and the source."""

    words: str
    source: str = "ours"  # "reference" | "live" | "ours"
    live: str | None = None  # the live dialect's words (evidence), when they differ

    def say(self, dialect: str, *args) -> str:
        """The text in `dialect`, filled with `args`."""
        words = self.live if dialect == "live" and self.live is not None else self.words
        return words.format(*args)


TEXTS: dict[str, Text] = {
    # the envelope and the world (ours)
    "ONLY_GET": Text("Only GET requests are accepted", "reference"),
    "NO_METHOD": Text("Missing required parameter: method"),
    "UNKNOWN_METHOD": Text("Unknown method: {}"),
    "UNKNOWN_WORLD": Text("Unknown world: {}"),
    "NO_APIKEY": Text("Missing required parameter: apikey"),
    "BAD_APIKEY": Text("Invalid apikey"),
    # catalogue and renting (ours, but for money and the 90-day cap in live)
    "ORDER_NOT_FOUND": Text("Order not found"),
    "UNKNOWN_COUNTRY": Text("Unknown country: {}"),
    "UNKNOWN_SERVICE": Text("Unknown service: {}"),
    "UNKNOWN_PROVIDER": Text("Unknown provider {} for country {}"),
    "NO_NUMBERS": Text("No free numbers for {} in {}"),
    "NO_BALANCE": Text("Not enough balance: need {}, have {}", "ours", live="Balance is not enough"),
    "PERIOD_LIMIT": Text("Period of {} days exceeds the guaranteed maximum of {} days", "ours",
                         live="Incorrect duration count. Min 7 days. Max 90 days."),
    "PERIOD_TOO_LONG": Text("Period of {} days exceeds the number's lease of {} days"),
    "DUPLICATE_SERVICES": Text("Parameter services lists {} twice"),
    "PROLONG_WINDOW": Text("You can prolong number only if before expiring date left less 7 days", "reference"),
    "PROLONG_LOST": Text("Phone number is not in the system; it cannot be prolonged"),
    "PROLONG_LIMIT": Text("Prolongation beyond the number's lease limit: at most {} days"),
    "ORDER_LOST": Text("Phone number is not in the system"),
    "PNUMBER_MISMATCH": Text("pnumber does not match the order's number"),
    "SERVICE_ON_ORDER": Text("Service {} is already on this number"),
    # restore: the reference's codes and phrases (rules.md: which method says which is our reading)
    "NOREMOTEDATA": Text("NOREMOTEDATA", "reference"),
    "NOTOWNER": Text("NOTOWNER", "reference"),
    "NOT_THIS_USER": Text("the user had not this order", "reference"),
    "DATEDIFFINVERT": Text("DATEDIFFINVERT", "reference"),
    "NOORDERCOUNTRY": Text("NOORDERCOUNTRY", "reference"),
    "NOSERVICEDATA": Text("NOSERVICEDATA", "reference"),
    "SERVICE_NOT_FOUND": Text("Service not found", "reference"),
    "NOAVAILDAYS": Text("NOAVAILDAYS", "reference"),
    "BALANCE_NOT_ENOUGH": Text("Balance is not enough", "reference"),
}

# Where the reference gives a code and a phrase for one check, another server may answer either.
SAME_CHECK = {"NOTOWNER": "NOT_THIS_USER", "NOT_THIS_USER": "NOTOWNER", "NOSERVICEDATA": "SERVICE_NOT_FOUND",
              "SERVICE_NOT_FOUND": "NOSERVICEDATA"}


def amount(value: Decimal) -> str:
    """Money inside a text as the wire writes it: an integer when whole (`6`), else its decimals (`2.4`)."""
    value = Decimal(value).quantize(Decimal("0.01"))
    return str(int(value)) if value == value.to_integral_value() else str(float(value))


def predicted_text(key: str, dialect: str, strict: bool, *args):
    """The prediction of a refusal's msg: the words exactly on the mock (strict); on another server the
    reference's or evidence's words (either form of a restore check), and any text where the words are ours."""
    text = TEXTS[key]
    words = text.say(dialect, *args)
    if strict:
        return words
    if text.source == "reference" or (dialect == "live" and text.live is not None):
        twin = SAME_CHECK.get(key)
        return OneOf([words, TEXTS[twin].say(dialect)]) if twin else words
    return Kind("nonempty", "the service's words are not recorded")
