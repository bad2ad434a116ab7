"""Every domain error and its wire message, in one place."""
from __future__ import annotations


class DomainError(Exception):
    """A refusal the API reports as `{"status":0,"msg":...}`; `code` is the message itself."""

    def __init__(self, msg: str):
        super().__init__(msg)
        self.msg = msg


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
