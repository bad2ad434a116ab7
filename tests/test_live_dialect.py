"""The live dialect (the default): each fact of docs/evidence.md's wire table, held here."""
from decimal import Decimal

import pytest

from contracts.registry import DEFAULT_DIALECT
from contracts.validate import check_response
from mockserver.core.world import WorldConfig
from mockserver.http.app import create_app
from mockserver.serve.server import ServeOptions
from tests.conftest import KEY, Api, make_hub
from tests.test_cli import start

import requests
import signal


@pytest.fixture
def live_hub(shipped_catalogue):
    """A hub whose default world speaks live."""
    return make_hub(shipped_catalogue, dialect="live")


def _api(hub):
    client = create_app(hub).test_client()
    return Api(lambda p, q: client.get(p, query_string=q).get_json(),
               lambda p, b: client.post(p, json=b).get_json())


@pytest.fixture
def live(live_hub):
    return _api(live_hub)


def _stock(api, hub, country, count=2):
    """`count` service codes of the catalogue, each put in stock in `country` (whatever the shipped data)."""
    land = hub.worlds["default"].catalogue.countries[country]
    codes = list(hub.worlds["default"].catalogue.services)[:count]
    for code in codes:
        assert "error" not in api.control("/catalogue/offers", {"country": country, "service": code, "price_day": "1",
                                                                 "stock": {p: 5 for p in land.leases}})
    return codes


def test_live_is_the_default_everywhere():
    assert DEFAULT_DIALECT == "live"
    assert WorldConfig().dialect == "live" and ServeOptions().dialect == "live"


def test_serve_with_no_flags_speaks_live():
    proc, info, lines = start()
    try:
        assert "(live dialect," in lines[0]
        base, key = info["base URL"], info["apikey"]
        rent = f"{base}/api/rent.php"
        countries = requests.get(rent, params={"method": "getcountries"}, timeout=10).json()["data"]
        assert {"name", "code", "rent_switch_type"} <= set(countries[0])
        counts = requests.get(rent, params={"method": "getcount", "country": "KZ"}, timeout=10).json()["data"]
        service = next(code for code, n in counts.items() if n > 0)
        made = requests.get(rent, params={"method": "create", "apikey": key, "dtype": "week", "dcount": 1,
                                          "country": "KZ", "service": service}, timeout=10).json()["data"]
        sms = requests.get(rent, params={"method": "sms", "apikey": key, "id": made["id"]}, timeout=10).json()
        assert sms == {"status": 1, "data": {"SmsList": [], "OtherSms": []}}
        world = requests.post(f"{base}/_mock/worlds", json={}, timeout=10).json()["world"]
        assert requests.get(f"{base}/_mock/worlds/{world}", timeout=10).json()["dialect"] == "live"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)


def test_create_answers_one_object_with_integer_id_and_until(live, live_hub):
    one, _ = _stock(live, live_hub, "KZ")
    body = live.call("create", dtype="week", dcount=1, country="KZ", service=one)
    data = body["data"]
    assert set(data) == {"id", "pnumber", "ccode", "service", "until"}
    assert type(data["id"]) is int and type(data["until"]) is int
    assert data["ccode"] == "" and data["pnumber"] == live_hub.worlds["default"].orders[data["id"]].number
    assert check_response("create", body, "live") == []


@pytest.mark.parametrize("country,dial", [("RO", "40"), ("KZ", "7"), ("DE", "49")])
def test_live_writes_the_whole_number_in_every_view(live, live_hub, country, dial):
    """W17: one form, the whole number with ccode "", in every country (RO recorded; KZ and DE as every client
    reads them) and every view: create, create_multi, orders, add_service_to_order, history, precalc."""
    one, two, three = _stock(live, live_hub, country, 3)
    created = live.call("create", dtype="week", dcount=1, country=country, service=one)
    full = live_hub.worlds["default"].orders[created["data"]["id"]].number
    assert full.startswith(dial) and created["data"]["pnumber"] == full and created["data"]["ccode"] == ""
    assert check_response("create", created, "live") == []
    multi = live.call("create_multi", dtype="week", dcount=1, country=country, services=f"{one},{two}")
    assert multi["data"]["ccode"] == "" and multi["data"]["pnumber"].startswith(dial)
    assert check_response("create_multi", multi, "live") == []
    added = live.ok("add_service_to_order", id=multi["data"]["id"], service=three, pnumber=multi["data"]["pnumber"])
    assert added["pnumber"] == multi["data"]["pnumber"]  # the whole number, as the Go client (S18) sends it back
    listed = live.call("orders")
    assert check_response("orders", listed, "live") == []
    shown = {o["id"]: (o["pnumber"], o["ccode"]) for o in listed["data"]}
    assert shown[created["data"]["id"]] == (full, "")
    assert sorted(v for v in shown.values() if v[0] == multi["data"]["pnumber"]) == [(multi["data"]["pnumber"], "")] * 2
    live.control("/clock", {"advance": 8 * 86_400})  # expires into the archive
    history = live.ok("get_rent_history")
    assert {h["orderId"]: h["number"] for h in history}[created["data"]["id"]] == full
    assert live.ok("restore_user_precalc", id=created["data"]["id"])["pnumber"] == full


def test_the_national_form_breaks_the_live_contract_and_names_the_dialect_it_fits():
    """The contract holds live to the whole number: a national answer is reported, as the documented form."""
    body = {"status": 1, "data": {"id": 1, "pnumber": "7719141777", "ccode": "+7", "service": "opt29", "until": 2}}
    reasons = check_response("create", body, "live")
    assert reasons == ["data['ccode']: '' was expected (the documented / sdk shape)"]
    assert check_response("create", body, "documented") == []
    whole = {"status": 1, "data": {**body["data"], "pnumber": "77719141777", "ccode": ""}}
    assert check_response("create", whole, "live") == []
    assert check_response("create", whole, "documented")[0].startswith("data['ccode']: '' does not match")


def test_a_national_country_of_a_users_catalogue_writes_the_national_form(live, live_hub):
    live_hub.worlds["default"].catalogue.own_country("KZ").number_form = "national"
    one, _ = _stock(live, live_hub, "KZ")
    created = live.ok("create", dtype="week", dcount=1, country="KZ", service=one)
    order = live_hub.worlds["default"].orders[created["id"]]
    assert created["ccode"] == "+7" and "7" + created["pnumber"] == order.number


def test_documented_and_sdk_keep_the_national_form(shipped_catalogue):
    for dialect in ("documented", "sdk"):
        hub = make_hub(shipped_catalogue, dialect=dialect)
        api = _api(hub)
        for country, dial in (("RO", "+40"), ("KZ", "+7")):
            one, _ = _stock(api, hub, country)
            created = api.call("create", dtype="week", dcount=1, country=country, service=one)
            order = hub.worlds["default"].orders[created["data"]["id"]]
            assert created["data"]["ccode"] == dial and dial[1:] + created["data"]["pnumber"] == order.number
            assert check_response("create", created, dialect) == []
        assert [o["ccode"] for o in api.ok("orders")] == ["+40", "+7"]


def test_sms_answers_smslist_and_othersms(live, live_hub):
    one, two = _stock(live, live_hub, "KZ")
    created = live.ok("create", dtype="week", dcount=1, country="KZ", service=one)
    live.ok("activate", id=created["id"])
    live.control("/clock", {"advance": 900})
    assert live.control("/sms", {"order": created["id"], "text": "own 1"})["delivered"]
    assert live.control("/sms", {"order": created["id"], "text": "other 1", "service": two})["delivered"]
    data = live.ok("sms", id=created["id"])
    assert [s["text"] for s in data["SmsList"]] == ["own 1"]
    assert [s["text"] for s in data["OtherSms"]] == ["other 1"]


def test_getdata_answers_services_and_total_and_the_recorded_list_is_a_variant(live, live_hub):
    data = live.ok("getdata", country="KZ")
    assert set(data) == {"services", "totalAmount"}
    assert data["totalAmount"] == sum(s["count"] for s in data["services"])
    live_hub.worlds["default"].config.overrides["getdata"] = "list"
    flat = live.call("getdata", country="KZ")
    assert set(flat["data"][0]) == {"name", "service", "price_day", "count", "img"}
    assert check_response("getdata", flat, "live", {"getdata": "list"}) == []
    assert check_response("getdata", flat, "live") != []


def test_getdata_with_providers_counts_per_provider(live):
    data = live.ok("getdataWithProviders", country="AT", dtype="week", dcount=1)
    item = data["services"][0]
    assert isinstance(item["count"], dict) and set(item["count"]) <= set(data["allOperators"])
    assert item["totalCount"] == sum(item["count"].values())


def test_getcountries_carries_the_switch_type(live):
    countries = {c["code"]: c for c in live.ok("getcountries")}
    assert countries["DE"]["name"] == "Germany" and "RU" not in countries  # C4, C10
    assert all(c["rent_switch_type"] in ("FAST", "NORMAL") for c in countries.values())


def _broke(api, hub, balance="1"):
    """A fresh account of the default world holding `balance`; returns an Api for it."""
    key = api.control("/accounts", {"balance": balance})["apikey"]
    return Api(api._get, api._post, key)


@pytest.mark.parametrize("dialect,text", [
    ("live", "Balance is not enough"), ("documented", "Not enough balance: need {need}, have 1"),
    ("sdk", "Not enough balance: need {need}, have 1")])
def test_create_without_money_says_the_dialects_text_and_changes_nothing(shipped_catalogue, dialect, text):
    hub = make_hub(shipped_catalogue, dialect=dialect)
    api = _api(hub)
    one, _ = _stock(api, hub, "KZ")  # price_day 1: a week costs 7
    poor = _broke(api, hub)
    body = poor.call("create", dtype="week", dcount=1, country="KZ", service=one)
    assert body == {"status": 0, "msg": text.format(need=7)}
    assert poor.ok("orders") == [] and hub.worlds["default"].accounts[poor.apikey].balance == 1


@pytest.mark.parametrize("dtype,dcount", [("week", 13), ("month", 4)])
def test_live_refuses_a_period_over_90_days_with_the_live_text(live, live_hub, dtype, dcount):
    one, _ = _stock(live, live_hub, "KZ")
    before = live_hub.worlds["default"].accounts[KEY].balance
    body = live.call("create", dtype=dtype, dcount=dcount, country="KZ", service=one)
    assert body == {"status": 0, "msg": "Incorrect duration count. Min 7 days. Max 90 days."}
    assert live.ok("orders") == [] and live_hub.worlds["default"].accounts[KEY].balance == before
    assert check_response("create", body, "live") == []


def test_live_accepts_90_days_and_refuses_a_longer_prolong(live, live_hub):
    one, _ = _stock(live, live_hub, "KZ")
    assert live.ok("create", dtype="month", dcount=3, country="KZ", service=one)["id"]
    week = live.ok("create", dtype="week", dcount=1, country="KZ", service=one)
    live.control("/clock", {"advance": 86_400})  # inside the prolong window
    live.control(f"/accounts/{KEY}/balance", {"amount": "1000"})
    refused = live.call("prolong", id=week["id"], dtype="week", dcount=13)
    assert refused == {"status": 0, "msg": "Incorrect duration count. Min 7 days. Max 90 days."}
    refused = live.call("prolong_max", id=week["id"], dtype="day", dcount=91)
    assert refused["msg"] == "Incorrect duration count. Min 7 days. Max 90 days."
    assert live.ok("prolong_max", id=week["id"], dtype="day", dcount=90) == {"id": week["id"]}


def test_documented_has_no_90_day_refusal(shipped_catalogue):
    hub = make_hub(shipped_catalogue, dialect="documented")
    api = _api(hub)
    one, _ = _stock(api, hub, "KZ")
    assert api.ok("create", dtype="week", dcount=13, country="KZ", service=one)["until"] == 1_700_000_000 + 91 * 86_400


def test_a_world_starts_from_its_dialects_catalogue(shipped_catalogue):
    """C10: live worlds start from the live catalogue (no RU, the newest names), documented and sdk worlds from
    the reference one, which keeps the reference page's examples."""
    hub = make_hub(shipped_catalogue, dialect="live")
    live = hub.worlds["default"].catalogue
    made = {d: hub.create_world(WorldConfig(dialect=d, accounts={f"k-{d}": Decimal("1")})).catalogue for d in ("documented", "sdk")}
    assert "RU" not in live.countries and "opt59" not in live.services and live.services["opt9"].name == "T1nder"
    for dialect, cat in made.items():
        assert "RU" in cat.countries and cat.services["opt59"].name == "Avito", dialect
        assert cat.services["opt9"].name == "Tinder", dialect
    api = _api(hub)
    assert api.call("create", dtype="week", dcount=1, country="RU", service="opt16") == \
        {"status": 0, "msg": "Unknown country: RU"}


def test_orders_of_what_left_the_live_catalogue_keep_their_restore_codes(live, live_hub):
    """C10: an archived live order whose service, then country, left the catalogue: the documented codes."""
    oid = live.ok("create", dtype="week", dcount=1, country="RO", service="opt29")["id"]
    live.control("/clock", {"advance": 8 * 86_400})
    client = create_app(live_hub).test_client()
    assert client.delete("/_mock/catalogue/offers", json={"country": "RO", "service": "opt29"}).status_code == 200
    assert live.call("restore_user_precalc", id=oid) == {"status": 0, "msg": "NOSERVICEDATA"}
    assert live.call("restore_user", id=oid) == {"status": 0, "msg": "Service not found"}
    assert client.delete("/_mock/catalogue/countries/RO").get_json() == {"deleted": True}
    assert live.call("restore_user_precalc", id=oid) == {"status": 0, "msg": "NOORDERCOUNTRY"}
