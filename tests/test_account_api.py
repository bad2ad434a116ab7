"""The account API beside rent.php (/priemnik.php): balance and user info from the same accounts rentals debit."""
from decimal import Decimal

import pytest
import requests

from contracts.openapi import account_openapi
from contracts.registry import ACCOUNT_METHODS
from contracts.validate import check_account
from tests.conftest import KEY, OTHER


def _get(client, path="/priemnik.php", **query):
    r = client.get(path, query_string=query)
    assert r.status_code == 200
    return r


def test_get_balance_answers_a_string_balance(client):
    r = _get(client, metod="get_balance", service="opt4", apikey=KEY)
    assert r.get_json() == {"response": "1", "balance": "100.00"}
    assert check_account("get_balance", r.get_json()) == []


def test_get_userinfo_answers_balance_karma_and_name(client):
    body = _get(client, metod="get_userinfo", service="opt4", apikey=KEY).get_json()
    assert set(body) == {"response", "balance", "karma", "name"}
    assert body["response"] == "1" and body["balance"] == "100.00" and body["karma"] == "10"
    assert check_account("get_userinfo", body) == []


def test_balance_reads_what_rentals_debit(client, api, world):
    code = next(iter(world.catalogue.services))
    land = world.catalogue.countries["RU"]
    api.control("/catalogue/offers", {"country": "RU", "service": code, "price_day": "1.25",
                                      "stock": {p: 3 for p in land.leases}})
    api.ok("create", dtype="week", dcount=1, country="RU", service=code)  # 8.75
    assert _get(client, metod="get_balance", apikey=KEY).get_json()["balance"] == "91.25"
    assert world.accounts[KEY].balance == Decimal("91.25")
    assert _get(client, metod="get_balance", apikey=OTHER).get_json()["balance"] == "100.00"


@pytest.mark.parametrize("query,text", [
    ({"metod": "get_balance", "apikey": "nope"}, "API KEY NOT FOUND!"),
    ({"metod": "get_balance"}, "API KEY not received!"),
    ({"metod": "get_balance", "apikey": ""}, "API KEY not received!"),
    ({"metod": "get_moon", "apikey": KEY}, "Неверный запрос."),
    ({"metod": "get_number", "service": "opt29", "country": "PT", "apikey": KEY}, "Неверный запрос."),  # W15
    ({"apikey": KEY}, "Неверный запрос."),
])
def test_refusals_are_the_services_plain_text(client, query, text):
    r = _get(client, **query)
    assert r.get_data(as_text=True) == text and r.mimetype == "text/html"
    assert check_account(query.get("metod", ""), text) == []


def test_only_get(client):
    r = client.post("/priemnik.php?metod=get_balance&apikey=" + KEY)
    assert r.status_code == 200 and r.get_data(as_text=True) == "Неверный запрос."


def test_world_rules_as_rent_php(client):
    made = client.post("/_mock/worlds", json={"balance": "12.5"}).get_json()
    own = _get(client, f"/w/{made['world']}/priemnik.php", metod="get_balance", apikey=made["apikey"])
    assert own.get_json() == {"response": "1", "balance": "12.50"}
    plain = _get(client, metod="get_balance", apikey=made["apikey"])  # the apikey finds its world
    assert plain.get_json()["balance"] == "12.50"
    foreign = _get(client, f"/w/{made['world']}/priemnik.php", metod="get_balance", apikey=KEY)
    assert foreign.get_data(as_text=True) == "API KEY NOT FOUND!"


def test_contract_rejects_a_numeric_balance():
    assert check_account("get_balance", {"response": "1", "balance": 5}) != []
    assert check_account("get_balance", "Some other text") != []


def test_openapi_covers_every_metod():
    doc = account_openapi()
    assert set(doc["paths"]) == {f"/priemnik.php#{name}" for name in ACCOUNT_METHODS}


def test_served_over_http_on_the_fast_path(live_world):
    base, world, apikey = live_world
    r = requests.get(f"{base}/priemnik.php", params={"metod": "get_balance", "service": "opt4", "apikey": apikey},
                     timeout=10)
    assert r.status_code == 200 and r.json() == {"response": "1", "balance": "100.00"}
    r = requests.get(f"{base}/w/{world}/priemnik.php", params={"metod": "get_userinfo", "apikey": apikey}, timeout=10)
    assert r.json()["balance"] == "100.00"


def test_get_service_price_answers_the_catalogue_price(client, api, world):
    """W14: the readers (php-core, smspva-wrapper, a Go price checker) take response, country, service, price."""
    land = world.catalogue.countries["RU"]
    api.control("/catalogue/offers", {"country": "RU", "service": "opt16", "price_day": "1.25",
                                      "stock": {p: 3 for p in land.leases}})
    body = _get(client, metod="get_service_price", service="opt16", country="RU", apikey=KEY).get_json()
    assert body == {"response": "1", "country": "RU", "service": "opt16", "price": "1.25"}
    assert check_account("get_service_price", body) == []


def test_get_service_price_reads_the_apikeys_world(client):
    made = client.post("/_mock/worlds", json={"balance": "5"}).get_json()
    client.post("/_mock/catalogue/offers", json={"world": made["world"], "country": "PT", "service": "opt29",
                                                 "price_day": "0.6"})
    own = _get(client, metod="get_service_price", service="opt29", country="PT", apikey=made["apikey"])
    assert own.get_json()["price"] == "0.60"
    default = _get(client, metod="get_service_price", service="opt29", country="PT", apikey=KEY).get_json()
    assert default["price"] != "0.60"


@pytest.mark.parametrize("query,text", [
    ({"service": "opt999", "country": "RU"}, "Service NOT FOUND!"),  # BAS api.js knows this text
    ({"service": "opt16", "country": "XX"}, "UNKNOWN SERVICE OR COUNTRY"),  # the documentation's text (S19)
    ({"service": "opt16"}, "Неверный запрос."),
    ({"country": "RU"}, "Неверный запрос."),
])
def test_get_service_price_refusals(client, world, query, text):
    before = world.accounts[KEY].balance
    r = _get(client, metod="get_service_price", apikey=KEY, **query)
    assert r.get_data(as_text=True) == text and r.mimetype == "text/html"
    assert check_account("get_service_price", text) == []
    assert world.accounts[KEY].balance == before


def test_get_service_price_checks_the_key_first(client):
    r = _get(client, metod="get_service_price", service="opt999", country="RU", apikey="nope")
    assert r.get_data(as_text=True) == "API KEY NOT FOUND!"


def test_contract_rejects_a_numeric_price():
    good = {"response": "1", "country": "PT", "service": "opt29", "price": "0.60"}
    assert check_account("get_service_price", good) == []
    assert check_account("get_service_price", {**good, "price": 0.6}) != []
    assert check_account("get_service_price", {**good, "response": 1}) != []


def test_live_writes_the_balance_with_four_decimals(client):
    """W8b: the live service printed "10.0000" on 2026-06-20, and a client tests balance == "0.0000"."""
    made = client.post("/_mock/worlds", json={"balance": "10", "dialect": "live"}).get_json()
    body = _get(client, metod="get_balance", apikey=made["apikey"]).get_json()
    assert body == {"response": "1", "balance": "10.0000"}
    info = _get(client, metod="get_userinfo", apikey=made["apikey"]).get_json()
    assert info["balance"] == "10.0000"
    assert check_account("get_balance", body, "live") == [] and check_account("get_userinfo", info, "live") == []
    empty = client.post("/_mock/worlds", json={"balance": "0", "dialect": "live"}).get_json()
    assert _get(client, metod="get_balance", apikey=empty["apikey"]).get_json()["balance"] == "0.0000"


def test_each_dialect_is_held_to_its_balance_decimals():
    assert check_account("get_balance", {"response": "1", "balance": "10.0000"}) == []  # either form, undeclared
    assert check_account("get_balance", {"response": "1", "balance": "10.00"}, "live") == [
        "body['balance']: '10.00' has not the live dialect's 4 decimals"]
    assert check_account("get_balance", {"response": "1", "balance": "10.0000"}, "documented") == [
        "body['balance']: '10.0000' has not the documented dialect's 2 decimals"]
    assert check_account("get_balance", {"response": "1", "balance": "10.000"}) != []


def test_the_request_limits_are_the_documentations():
    """W18: 40 a minute on /priemnik.php, 4-5 s between queries, get_sms every 20 s for 10 minutes (S19)."""
    from contracts.registry import LIMITS
    assert (LIMITS.per_minute, LIMITS.min_interval, LIMITS.per_second) == (40, 4.0, 50)
    assert (LIMITS.sms_poll_interval, LIMITS.sms_search, LIMITS.evidence) == (20.0, 600, "W18")
