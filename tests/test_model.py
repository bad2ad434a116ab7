"""The executable model (contracts/model/): how predictions with room compare with answers, the timing intervals,
the texts per dialect, and the differential judge naming the call, the prediction, the answer and the rule."""
from decimal import Decimal

import pytest
import requests

from contracts.conformance.differ import Broke, Differ, plan, seed_catalogue
from contracts.model.arithmetic import ACTIVATING, ACTIVE, NOT_ACTIVE, WorldParams
from contracts.conformance.rules import MODEL, RULES
from contracts.conformance.target import Settings, Target
from contracts.model.answers import shape
from contracts.model.expect import Between, Money, MoneyText, OneOf, Tag, compare, rules_of
from contracts.model.presence import Presence, Span
from contracts.model.texts import TEXTS, amount, predicted_text
from contracts.shapes import ORDER, SMS, arr, obj, STR, NUMERIC_STR


def test_compare_is_strict_about_types_and_keys():
    assert compare({"id": 5, "ok": True}, {"id": 5, "ok": True}) == []
    [d] = compare({"id": 5}, {"id": 5.0})
    assert (d.path, d.expected, d.got) == ("id", "5", "5.0")
    [d] = compare({"ok": True}, {"ok": 1})
    assert (d.path, d.got) == ("ok", "1")
    missing, extra = compare({"a": 1, "b": 2}, {"a": 1, "c": 3})
    assert (missing.path, missing.got) == ("b", "absent")
    assert (extra.path, extra.expected, extra.got) == ("c", "absent", "3")
    [d] = compare([1, 2], [1, 2, 3])
    assert d.path == "" and d.got == "[1, 2, 3]"


def test_money_is_a_number_to_the_cent_or_a_decimal_string_where_the_schema_says_so():
    assert compare(Money(Decimal("2.40")), 2.4) == [] and compare(Money(Decimal("6.00")), 6) == []
    assert compare(Money(Decimal("2.40")), 2.41) and compare(Money(Decimal("2.40")), "2.4")
    assert compare(Money(Decimal("2.40")), True)
    assert compare(MoneyText(Decimal("91.25")), "91.25") == [] and compare(MoneyText(Decimal("91.25")), 91.25)
    assert shape(obj({"price": NUMERIC_STR, "name": STR}), {"price": Decimal("1.5"), "name": "x"})["price"].value \
        == Decimal("1.5")
    assert isinstance(shape({"type": "number"}, Decimal("1.5")), Money)


def test_room_is_a_set_or_an_interval_and_the_innermost_rule_names_a_difference():
    assert compare(OneOf([0, 1]), 1) == [] and compare(Between(600, 900), 900) == []
    [d] = compare(Between(600, 900), 901)
    assert d.expected == "an integer in [600, 900]"
    pred = Tag("PRICE-PERIOD", {"status": 1, "data": {"until": Tag("STATE-CREATE", 100), "id": 7}})
    [d] = compare(pred, {"status": 1, "data": {"until": 160, "id": 7}})
    assert (d.path, d.expected, d.got, d.rule) == ("data.until", "100", "160", "STATE-CREATE")
    [d] = compare(pred, {"status": 0, "data": {"until": 100, "id": 7}})
    assert (d.path, d.rule) == ("status", "PRICE-PERIOD")
    assert rules_of(pred) == {"PRICE-PERIOD", "STATE-CREATE"}


def test_a_schema_field_the_model_has_no_value_for_is_predicted_by_its_type():
    row = shape(ORDER, {"id": 3})
    assert compare(row["state"], 2) == [] and compare(row["state"], 5)
    assert compare(shape(arr(SMS), {"SmsList": [], "OtherSms": [{"text": "x"}]}), []) == []  # documented: own only


def test_activation_is_an_interval_narrowed_by_what_the_server_shows():
    p = Presence.fixed(NOT_ACTIVE).activated(1000, (600, 900), (600, 1800))
    assert p.states(1599) == {ACTIVATING}
    assert p.states(1600) == {ACTIVATING, ACTIVE} and p.states(1900) == {ACTIVE}
    seen = p.seen(ACTIVE, 1700)  # online by 1700: it came online in [1600, 1700]
    assert (seen.on, seen.off) == (Span(1600, 1700), Span(2200, 3500))
    assert seen.states(2199) == {ACTIVE} and seen.states(3500) == {NOT_ACTIVE}
    assert p.seen(NOT_ACTIVE, 1700) is None  # offline before any window could end: impossible
    gone = seen.seen(NOT_ACTIVE, 2500)
    assert (gone.state, gone.last) == (NOT_ACTIVE, Span(2200, 2500))
    assert gone.seen_last(NOT_ACTIVE, 2345).last == Span.at(2345)


def test_texts_per_dialect_and_their_room_on_another_server():
    assert predicted_text("NO_BALANCE", "documented", True, amount(Decimal("17.50")), amount(Decimal("3"))) \
        == "Not enough balance: need 17.5, have 3"
    assert predicted_text("NO_BALANCE", "live", False) == "Balance is not enough"  # evidence (W12b): word for word
    assert compare(predicted_text("NOTOWNER", "documented", False), "the user had not this order") == []
    assert compare(predicted_text("ORDER_NOT_FOUND", "documented", False), "no such order") == []  # ours
    assert compare(predicted_text("ORDER_NOT_FOUND", "documented", True), "no such order")
    assert all(t.source in ("reference", "ours") for t in TEXTS.values())


def test_every_rule_names_the_model_behaviour_that_holds_it():
    assert {r.id for r in RULES} == set(MODEL)


@pytest.fixture
def differ(live_server):
    target = Target(Settings(live_server, dialect="live"))
    session = target.session()
    yield Differ(target, session, seed_catalogue(target, session), target.new_world())
    target.close()


def test_the_model_agrees_with_the_mock_on_a_rental(differ):
    d = differ
    where = plan(d.w.catalogue)
    country = where.countries[0]
    d.look()
    made = d.call("create", dtype="week", dcount=1, country=country, service=where.services[country][0])
    order = d.w.orders[made["data"]["id"]]
    assert order.provider in d.w.catalogue.countries[country].providers  # pinned from the stock shown
    d.look()
    d.call("activate", id=order.id)
    d.advance(900)
    d.look()
    assert order.presence.states(d.w.now) == {ACTIVE}
    assert {"STOCK-TAKEN", "STATE-ACTIVATE", "STATE-DELAY", "NUMBER-FORM", "ACCOUNT-API"} <= d.held


def test_a_difference_names_the_call_the_prediction_the_answer_and_the_rule(differ):
    d = differ
    where = plan(d.w.catalogue)
    country, service = where.countries[0], where.services[where.countries[0]][0]
    requests.post(f"{d.t.root}/_mock/catalogue/offers", timeout=10,  # the model is not told
                  json={"world": d.w.name, "country": country, "service": service, "price_day": "3.33"})
    with pytest.raises(Broke) as caught:
        d.call("getcount", "nokey", country=country)  # stock unchanged: agrees
        d.call("get_country_by_service", "nokey", service=service, dtype="week")
    f = caught.value.finding
    assert f.rule == "PRICE-QUOTE"
    assert f.expected.startswith(f"get_country_by_service?service={service}&dtype=week → data.{country}.price: ")
    assert f.got == f"data.{country}.price: 23.31"
    assert f.calls[-2].startswith("predicted: {\"status\": 1, \"data\": {")
    assert f.calls[-1].startswith("received:  {\"status\": 1, \"data\": {")


def test_world_params_come_from_the_world():
    assert WorldParams.from_world({"activation_delay": [1, 2]}, "sdk").activation_delay == (1, 2)


def test_contracts_and_the_model_import_nothing_from_the_mock():
    import ast
    from pathlib import Path
    root = Path(__file__).resolve().parents[1] / "contracts"
    found = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            found += [f"{path.relative_to(root)}: {n}" for n in names if n.split(".")[0] == "mockserver"]
    assert found == []
    clocks = []  # the model reads no clock: neither `import time` nor `from datetime import ...` in any form
    for path in (root / "model").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            clocks += [f"model/{path.name}: {n}" for n in names if n.split(".")[0] in ("time", "datetime")]
    assert clocks == []


def test_every_refusal_text_the_model_predicts_is_one_the_contract_knows():
    # contracts/refusals.py's patterns are how verify and the proxy tell a known refusal from a finding: a text
    # of the model's table they miss is reported as "no dialect knows" on the mock's own answers
    from contracts.refusals import documented
    unknown = [(key, said) for key, text in TEXTS.items() for words in (text.words, text.live) if words
               for said in [words.format(*["7"] * words.count("{}"))] if not documented(said)]
    assert unknown == []
