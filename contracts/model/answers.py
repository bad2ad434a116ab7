"""Whole answers from the model's facts, in the shape the registry gives each method in a dialect.

The model computes what an answer says (the facts: every field any dialect shows); the registry
(`contracts/registry.py`) says which fields the dialect's variant has and their JSON types. A field the
variant has and the model has no value for is predicted by its schema; a money value is a number or a
decimal string as the schema says. So shapes changed in the registry flow into the model's predictions."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from .. import registry
from .expect import ABSENT, Diff, Kind, Leaf, Money, MoneyText, OneOf, Schema, Tag, Unordered
from .texts import predicted_text

# methods whose facts carry several layouts: how a variant's schema picks its part
_LIST_OF = {"getdata": "services", "sms": "SmsList"}


@dataclass
class Prediction:
    """A predicted answer (Tags in it name the rules) and how the model learns from the received answer: `learn`
    applies the call to the model, pins what the prediction left open, and returns what it found wrong then."""

    expected: Any
    learn: Callable[[Any], list[Diff]] | None = None


def shape(schema: dict, facts: Any) -> Any:
    """The prediction of a value of `schema` from `facts` (fields the model does not know: by schema)."""
    if isinstance(facts, Tag):
        return Tag(facts.rule, shape(schema, facts.inner))
    if isinstance(facts, OneOf):
        return OneOf(shape(schema, f) for f in facts.options)
    if isinstance(facts, Leaf):
        return facts
    kind = schema.get("type")
    if "const" in schema:
        return schema["const"]
    if kind == "object" and "properties" in schema:
        if isinstance(facts, list) and len(facts) == 1:
            facts = facts[0]  # a one-object variant of a method that answers a list elsewhere
        if not isinstance(facts, dict):
            return Schema(schema)
        return {k: shape(sub, facts[k]) if k in facts else Schema(sub) for k, sub in schema["properties"].items()}
    if kind == "object":  # a mapping: free keys, one value schema
        values = schema.get("additionalProperties", {})
        return {k: shape(values, v) for k, v in facts.items()} if isinstance(facts, dict) else Schema(schema)
    if kind == "array":
        items = schema.get("items", {})
        if isinstance(facts, Unordered):
            return Unordered([shape(items, i) for i in facts.items], facts.key, facts.key_of_got)
        if isinstance(facts, dict):
            facts = _part(facts) if _part(facts) is not None else [facts]
        return [shape(items, f) for f in facts] if isinstance(facts, list) else Schema(schema)
    return _leaf(schema, facts)


def _part(facts: dict) -> Any:
    for key in _LIST_OF.values():
        if key in facts:
            return facts[key]
    return None


def _leaf(schema: dict, fact: Any) -> Any:
    kind = schema.get("type")
    if isinstance(fact, Decimal):
        return MoneyText(fact) if kind == "string" else Money(fact)
    if kind == "string" and isinstance(fact, int) and not isinstance(fact, bool):
        return str(fact)  # the sdk writes some integers as strings
    return fact


def ok(method: str, variant: str, facts: Any) -> dict:
    """The success envelope of `method` in `variant` with `facts` as data."""
    schema = registry.METHODS[method].shapes.get(variant)
    if schema is None:  # a variant the registry does not know: nothing but the envelope to predict
        return {"status": 1, "data": Schema({})}
    if schema == {"not": {}}:
        return {"status": 1, "data": ABSENT}
    return {"status": 1, "data": shape(schema, facts)}


def refusal(key: str, dialect: str, strict: bool, *args, rule: str | None = None) -> Any:
    """The refusal envelope with the dialect's text for `key`; `rule` names the check that refuses."""
    answer = {"status": 0, "msg": predicted_text(key, dialect, strict, *args)}
    return Tag(rule, answer) if rule else answer


def param_refusal(text: str, strict: bool) -> dict:
    """A refusal of the parameters: our words (contracts/params.py) on the mock, any text elsewhere."""
    return {"status": 0, "msg": text if strict else Kind("nonempty", "the service's words are not recorded")}
