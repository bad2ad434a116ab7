"""Integers are ASCII digits only: Arabic-Indic, full-width and other Unicode digits are refused, in
rent.php parameters, control query strings and control paths."""
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.params import coerce_one, request_findings
from contracts.registry import METHODS
from tests.conftest import KEY
from tests.test_bad_input import fresh, state

NON_ASCII_DIGIT = st.characters(categories=("Nd",)).filter(lambda c: not c.isascii())
# at least one non-ASCII digit, possibly among ASCII ones: "٣", "１２", "4٠000"
UNICODE_NUMBERS = st.builds(lambda head, odd, tail: head + odd + tail, st.text("0123456789", max_size=3),
                            NON_ASCII_DIGIT, st.text(st.characters(categories=("Nd",)), max_size=3))
DCOUNT = next(p for p in METHODS["create"].params if p.name == "dcount")


@settings(max_examples=200, deadline=None)
@given(raw=UNICODE_NUMBERS)
def test_the_contract_refuses_unicode_digits(raw):
    value, reason = coerce_one(DCOUNT, raw)
    assert value is None and reason == f"Parameter dcount must be an integer, got {raw[:40]!r}"
    assert request_findings("GET", {"method": "create", "apikey": KEY, "dtype": "week", "dcount": raw,
                                    "country": "RU", "service": "opt16"}) == [reason]


@settings(max_examples=40, deadline=None)
@given(raw=UNICODE_NUMBERS, method=st.sampled_from(["create", "activate", "prolong", "get_rent_history"]))
def test_rent_php_refuses_unicode_digits_and_changes_nothing(raw, method):
    hub, client = fresh()
    before = state(hub)
    name = {"create": "dcount", "activate": "id", "prolong": "dcount", "get_rent_history": "take"}[method]
    query = {"method": method, "apikey": KEY, "dtype": "week", "dcount": "1", "country": "RU", "service": "opt16",
             "id": "40000", name: raw}
    body = client.get("/api/rent.php", query_string=query).get_json()
    assert body["status"] == 0 and f"Parameter {name} must be an integer, got {raw[:40]!r}" in body["msg"]
    assert state(hub) == before


def test_ascii_digits_still_work():
    value, reason = coerce_one(DCOUNT, "12")
    assert (value, reason) == (12, None)


@settings(max_examples=30, deadline=None)
@given(raw=UNICODE_NUMBERS)
def test_control_query_integers_are_ascii(raw):
    hub, client = fresh()
    r = client.get("/_mock/journal", query_string={"limit": raw})
    assert (r.status_code, r.get_json()) == (400, {"error": "limit: must be an integer"})


@settings(max_examples=30, deadline=None)
@given(raw=UNICODE_NUMBERS)
def test_control_path_integers_are_ascii(raw):
    hub, client = fresh()
    before = state(hub)
    for verb, path in (("POST", f"/_mock/orders/{quote(raw)}/state"), ("GET", f"/_mock/orders/{quote(raw)}/sms"),
                       ("DELETE", f"/_mock/faults/{quote(raw)}")):
        r = client.open(path, method=verb, json={"state": -1})
        assert r.status_code == 404 and r.mimetype == "application/json", (path, r.data)
    assert state(hub) == before


def test_the_order_made_by_fresh_is_reachable_with_ascii_digits():
    hub, client = fresh()
    assert client.get("/_mock/orders/40000/sms").status_code == 200
    assert client.get("/_mock/orders/%D9%A4%D9%A0%D9%A0%D9%A0%D9%A0/sms").status_code == 404  # ٤٠٠٠٠


def test_a_whole_number_past_18_digits_is_refused_as_too_long_not_as_no_integer():
    # 2**63 - 1 is an integer: 'must be an integer, got 9223372036854775807' told the caller it was not one
    ID = next(p for p in METHODS["sms"].params if p.name == "id")
    for raw in ("9223372036854775807", "-18446744073709551616", "+" + "9" * 400):
        assert coerce_one(ID, raw) == (None, f"Parameter id must be an integer of at most 18 digits, got {raw[:40]!r}")
    assert coerce_one(ID, "999999999999999999") == (999999999999999999, None)
    assert coerce_one(ID, "1.5") == (None, "Parameter id must be an integer, got '1.5'")
