"""JSON Schema building blocks for the response shapes of rent.php (draft 2020-12)."""
from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

INT: Schema = {"type": "integer"}
STR: Schema = {"type": "string"}
BOOL: Schema = {"type": "boolean"}
MONEY: Schema = {"type": "number", "minimum": 0}
NUMERIC_STR: Schema = {"type": "string", "pattern": r"^-?\d+(\.\d{1,2})?$"}
STATE: Schema = {"type": "integer", "enum": [-1, 0, 1, 2]}


def obj(props: dict[str, Schema], required: list[str] | None = None, extra: bool = True) -> Schema:
    """An object schema; every listed property is required unless `required` says otherwise."""
    schema: Schema = {"type": "object", "properties": props,
                      "required": list(props) if required is None else required}
    if not extra:
        schema["additionalProperties"] = False
    return schema


def arr(items: Schema) -> Schema:
    """An array schema with the given item schema."""
    return {"type": "array", "items": items}


def mapping(values: Schema) -> Schema:
    """An object whose keys are free (service or country codes) and values follow `values`."""
    return {"type": "object", "additionalProperties": values}


COUNTRY_DOC = obj({"name": STR, "code": STR})
COUNTRY_SDK = obj({"name": STR, "code": STR, "url_country_name": STR,
                   "rent_switch_type": STR, "rent_avail_prolong": STR})
DEFAULT_SERVICE = obj({"name": STR, "service": STR, "priceForDay": MONEY, "img": STR,
                       "DAYP": INT, "PROC": INT})
DEFAULT_SERVICE_SDK = obj({"name": STR, "service": STR, "priceForDay": NUMERIC_STR, "img": STR,
                           "DAYP": NUMERIC_STR, "PROC": NUMERIC_STR})
BY_SERVICE = mapping(obj({"service_name": STR, "price": MONEY, "procent_days": INT, "procent": INT,
                          "day_step": INT, "country": STR, "phoneAmount": INT}))
BY_SERVICE_SDK = mapping(obj({"service_name": STR, "price": NUMERIC_STR, "procent_days": NUMERIC_STR,
                              "procent": NUMERIC_STR, "day_step": NUMERIC_STR, "country": STR,
                              "phoneAmount": INT}))
GETDATA_ITEM = obj({"name": STR, "service": STR, "price_day": MONEY, "count": INT})
GETDATA_LIST_ITEM = obj({"name": STR, "service": STR, "price_day": MONEY, "count": INT, "img": STR})
GETDATA_SDK_ITEM = obj({"name": STR, "service": STR, "price_day": MONEY, "count": INT, "img": STR,
                        "procent_days": INT, "procent": INT, "day_step": INT})
PROVIDERS_SERVICE = obj({"name": STR, "service": STR, "price_day": MONEY, "img": STR,
                         "procent_days": INT, "procent": INT, "day_step": INT,
                         "count": mapping(INT), "totalCount": INT})
WITH_PROVIDERS = obj({"services": arr(PROVIDERS_SERVICE), "totalAmount": INT, "allOperators": arr(STR)})
COUNT_WITH_PROVIDERS = mapping(obj({"Amount": mapping(INT), "Total": INT}))
CREATED = obj({"id": INT, "pnumber": STR, "ccode": STR, "service": STR, "until": INT})
ADDED = obj({"id": INT, "pnumber": STR, "service": STR, "until": INT})  # add_service_to_order, sdk and live
ORDER = obj({"id": INT, "scode": STR, "sname": STR, "state": STATE, "pnumber": STR, "ccode": STR,
             "cname": STR, "hasnewsms": BOOL, "until": INT, "canprolong": BOOL, "canprolongmax": INT,
             "canprolonguntil": INT, "lastonline": INT})
SMS = obj({"text": STR, "sender": STR, "date": INT})
ID = obj({"id": INT})
HISTORY_ITEM = obj({"orderId": INT, "resourceCode": STR, "number": STR, "branchId": INT, "haveSms": BOOL,
                    "days": INT, "country": STR, "begin": INT, "end": INT, "closed": INT})
HISTORY_ITEM_SDK = obj({**HISTORY_ITEM["properties"], "isAvailForRestore": BOOL})
PRECALC = obj({"ccode": STR, "scode": STR, "price": MONEY, "sname": STR, "pnumber": STR,
               "outdays": INT, "orderid": INT, "prolongTo": INT})
PAYPAL_DAYS = arr(obj({"Days": INT, "Amount": INT}))
PAYPAL_MIN = obj({"Days": INT, "Status": INT, "Message": STR})
# pnumber + ccode in each number form (registry.NUMBER_FORMS): digits only either way; the form shows in ccode
NUMBER_FIELDS: dict[str, dict[str, Schema]] = {
    "full": {"pnumber": {"type": "string", "pattern": r"^[1-9][0-9]{6,14}$"}, "ccode": {"const": ""}},
    "national": {"pnumber": {"type": "string", "pattern": r"^[0-9]+$"},
                 "ccode": {"type": "string", "pattern": r"^\+[1-9][0-9]{0,3}$"}},
}


def numbered(schema: Schema, form: str) -> Schema:
    """`schema` with every object's pnumber and ccode held to the number `form` (into lists too)."""
    if schema.get("type") == "array":
        return {**schema, "items": numbered(schema["items"], form)}
    props = schema.get("properties", {})
    if "pnumber" in props and "ccode" in props:
        return {**schema, "properties": {**props, **NUMBER_FIELDS[form]}}
    return schema


NO_DATA: Schema = {"not": {}}  # the envelope carries no `data` at all

ENVELOPE_OK: Schema = {"type": "object", "properties": {"status": {"const": 1}}, "required": ["status"]}
ENVELOPE_ERROR: Schema = {
    "type": "object",
    "properties": {"status": {"const": 0}, "msg": {"type": "string", "minLength": 1}},
    "required": ["status", "msg"],
}
