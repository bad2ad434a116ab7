"""Money and numbers in control bodies: one rule for strings and JSON numbers, exact or refused (400
naming the field), and never a NaN on the wire."""
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.core.money import MAX_AMOUNT, parse_amount
from mockserver.http.rent import encode
from mockserver.serve.server import ServeOptions, build_hub
from tests.conftest import KEY
from tests.test_bad_input import fresh, state

# (path, the rest of a valid body, the money field, whether 0 is refused too)
MONEY_FIELDS = [
    ("/worlds", {}, "balance", False),
    ("/accounts", {}, "balance", False),
    (f"/accounts/{KEY}/balance", {}, "amount", True),
    ("/catalogue/offers", {"country": "RU", "service": "opt16"}, "price_day", True),
]


def _number(d: Decimal) -> str:
    """A Decimal as a JSON number literal (Python's json also reads NaN and Infinity)."""
    if d.is_nan():
        return "NaN"
    if d.is_infinite():
        return "-Infinity" if d < 0 else "Infinity"
    return str(d)


_DIGITS = st.integers(0, 10**12)
NON_FINITE = st.sampled_from([Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
TOO_BIG = st.one_of(st.integers(int(MAX_AMOUNT) + 1, 10**40).map(Decimal),
                    st.integers(1, 99).map(lambda c: MAX_AMOUNT + Decimal(c) / 100),
                    st.integers(9, 400).map(lambda e: Decimal(f"1.5E+{e}")), st.just(Decimal("1e308")))
NEGATIVE = st.integers(-10**12, -1).map(lambda c: Decimal(c) / 100)
# a last decimal digit that is not 0, beyond the cents: 1.005, 0.001, 12.34567 ...
TOO_PRECISE = st.builds(lambda n, last, k: Decimal(n * 10 + last).scaleb(-k), _DIGITS, st.integers(1, 9),
                        st.integers(3, 12))
HOSTILE_DECIMALS = st.one_of(NON_FINITE, TOO_BIG, NEGATIVE, TOO_PRECISE)
UNICODE_DIGITS = st.text(st.characters(categories=("Nd",)).filter(lambda c: not c.isascii()), min_size=1, max_size=6)
NOT_PLAIN = st.one_of(
    UNICODE_DIGITS,
    st.builds(lambda a, b: a + b, st.sampled_from(["1", "10", "0"]), UNICODE_DIGITS),  # "1٣": mixed
    st.sampled_from(["", " 1", "1 ", "1e3", "1E2", "0x10", "1_000", "+5", "1.", ".5", "1,50", "NaN", "Infinity",
                     "-inf", "١٠٠", "１００", "12.٥"]),
    st.text(max_size=12).filter(lambda s: not s.replace(".", "", 1).isascii() or not s.replace(".", "", 1).isdigit()),
)


def hostile(positive: bool):
    """JSON literals a money field must refuse: numbers and strings alike."""
    literals = st.one_of(
        HOSTILE_DECIMALS.map(_number),                                  # as JSON numbers
        HOSTILE_DECIMALS.filter(lambda d: d.is_finite()).map(lambda d: json.dumps(str(d))),  # as strings
        st.just(json.dumps("9" * 26)), st.just("9" * 26), st.just(json.dumps("9" * 24 + ".99")),
        NOT_PLAIN.map(json.dumps),
        st.sampled_from(["true", "false", "null", "[]", "{}", '["1"]', '{"amount": 1}']),
    )
    if positive:
        literals = st.one_of(literals, st.sampled_from(["0", "0.0", '"0"', '"0.00"', "0E+3", "-0"]))
    return literals


def post_raw(client, path, rest, field, literal):
    head = json.dumps(rest)[:-1]
    data = (head + ", " if rest else "{") + f'"{field}": {literal}}}'
    return client.post("/_mock" + path, data=data, content_type="application/json")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
@pytest.mark.parametrize("path,rest,field,positive", MONEY_FIELDS)
def test_hostile_money_is_a_400_naming_the_field_and_changes_nothing(path, rest, field, positive, data):
    literal = data.draw(hostile(positive), label="literal")
    hub, client = fresh()
    before = state(hub)
    r = post_raw(client, path, rest, field, literal)
    assert r.status_code == 400, (literal, r.data)
    assert r.get_json()["error"].startswith(f"{field}: "), r.get_json()
    assert state(hub) == before
    assert client.get(f"/_mock/accounts/{KEY}").status_code == 200


@pytest.mark.parametrize("literal,message", [
    ("NaN", "must be a finite number, got nan"),
    ("Infinity", "must be a finite number, got inf"),
    ("1e308", "must be at most 1000000000, got 1E+308"),
    ('"' + "9" * 26 + '"', "must be at most 1000000000, got '" + "9" * 26 + "'"),
    ("1.005", "must have at most two decimals, got 1.005"),
    ('"1.005"', "must have at most two decimals, got '1.005'"),
    ("-1", "must not be negative, got -1"),
    ('"١٠"', "must be a decimal number such as '12.50', got '١٠'"),
    ("0", "must be positive, got 0"),
])
def test_top_up_refusals_say_what_is_wrong(literal, message):
    hub, client = fresh()
    r = post_raw(client, f"/accounts/{KEY}/balance", {}, "amount", literal)
    assert (r.status_code, r.get_json()["error"]) == (400, f"amount: {message}")


def test_a_26_digit_top_up_is_refused_and_the_account_stays_readable():
    hub, client = fresh()
    r = post_raw(client, f"/accounts/{KEY}/balance", {}, "amount", '"12345678901234567890123456.78"')
    assert r.status_code == 400
    account = client.get(f"/_mock/accounts/{KEY}")
    # the wire's JSON number read back exactly (96.57 as a float is not Decimal("96.57"))
    balance = Decimal(str(account.get_json()["balance"]))
    assert account.status_code == 200 and balance == hub.worlds["default"].accounts[KEY].balance


def test_a_negative_price_day_as_a_json_number_is_refused():
    hub, client = fresh()
    r = post_raw(client, "/catalogue/offers", {"country": "RU", "service": "opt16"}, "price_day", "-5")
    assert (r.status_code, r.get_json()["error"]) == (400, "price_day: must not be negative, got -5")
    assert hub.worlds["default"].catalogue.countries["RU"].offers["opt16"].price_day > 0


@pytest.mark.parametrize("literal,added", [("12.5", "12.50"), ('"12.5"', "12.50"), ("7", "7.00"), ("0.1", "0.10"),
                                           ("999999903.43", "999999903.43"), ("0.10000", "0.10")])
def test_good_amounts_are_exact_whether_number_or_string(literal, added):
    # 999999903.43 takes the balance of 96.57 to exactly the bound (a cent more is refused: test_state_bounds)
    hub, client = fresh()
    account = hub.worlds["default"].accounts[KEY]
    before = account.balance
    r = post_raw(client, f"/accounts/{KEY}/balance", {}, "amount", literal)
    assert r.status_code == 200, r.get_json()
    assert account.balance - before == Decimal(added) and str(account.ledger[-1].amount) == added


def test_new_world_and_account_balances_are_exact():
    hub, client = fresh()
    made = post_raw(client, "/worlds", {}, "balance", "0.3").get_json()
    assert hub.worlds[made["world"]].accounts[made["apikey"]].balance == Decimal("0.30")
    acc = post_raw(client, "/accounts", {"world": made["world"]}, "balance", "2.25").get_json()
    assert acc["balance"] == 2.25 and hub.worlds[made["world"]].accounts[acc["apikey"]].balance == Decimal("2.25")


def test_price_day_as_a_json_number_is_exact():
    hub, client = fresh()
    r = post_raw(client, "/catalogue/offers", {"country": "RU", "service": "opt16"}, "price_day", "1.1")
    assert r.status_code == 200 and r.get_json()["price_day"] == 1.1
    assert hub.worlds["default"].catalogue.countries["RU"].offers["opt16"].price_day == Decimal("1.10")


@pytest.mark.parametrize("field,literal,message", [
    ("probability", "NaN", "probability: must be a finite number, got nan"),
    ("probability", "Infinity", "probability: must be a finite number, got inf"),
    ("probability", "-Infinity", "probability: must be a finite number, got -inf"),
    ("probability", "1.5", "probability: 1.5 is greater than the maximum of 1"),
])
def test_fault_probability_must_be_finite_and_in_range(field, literal, message):
    hub, client = fresh()
    r = client.post("/_mock/faults", data=f'{{"kind": "status0", "{field}": {literal}}}',
                    content_type="application/json")
    assert (r.status_code, r.get_json()["error"]) == (400, message)
    assert client.get("/_mock/faults").get_json() == {"faults": []}


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "1e400"])
def test_world_speed_must_be_finite(literal):
    hub, client = fresh()
    r = client.post("/_mock/worlds", data=f'{{"clock": "real", "speed": {literal}}}', content_type="application/json")
    assert (r.status_code, r.get_json()["error"]) == (400, "speed: must be a finite number, got inf" if literal != "NaN"
                                                      else "speed: must be a finite number, got nan")
    assert sorted(hub.worlds) == ["default"]


def test_a_good_probability_is_listed_as_valid_json():
    hub, client = fresh()
    assert client.post("/_mock/faults", json={"kind": "status0", "probability": 0.25}).status_code == 201
    listing = client.get("/_mock/faults")
    assert json.loads(listing.data)["faults"][0]["probability"] == 0.25


def test_the_encoder_refuses_nan_so_it_never_reaches_the_wire():
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError):
            encode({"probability": bad})


@pytest.mark.parametrize("balance,message", [("1.005", "--balance: must have at most two decimals, got '1.005'"),
                                             ("abc", "--balance: must be a decimal number such as '12.50', got 'abc'"),
                                             ("NaN", "--balance: must be a decimal number such as '12.50', got 'NaN'"),
                                             ("-3", "--balance: must not be negative, got '-3'")])
def test_serve_balance_is_validated_the_same_way(balance, message):
    with pytest.raises(ValueError) as info:
        build_hub(ServeOptions(balance=balance, start=1))
    assert str(info.value) == message


def test_parse_amount_never_rounds():
    assert parse_amount("2.10") == Decimal("2.10") and parse_amount(Decimal("3")) == Decimal("3.00")
    with pytest.raises(ValueError, match="two decimals"):
        parse_amount(0.125)
