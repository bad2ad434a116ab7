"""Every domain error and its wire message, in one place, per dialect.

Texts by dialect: `documented` and `sdk` say the reference page's words where the page gives them
(restore codes and phrases, the prolong window, "Only GET requests are accepted") and ours elsewhere;
`live` says the live service's recorded words where evidence exists (LIVE_TEXTS, docs/evidence.md) and
otherwise the same as documented. A refusal with a `key` is rendered per dialect by `wire_text`."""
from __future__ import annotations


class DomainError(Exception):
    """A refusal the API reports as `{"status":0,"msg":...}`; `msg` is our (documented) wording."""

    def __init__(self, msg: str, key: str | None = None):
        super().__init__(msg)
        self.msg = msg
        self.key = key


# Restore codes: the reference's own words.
NOREMOTEDATA = "NOREMOTEDATA"
NOTOWNER = "NOTOWNER"
DATEDIFFINVERT = "DATEDIFFINVERT"
NOORDERCOUNTRY = "NOORDERCOUNTRY"
NOSERVICEDATA = "NOSERVICEDATA"
NOAVAILDAYS = "NOAVAILDAYS"
NOBALANCE = "NOBALANCE"
NOT_THIS_USER = "the user had not this order"
SERVICE_NOT_FOUND = "Service not found"
BALANCE_NOT_ENOUGH = "Balance is not enough"

# Our wording where the reference gives none; each names what is wrong.
ONLY_GET = "Only GET requests are accepted"
HEAD_NOT_RUN = "HEAD does not run {}: it changes state (send GET)"
BAD_APIKEY = "Invalid apikey"
ORDER_NOT_FOUND = "Order not found"
UNKNOWN_COUNTRY = "Unknown country: {}"
UNKNOWN_SERVICE = "Unknown service: {}"
UNKNOWN_PROVIDER = "Unknown provider {} for country {}"
NO_NUMBERS = "No free numbers for {} in {}"
NO_IDS = "No order ids left: this server has issued every id up to {}"
NO_BALANCE = "Not enough balance: need {}, have {}"
PROLONG_WINDOW = "You can prolong number only if before expiring date left less 7 days"
PROLONG_EXPIRED = "Order has expired"
PROLONG_LOST = "Phone number is not in the system; it cannot be prolonged"
PROLONG_LIMIT = "Prolongation beyond the number's lease limit: at most {} days"
ORDER_LOST = "Phone number is not in the system"
PNUMBER_MISMATCH = "pnumber does not match the order's number"
SERVICE_ON_ORDER = "Service {} is already on this number"
DUPLICATE_SERVICES = "Parameter services lists {} twice"
DAY_NOT_ALLOWED = "dtype=day is accepted only by prolong_max"
PERIOD_TOO_LONG = "Period of {} days exceeds the number's lease of {} days"
ORDER_NOT_RUNNING = "order is not running"
NOT_ACTIVE_NUMBER = "number is not active (state {}); the SMS is lost"
PERIOD_LIMIT = "Period of {} days exceeds the guaranteed maximum of {} days"
BALANCE_LIMIT = "Adding {} to the balance of {} would pass {}, the most an account holds"

# Refusals whose text differs per dialect: key -> our wording (documented, sdk).
KEYED = {"NO_BALANCE": NO_BALANCE, "PERIOD_LIMIT": PERIOD_LIMIT}
# The live service's words for them (docs/evidence.md W6, W12b).
LIVE_TEXTS = {
    "NO_BALANCE": BALANCE_NOT_ENOUGH,
    "PERIOD_LIMIT": "Incorrect duration count. Min 7 days. Max 90 days.",
}


def refuse(key: str, *args) -> DomainError:
    """The refusal `key` (one of KEYED), in our words filled with `args`; `wire_text` renders it per dialect."""
    return DomainError(KEYED[key].format(*args), key)


def wire_text(exc: DomainError, dialect: str) -> str:
    """What the wire says for `exc` in `dialect`: the live service's recorded words where we have them."""
    if dialect == "live" and exc.key in LIVE_TEXTS:
        return LIVE_TEXTS[exc.key]
    return exc.msg
