"""The one description of rent.php: every method, its parameters, apikey rule and shapes per dialect."""
from __future__ import annotations

from dataclasses import dataclass, field

from . import shapes as S

DIALECTS = ("documented", "sdk", "live")
DEFAULT_DIALECT = "live"  # what the live service answers (docs/evidence.md); the default of serve and worlds
PERIODS = ("week", "month")
# How each dialect writes an order's number in `pnumber` + `ccode` (create, create_multi, orders; docs/evidence.md
# W17): live the whole number with ccode "" in every country ("full"; a user's catalogue may name a country
# "national"); documented and sdk the number without its dial code and ccode "+<dial>" (the reference's form).
NUMBER_FORMS = {"documented": "national", "sdk": "national", "live": "full"}


@dataclass(frozen=True)
class Param:
    """One query parameter: its wire name, type and whether it must be present."""

    name: str
    type: str  # "string" | "integer" | "enum" | "csv"
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    doc: str = ""


@dataclass(frozen=True)
class Method:
    """One rent.php method: parameters, apikey rule ("required"/"optional"/"none") and shapes."""

    name: str
    apikey: str
    params: tuple[Param, ...]
    shapes: dict[str, S.Schema]  # variant name -> schema of `data`; "documented" always present
    summary: str
    spends: bool = False
    mutates: bool = False
    dialects: dict[str, str] = field(default_factory=dict)  # dialect -> variant, when not the dialect's own name
    numbered: bool = False  # its data writes an order's number as pnumber + ccode, in the dialect's NUMBER_FORMS

    def variant_for(self, dialect: str) -> str:
        """The shape variant this method answers with in `dialect`."""
        name = self.dialects.get(dialect, dialect)
        return name if name in self.shapes else "documented"

    def param(self, name: str) -> Param | None:
        """The declared parameter called `name`, if any."""
        return next((p for p in self.params if p.name == name), None)


def _id(doc: str = "ID of the rental order") -> Param:
    return Param("id", "integer", True, minimum=1, doc=doc)


def _dtype(required: bool, with_day: bool = False) -> Param:
    return Param("dtype", "enum", required, choices=PERIODS + (("day",) if with_day else ()),
                 doc="type of period: week or month" + (" (or day)" if with_day else ""))


def _dcount(required: bool) -> Param:
    return Param("dcount", "integer", required, minimum=1, maximum=1000, doc="number of periods")


COUNTRY = Param("country", "string", True, doc="country code, e.g. RU")
SERVICE = Param("service", "string", True, doc="service code, e.g. opt16")
EXTEND = Param("extend", "string", doc="accepted and ignored, as by the live service")
PROVIDER = Param("provider", "string", doc="provider name; random among those in stock when absent")
PARTNER = Param("partner_key", "string", doc="partner key; accepted and recorded nowhere")

_METHODS = [
    Method("getcountries", "none", (), {"documented": S.arr(S.COUNTRY_DOC), "sdk": S.arr(S.COUNTRY_SDK)},
           "Countries where numbers can be rented", dialects={"live": "sdk"}),
    Method("get_default_services", "none", (),
           {"documented": S.arr(S.DEFAULT_SERVICE), "sdk": S.arr(S.DEFAULT_SERVICE_SDK)},
           "Services with their default (first country's) price per day"),
    Method("get_country_by_service", "none", (SERVICE, _dtype(True), _dcount(False)),
           {"documented": S.BY_SERVICE, "sdk": S.BY_SERVICE_SDK},
           "Countries offering a service, with the period price"),
    Method("getdata", "optional", (COUNTRY, _dtype(False), _dcount(False), EXTEND),
           {"documented": S.arr(S.GETDATA_ITEM), "list": S.arr(S.GETDATA_LIST_ITEM),
            "sdk": S.obj({"services": S.arr(S.GETDATA_SDK_ITEM), "totalAmount": S.INT})},
           "Services of a country with base price per day and stock", dialects={"live": "sdk"}),
    Method("getdataWithProviders", "optional", (COUNTRY, _dtype(False), _dcount(False), EXTEND),
           {"documented": S.WITH_PROVIDERS}, "Services of a country with stock per provider"),
    Method("getcount", "none", (COUNTRY, _dtype(False), _dcount(False)),
           {"documented": S.mapping(S.INT)}, "Numbers in stock per service"),
    Method("getCountWithProviders", "optional", (COUNTRY, _dtype(False), _dcount(False)),
           {"documented": S.COUNT_WITH_PROVIDERS}, "Numbers in stock per service and provider"),
    Method("get_count_multi", "none",
           (COUNTRY, Param("services", "csv", True, doc="comma-separated service codes"),
            _dtype(True), _dcount(True)),
           {"documented": S.obj({"count": S.INT})}, "Numbers that can take all the given services"),
    Method("create", "required", (_dtype(True), _dcount(True), COUNTRY, SERVICE, PROVIDER, PARTNER),
           {"documented": S.CREATED, "list": S.arr(S.CREATED)},
           "Rent a number", spends=True, mutates=True, numbered=True),
    Method("create_multi", "required",
           (_dtype(True), _dcount(True), COUNTRY, Param("services", "csv", True, doc="comma-separated service codes"),
            PROVIDER, PARTNER),
           {"documented": S.arr(S.CREATED), "sdk": S.CREATED}, "Rent one number for several services",
           spends=True, mutates=True, dialects={"live": "sdk"}, numbered=True),
    Method("orders", "required", (), {"documented": S.arr(S.ORDER)}, "Running orders of the account", numbered=True),
    Method("add_service_to_order", "required",
           (_id(), SERVICE, Param("pnumber", "string", True, doc="the full number without +"),
            Param("rent_days", "integer", minimum=1, maximum=1000, doc="days to pay for; default: days left")),
           {"documented": S.NO_DATA, "sdk": S.ADDED}, "Add a service to a rented number", spends=True, mutates=True,
           dialects={"live": "sdk"}),
    Method("sms", "required", (_id(),),
           {"documented": S.arr(S.SMS), "sdk": S.obj({"SmsList": S.arr(S.SMS), "OtherSms": S.arr(S.SMS)})},
           "SMS received by an order (marks them read)", mutates=True, dialects={"live": "sdk"}),
    Method("activate", "required", (_id(),), {"documented": S.ID, "list": S.arr(S.ID)},
           "Ask for the number to come online", mutates=True),
    Method("prolong", "required", (_id(), _dtype(True), _dcount(True)), {"documented": S.ID},
           "Extend an order by weeks or months", spends=True, mutates=True),
    Method("prolong_max", "required", (_id(), _dtype(True, with_day=True), _dcount(True)), {"documented": S.ID},
           "Extend an order, also by days", spends=True, mutates=True),
    Method("delete", "required", (_id(),), {"documented": S.ID}, "Close an order into the archive",
           mutates=True),
    Method("get_rent_history", "required",
           (Param("skip", "integer", minimum=0, doc="items to skip"),
            Param("take", "integer", minimum=1, maximum=1000, doc="items to return (default 10)")),
           {"documented": S.arr(S.HISTORY_ITEM), "sdk": S.arr(S.HISTORY_ITEM_SDK)},
           "Closed orders, newest first", dialects={"live": "sdk"}),
    Method("restore_user_precalc", "required", (_id(),), {"documented": S.PRECALC},
           "Check an archived order can be restored and tell the fee"),
    Method("restore_user", "required", (_id(),),
           {"documented": {"const": True}, "sdk": S.ID}, "Restore an archived order", spends=True, mutates=True,
           dialects={"live": "sdk"}),
    Method("get_days_canada_paypal", "none", (), {"documented": S.PAYPAL_DAYS}, "PayPal day packages (Canada)"),
    Method("get_min_paypal_days", "none",
           (Param("country", "string", doc="country code"), Param("service", "string", doc="service code")),
           {"documented": S.PAYPAL_MIN}, "Minimum days payable by PayPal"),
]

METHODS: dict[str, Method] = {m.name: m for m in _METHODS}
PATHS = ("/api/rent.php", "/rent.php")


def method(name: str) -> Method | None:
    """The method called `name`, or None when rent.php has no such method."""
    return METHODS.get(name)


def variant(name: str, dialect: str, overrides: dict[str, str] | None = None) -> str:
    """The shape variant of method `name` in `dialect`, after per-method `overrides`."""
    if overrides and name in overrides:
        return overrides[name]
    return METHODS[name].variant_for(dialect)


def data_schema(name: str, dialect: str = "documented", overrides: dict[str, str] | None = None,
                variant_key: str | None = None) -> S.Schema:
    """The JSON Schema of method `name`'s success `data` in `dialect` (its variant after `overrides`, or
    `variant_key`), pnumber and ccode held to the dialect's number form (NUMBER_FORMS)."""
    m = METHODS[name]
    schema = m.shapes[variant_key or variant(name, dialect, overrides)]
    return S.numbered(schema, NUMBER_FORMS[dialect]) if m.numbered else schema


# -- The account API beside rent.php -----------------------------------------------------------------
# Clients of the rental API read their balance from /priemnik.php (docs/evidence.md W8-W10). It has its
# own envelope: string values, `response` "1" on success; its refusals are plain text, not JSON.
ACCOUNT_PATH = "/priemnik.php"


@dataclass(frozen=True)
class AccountMethod:
    """One `metod` of the account API: its parameters besides metod/apikey, its answer's JSON Schema (the whole
    body) and a summary."""

    name: str
    shape: S.Schema
    summary: str
    params: tuple[Param, ...] = ()


ACCOUNT_PARAMS = (Param("metod", "string", True, doc="get_balance, get_userinfo or get_service_price"),
                  Param("apikey", "string", True, doc="the account's apikey, as for rent.php"))
_SERVICE_SENT = Param("service", "string", doc="a service code clients send; not used")
_OK = {"const": "1"}
# Decimals of the account API's balance per dialect (docs/evidence.md W8b): the live service wrote "10.0000" on
# 2026-06-20 and clients test balance == "0.0000"; the service's documentation (2024-11) shows "385.00".
BALANCE_DECIMALS = {"documented": 2, "sdk": 2, "live": 4}
_BALANCE = {"type": "string", "pattern": r"^[0-9]+\.([0-9]{2}|[0-9]{4})$"}  # either form; the dialect's: validate
ACCOUNT_METHODS: dict[str, AccountMethod] = {m.name: m for m in (
    AccountMethod("get_balance", S.obj({"response": _OK, "balance": _BALANCE}),
                  "The account's balance, as a string", (_SERVICE_SENT,)),
    AccountMethod("get_userinfo", S.obj({"response": _OK, "balance": _BALANCE, "karma": S.NUMERIC_STR,
                                         "name": S.STR}), "The account's balance, karma and name", (_SERVICE_SENT,)),
    # Rental clients ask it before renting (docs/evidence.md W14); its readers take these four keys, strings.
    AccountMethod("get_service_price", S.obj({"response": _OK, "country": S.STR, "service": S.STR,
                                              "price": S.NUMERIC_STR}),
                  "A service's price per day in a country, from the world's catalogue",
                  (Param("service", "string", True, doc="service code, e.g. opt29"),
                   Param("country", "string", True, doc="country code, e.g. PT"))),
)}
# The plain-text refusals (the live service's words, W10, W14): no apikey, an unknown apikey, a service the
# country does not offer, anything else.
ACCOUNT_REFUSALS = {"no_apikey": "API KEY not received!", "bad_apikey": "API KEY NOT FOUND!",
                    "no_service": "Service NOT FOUND!", "no_country": "UNKNOWN SERVICE OR COUNTRY",
                    "bad_request": "Неверный запрос."}


@dataclass(frozen=True)
class RequestLimits:
    """The service's published request limits (docs/evidence.md W18, the documentation of 2024-11): what a client
    should keep to. They are written for the account API (/priemnik.php) and the activation API; the rental
    section publishes none for rent.php, so a client pacing rent.php by them is on the safe side."""

    per_minute: int  # "Up to 40 connections are allowed per minute" (/priemnik.php)
    min_interval: float  # seconds: "Do interval of 4 - 5 seconds between any queries!" (both APIs)
    per_second: int  # "Up to 50 connections per seconds are allowed" (the activation API v2)
    sms_poll_interval: float  # seconds between get_sms calls: "each 20 seconds per one request"
    sms_search: int  # seconds the server searches for an SMS: "10 minutes"
    evidence: str = "W18"


LIMITS = RequestLimits(per_minute=40, min_interval=4.0, per_second=50, sms_poll_interval=20.0, sms_search=600)
