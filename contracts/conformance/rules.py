"""The rules of rent.php as one table: each rule an id, its area, a one-line statement and what a target
must offer for the rule to be judged. Written from the reference page and docs/rules.md."""
from __future__ import annotations

from dataclasses import dataclass

# What a rule may need from a target (the S3 compatibility suites' markers, here for rent.php):
CAPABILITIES = {
    "apikey": "an account (--apikey, or a world the suite makes on the mock)",
    "spend": "calls that cost money (free on the mock; elsewhere --allow-spend within --max-spend)",
    "balance": "a balance to read: the balance API /priemnik.php, or the mock's /_mock/accounts",
    "clock": "the /_mock/ clock, SMS and state extension (the mock, or a fake that offers it)",
    "catalogue": "the /_mock/catalogue extension (to take a country or a service away)",
    "alt": "a second account (--alt-apikey, or one the suite opens on the mock)",
}


@dataclass(frozen=True)
class Rule:
    """One rule: `id`, `area`, a one-line `statement`, the capabilities it needs, per-dialect notes."""

    id: str
    area: str
    statement: str
    needs: tuple[str, ...] = ()
    dialects: tuple[str, ...] = ()  # judged only in these dialects (empty: every dialect)
    departs: str = ""  # where evidence shows the live service departs from the reference

    def applies_to(self, dialect: str) -> bool:
        """True when this rule is judged in `dialect`."""
        return not self.dialects or dialect in self.dialects


def _r(id_, area, statement, needs=(), dialects=(), departs=""):
    return Rule(id_, area, statement, tuple(needs), tuple(dialects), departs)


SPEND = ("apikey", "spend")
MONEY = SPEND + ("balance",)
TIMED = SPEND + ("clock",)
TIMED_MONEY = TIMED + ("balance",)

RULES: tuple[Rule, ...] = (
    # -- price ------------------------------------------------------------------------------------
    _r("PRICE-QUOTE", "price", "get_country_by_service's price is price_day·days·(1−discount/100), half-up to cents"),
    _r("PRICE-PERIOD", "price", "create charges the period price: days = 7·dcount (week) or 30·dcount (month)", MONEY),
    _r("PRICE-DISCOUNT", "price", "the discount `procent` applies when days ≥ procent_days, else none", MONEY),
    _r("PRICE-MULTI", "price", "create_multi charges each service's period price, one order per service, one number",
       MONEY),
    _r("PRICE-ADD-SERVICE", "price", "add_service_to_order charges price_day for the whole days left (or rent_days)",
       MONEY),
    _r("PRICE-NO-DEBT", "price", "a charge above the balance is refused and changes nothing", MONEY),
    # -- period limits -----------------------------------------------------------------------------
    _r("PERIOD-90", "period", "a rental of 90 days (the maximum guaranteed period) is accepted", SPEND),
    _r("PERIOD-LEASE", "period", "a rental longer than any provider's lease is refused", SPEND,
       dialects=("documented", "sdk")),
    _r("PERIOD-MAX-90", "period", "a rental longer than 90 days is refused", SPEND, dialects=("live",),
       departs="the live service caps every rental at 90 days (docs/evidence.md)"),
    # -- prolongation ------------------------------------------------------------------------------
    _r("PROLONG-WINDOW", "prolong", "prolong is refused while until − now ≥ 7 days", SPEND),
    _r("PROLONG-EXTENDS", "prolong", "prolong inside the last 7 days moves until by the period and charges its price",
       TIMED_MONEY),
    _r("PROLONG-DAYS", "prolong", "prolong_max with dtype=day extends by dcount days at the period price",
       TIMED_MONEY),
    _r("PROLONG-LEASE", "prolong", "prolongation past canprolonguntil is refused and charges nothing", TIMED_MONEY),
    _r("PROLONG-LOST", "prolong", "an order in state −1 cannot be prolonged", TIMED),
    _r("CANPROLONG-FIELDS", "prolong",
       "canprolong = (until−now < 7 d, state ≠ −1, canprolongmax ≥ 1); canprolongmax = ⌊(canprolonguntil−until)/1 d⌋",
       TIMED),
    _r("LEASE-90", "prolong", "canprolonguntil is at least 90 days after the rental began", SPEND),
    # -- states and timings ------------------------------------------------------------------------
    _r("STATE-CREATE", "state", "a new order is in state 0 with until = now + days", TIMED),
    _r("STATE-ACTIVATE", "state", "activate moves 0 → 2", SPEND),
    _r("STATE-DELAY", "state", "2 → 1 after the activation delay: not before its low bound, by its high bound", TIMED),
    _r("STATE-WINDOW", "state", "1 → 0 after the active window: not before its low bound, by its high bound", TIMED),
    _r("STATE-LASTONLINE", "state", "lastonline is now while in state 1, then the moment the order left state 1",
       TIMED),
    _r("STATE-REACTIVATE", "state", "activate in state 2 or 1 succeeds and changes nothing", TIMED),
    _r("STATE-LOST", "state", "activate in state −1 is refused", TIMED),
    # -- SMS ---------------------------------------------------------------------------------------
    _r("SMS-ACTIVE-ONLY", "sms", "an SMS reaches an order only while it is in state 1", TIMED),
    _r("SMS-HASNEW", "sms", "hasnewsms is true while unread SMS exist; sms marks them read", TIMED),
    _r("SMS-LIST", "sms", "sms lists each delivered SMS with its text, sender and delivery date", TIMED),
    # -- delete and refunds ------------------------------------------------------------------------
    _r("DELETE-CLOSES", "delete", "delete takes the order out of orders into history, closed = now", SPEND),
    _r("DELETE-NO-REFUND", "delete", "deleting a working order refunds nothing (no refund once used)", MONEY),
    _r("DELETE-LOST-REFUND", "delete", "deleting an order in state −1 refunds its unused whole days at price_day",
       TIMED_MONEY),
    # -- expiry and hold ---------------------------------------------------------------------------
    _r("EXPIRY-AT-UNTIL", "expiry", "an order runs until `until` and leaves orders at it: end = closed = until",
       TIMED),
    _r("HOLD-RESTORABLE", "hold", "an expired order can be restored while its number is held (hold period)", TIMED),
    _r("HOLD-OVER", "hold", "after the hold period the number is gone: restore answers NOAVAILDAYS", TIMED),
    # -- restore -----------------------------------------------------------------------------------
    _r("RESTORE-FEE", "restore", "fee = price_day·outdays + price(30 d), outdays = ⌈(now−end)/1 d⌉, prolongTo = 30",
       TIMED),
    _r("RESTORE-DOES", "restore", "restore_user debits the fee and brings the order back, same id, until = now + 30 d",
       TIMED_MONEY),
    _r("RESTORE-UNKNOWN", "restore", "restoring an id unknown to the server answers NOREMOTEDATA", ("apikey",)),
    _r("RESTORE-NOTOWNER", "restore", "restoring another account's order answers NOTOWNER (or its phrase)",
       TIMED + ("alt",)),
    _r("RESTORE-RUNNING", "restore", "restoring a running order, or one closed by delete, answers DATEDIFFINVERT",
       SPEND),
    _r("RESTORE-COUNTRY", "restore", "restoring when the country is gone answers NOORDERCOUNTRY",
       TIMED + ("catalogue",)),
    _r("RESTORE-SERVICE", "restore", "restoring when the service is gone answers NOSERVICEDATA (or its phrase)",
       TIMED + ("catalogue",)),
    _r("RESTORE-LEASE-LEFT", "restore", "restoring when the lease ends within 30 days answers NOAVAILDAYS",
       TIMED),
    _r("RESTORE-BALANCE", "restore", "restore_user with a balance below the fee is refused (NOBALANCE or its phrase) "
       "and debits nothing; precalc still tells the fee", TIMED_MONEY),
    _r("RESTORE-ORDER", "restore", "the restore checks answer in the reference's order: the first failing one",
       TIMED + ("alt", "catalogue")),
    # -- history -----------------------------------------------------------------------------------
    _r("HISTORY-ORDER", "history", "get_rent_history lists the newest closed first", ("apikey",)),
    _r("HISTORY-PAGING", "history", "skip and take select a slice of the same list; take defaults to 10", ("apikey",)),
    _r("HISTORY-FIELDS", "history", "begin = creation, end = until, days = days paid, number = dial code + pnumber",
       TIMED),
    # -- ids and isolation -------------------------------------------------------------------------
    _r("IDS-UNIQUE", "ids", "order ids are unique integers, also across accounts", SPEND),
    _r("ISOLATION-READ", "isolation", "an account never sees another's orders, SMS or history", SPEND + ("alt",)),
    _r("ISOLATION-WRITE", "isolation", "calls naming another account's order are refused and change nothing",
       SPEND + ("alt",)),
    _r("WORLD-SCOPE", "isolation", "under /w/<world>/ an apikey of another world is refused and keyless calls read "
       "that world (rent.php and /priemnik.php)", ("apikey", "clock")),
    # -- what the model adds (contracts/model/) -----------------------------------------------------
    _r("STOCK-TAKEN", "stock", "create takes one number per service from the chosen provider's stock; a delete or "
       "the end of a hold gives it back (a lost number never); every count shows it", SPEND),
    _r("CATALOGUE-VIEWS", "stock", "getcountries, getdata, getdataWithProviders, getcount, getCountWithProviders, "
       "get_count_multi, get_default_services and the PayPal tables show one catalogue, whole"),
    _r("STATE-FAST", "state", "an order in a FAST country (rent_switch_type) starts in state 1 and stays there",
       TIMED),
    _r("SMS-OTHER", "sms", "an SMS for another service of the number is listed apart (OtherSms in live and sdk), "
       "never in the order's own list; a service added to the order makes its SMS the order's own", TIMED),
    _r("SMS-CLOSED", "sms", "sms still lists an archived order's SMS to its renter", TIMED),
    _r("NUMBER-FORM", "wire", "pnumber and ccode write a valid mobile number of the country in the dialect's form "
       "(live: the whole number with ccode \"\" in every country); one number per create_multi", SPEND),
    _r("TEXT-DIALECT", "wire", "every refusal says the dialect's words for its reason (reference, evidence, or ours "
       "on the mock) and changes nothing"),
    _r("ACCOUNT-API", "account", "/priemnik.php get_balance and get_userinfo answer the balance rentals leave, as a "
       "string; refusals are the service's plain text", ("apikey", "balance")),
    _r("UNNAMED", "model", "every answer is the one the model predicts, whole (a difference no other rule names)"),
)

BY_ID: dict[str, Rule] = {r.id: r for r in RULES}

# The model behaviour each rule names (contracts/model/): the rules are the readable index of the oracle.
MODEL: dict[str, str] = {
    **dict.fromkeys(("PRICE-QUOTE",), "catalogue.by_service_view"),
    **dict.fromkeys(("PRICE-PERIOD", "PRICE-DISCOUNT", "PRICE-MULTI", "PRICE-NO-DEBT", "PERIOD-90", "PERIOD-LEASE",
                     "PERIOD-MAX-90", "IDS-UNIQUE", "STATE-CREATE", "STATE-FAST", "NUMBER-FORM"), "rent.create"),
    "PRICE-ADD-SERVICE": "rent.add_service",
    **dict.fromkeys(("PROLONG-WINDOW", "PROLONG-EXTENDS", "PROLONG-DAYS", "PROLONG-LEASE", "PROLONG-LOST"),
                    "rent.prolong"),
    **dict.fromkeys(("CANPROLONG-FIELDS", "LEASE-90", "EXPIRY-AT-UNTIL"), "orders.orders"),
    **dict.fromkeys(("STATE-ACTIVATE", "STATE-REACTIVATE", "STATE-LOST"), "rent.activate"),
    **dict.fromkeys(("STATE-DELAY", "STATE-WINDOW", "STATE-LASTONLINE"), "presence.Presence"),
    **dict.fromkeys(("SMS-ACTIVE-ONLY", "SMS-HASNEW", "SMS-LIST", "SMS-OTHER", "SMS-CLOSED"), "rent.sms"),
    **dict.fromkeys(("DELETE-CLOSES", "DELETE-NO-REFUND", "DELETE-LOST-REFUND"), "rent.delete"),
    **dict.fromkeys(("HOLD-RESTORABLE", "HOLD-OVER", "RESTORE-UNKNOWN", "RESTORE-NOTOWNER", "RESTORE-RUNNING",
                     "RESTORE-COUNTRY", "RESTORE-SERVICE", "RESTORE-LEASE-LEFT", "RESTORE-ORDER"),
                    "archive.first_failing"),
    **dict.fromkeys(("RESTORE-FEE",), "archive.fee"),
    **dict.fromkeys(("RESTORE-DOES", "RESTORE-BALANCE"), "archive.restore"),
    **dict.fromkeys(("HISTORY-ORDER", "HISTORY-PAGING", "HISTORY-FIELDS"), "archive.history"),
    **dict.fromkeys(("ISOLATION-READ", "ISOLATION-WRITE"), "rent.not_found"),
    **dict.fromkeys(("WORLD-SCOPE", "UNNAMED"), "service.Service"),
    **dict.fromkeys(("STOCK-TAKEN",), "state.World.pin"),
    **dict.fromkeys(("CATALOGUE-VIEWS",), "catalogue.seed"),
    **dict.fromkeys(("TEXT-DIALECT",), "texts.TEXTS"),
    **dict.fromkeys(("ACCOUNT-API",), "service.Service.account_api"),
}
AREAS: tuple[str, ...] = tuple(dict.fromkeys(r.area for r in RULES))

# The reference's restore codes and the phrases it lists beside them: a server may answer either form.
RESTORE_FORMS: dict[str, tuple[str, ...]] = {
    "NOREMOTEDATA": ("NOREMOTEDATA",),
    "NOTOWNER": ("NOTOWNER", "the user had not this order"),
    "DATEDIFFINVERT": ("DATEDIFFINVERT",),
    "NOORDERCOUNTRY": ("NOORDERCOUNTRY",),
    "NOSERVICEDATA": ("NOSERVICEDATA", "Service not found"),
    "NOAVAILDAYS": ("NOAVAILDAYS",),
    "NOBALANCE": ("NOBALANCE", "Balance is not enough"),
}
RESTORE_CHECK_ORDER = ("NOREMOTEDATA", "NOTOWNER", "DATEDIFFINVERT", "NOORDERCOUNTRY", "NOSERVICEDATA",
                       "NOAVAILDAYS", "NOBALANCE")


def restore_code(msg: object) -> str | None:
    """The restore code a refusal's msg says (code or phrase form), or None."""
    text = str(msg or "").strip()
    for code, forms in RESTORE_FORMS.items():
        if any(text == f or text.startswith(f + ":") or text.startswith(f + " ") for f in forms):
            return code
    return None
