"""JSON Schemas per method and dialect, and the OpenAPI 3.1 document, generated from the registry."""
from __future__ import annotations

import copy

from . import shapes as S
from .registry import (ACCOUNT_METHODS, ACCOUNT_PARAMS, ACCOUNT_PATH, ACCOUNT_REFUSALS, DIALECTS, METHODS, Method,
                       Param, data_schema)

DRAFT = "https://json-schema.org/draft/2020-12/schema"
BASE_ID = "https://smspva-rent-mock.invalid/schemas"
LINKED = ("activate", "sms", "prolong", "delete")


def success_schema(m: Method, variant: str, dialect: str = "documented") -> dict:
    """The whole success envelope of `m` in `variant`, as `dialect` writes it (its number form)."""
    data = data_schema(m.name, dialect, variant_key=variant)
    if data == S.NO_DATA:
        return {"type": "object", "properties": {"status": {"const": 1}}, "required": ["status"],
                "not": {"required": ["data"]}}
    return {"type": "object", "properties": {"status": {"const": 1}, "data": copy.deepcopy(data)},
            "required": ["status", "data"]}


def json_schemas() -> dict[str, dict]:
    """File name -> JSON Schema: `<dialect>/<method>.json` for success data, `error.json` for errors."""
    out = {"error.json": {"$schema": DRAFT, "$id": f"{BASE_ID}/error.json", "title": "rent.php error envelope",
                          **copy.deepcopy(S.ENVELOPE_ERROR)}}
    for m in METHODS.values():
        variants = {d: m.variant_for(d) for d in DIALECTS}
        variants.update({v: v for v in m.shapes if v not in DIALECTS and v != "documented"})
        for dialect, variant in variants.items():
            name = f"{dialect}/{m.name}.json"
            data = data_schema(m.name, dialect, variant_key=variant) if dialect in DIALECTS else m.shapes[variant]
            out[name] = {"$schema": DRAFT, "$id": f"{BASE_ID}/{name}",
                         "title": f"{m.name} success data ({dialect})", **copy.deepcopy(data)}
    return out


def _param_schema(p: Param) -> dict:
    if p.type == "integer":
        schema: dict = {"type": "integer"}
        if p.minimum is not None:
            schema["minimum"] = p.minimum
        if p.maximum is not None:
            schema["maximum"] = p.maximum
        return schema
    if p.type == "enum":
        return {"type": "string", "enum": list(p.choices)}
    if p.type == "csv":
        return {"type": "string", "pattern": r"^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$", "maxLength": 200}
    return {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"^\S+$"}


def _security(m: Method) -> list:
    return {"required": [{"apikey": []}], "optional": [{}, {"apikey": []}], "none": [{}]}[m.apikey]


def operation(m: Method, dialect: str) -> dict:
    """The OpenAPI operation of one method."""
    params = [{"name": "method", "in": "query", "required": True, "schema": {"type": "string", "enum": [m.name]}}]
    params += [{"name": p.name, "in": "query", "required": p.required, "description": p.doc,
                "schema": _param_schema(p)} for p in m.params]
    ok = success_schema(m, m.variant_for(dialect), dialect)
    response = {"description": "status 1 with data, or status 0 with msg (HTTP 200 either way)",
                "content": {"application/json": {"schema": {"oneOf": [ok, {"$ref": "#/components/schemas/Error"}]}}}}
    op = {"operationId": m.name, "summary": m.summary, "parameters": params, "security": _security(m),
          "responses": {"200": response}, "x-spends-money": m.spends, "x-changes-state": m.mutates}
    if m.name in ("create", "create_multi"):
        pointer = "$response.body#/data/id" if m.name == "create" else "$response.body#/data/0/id"
        response["links"] = {f"to_{t}": {"operationId": t, "parameters": {"id": pointer}} for t in LINKED}
    return op


def openapi(dialect: str = "documented", server: str = "http://127.0.0.1:8080") -> dict:
    """The OpenAPI 3.1 document of rent.php in `dialect`; each method is its own path key (`#name`)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "SMSPVA rent.php", "version": "1.0",
                 "description": f"Number rental API, {dialect} dialect. One path key per method "
                                "(/api/rent.php#<method>): OpenAPI keys operations by path and verb, "
                                "and rent.php selects them with the `method` query value."},
        "servers": [{"url": server}],
        "paths": {f"/api/rent.php#{m.name}": {"get": operation(m, dialect)} for m in METHODS.values()},
        "components": {
            "securitySchemes": {"apikey": {"type": "apiKey", "in": "query", "name": "apikey"}},
            "schemas": {"Error": copy.deepcopy(S.ENVELOPE_ERROR)},
        },
    }


def account_openapi(server: str = "http://127.0.0.1:8080") -> dict:
    """The OpenAPI 3.1 document of the account API beside rent.php (/priemnik.php), one path key per metod."""
    paths = {}
    for m in ACCOUNT_METHODS.values():
        params = [{"name": "metod", "in": "query", "required": True, "schema": {"type": "string", "enum": [m.name]}}]
        params += [{"name": p.name, "in": "query", "required": p.required, "description": p.doc,
                    "schema": _param_schema(p)} for p in ACCOUNT_PARAMS[1:] + m.params]
        refusal = {"type": "string", "enum": list(ACCOUNT_REFUSALS.values())}
        paths[f"{ACCOUNT_PATH}#{m.name}"] = {"get": {
            "operationId": f"account_{m.name}", "summary": m.summary, "parameters": params,
            "responses": {"200": {"description": "JSON with string values, or a plain-text refusal (HTTP 200)",
                                  "content": {"application/json": {"schema": copy.deepcopy(m.shape)},
                                              "text/html": {"schema": refusal}}}}}}
    return {"openapi": "3.1.0",
            "info": {"title": "SMSPVA account API (/priemnik.php)", "version": "1.0",
                     "description": "Balance, user info and service prices beside rent.php; same apikeys and worlds."},
            "servers": [{"url": server}], "paths": paths}
