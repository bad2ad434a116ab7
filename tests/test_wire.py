"""rent.php over HTTP: every method's success shape per dialect, the envelope, and parameter errors."""
import pytest

from contracts.registry import DIALECTS, METHODS
from contracts.validate import check_response
from tests.conftest import START, Api

DAY = 86_400


def world_api(client, **body):
    """An Api bound to a fresh world made through the control API."""
    made = client.post("/_mock/worlds", json={"start": START, "balance": "1000", **body}).get_json()

    def get(path, query):
        return client.get(path, query_string=query).get_json()

    def post(path, payload):
        return client.post(path, json=payload).get_json()

    return Api(get, post, made["apikey"])


def exercise(api: Api) -> dict:
    """Call every method once on a world where each has something to show; returns method -> body."""
    seen = {}

    def call(method, **params):
        body = api.call(method, **params)
        seen.setdefault(method, body)
        assert body["status"] == 1, (method, body)
        return body.get("data")

    for m in ("getcountries", "get_default_services", "get_days_canada_paypal", "get_min_paypal_days"):
        call(m)
    call("get_country_by_service", service="opt16", dtype="week")
    for m in ("getdata", "getdataWithProviders", "getcount", "getCountWithProviders"):
        call(m, country="KZ", dtype="week", dcount=1)
    call("get_count_multi", country="KZ", services="opt6,opt7", dtype="week", dcount=1)
    created = call("create", dtype="week", dcount=1, country="KZ", service="opt16")
    oid = (created[0] if isinstance(created, list) else created)["id"]
    multi = call("create_multi", dtype="week", dcount=1, country="KZ", services="opt6,opt7")
    if isinstance(multi, dict):  # live and sdk answer the first order; the second shares its number (W16)
        multi = [multi] + [o for o in call("orders") if o["pnumber"] == multi["pnumber"] and o["id"] != multi["id"]]
    call("activate", id=oid)
    api.control("/clock", {"apikey": api.apikey, "advance": 900})
    assert api.control("/sms", {"order": oid, "text": "code 1", "sender": "IG"})["delivered"]
    number = multi[0]["ccode"].lstrip("+") + multi[0]["pnumber"]  # whole in live (W17), national elsewhere
    call("add_service_to_order", id=multi[0]["id"], service="opt1", pnumber=number)
    call("orders")
    call("sms", id=oid)
    api.control("/clock", {"apikey": api.apikey, "advance": 6 * DAY})
    call("prolong_max", id=oid, dtype="day", dcount=2)
    call("prolong", id=oid, dtype="week", dcount=1)
    call("delete", id=multi[1]["id"])
    api.control("/clock", {"apikey": api.apikey, "advance": 2 * DAY})  # multi[0] expires
    call("get_rent_history", skip=0, take=10)
    call("restore_user_precalc", id=multi[0]["id"])
    call("restore_user", id=multi[0]["id"])
    return seen


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_method_answers_its_dialects_shape(client, dialect):
    """The whole lifecycle (rent, activate, SMS, prolong, delete, expire, restore) in each dialect."""
    seen = exercise(world_api(client, dialect=dialect))
    assert set(seen) == set(METHODS)
    for method, body in seen.items():
        assert check_response(method, body, dialect) == [], method


def test_the_dialects_differ_where_documented(client):
    doc, sdk = exercise(world_api(client, dialect="documented")), exercise(world_api(client, dialect="sdk"))
    live = exercise(world_api(client, dialect="live"))
    assert set(live["sms"]["data"]) == {"SmsList", "OtherSms"}
    assert set(live["getdata"]["data"]) == set(sdk["getdata"]["data"]) == {"services", "totalAmount"}  # C10: catalogues differ
    assert live["restore_user"]["data"] == {"id": live["restore_user_precalc"]["data"]["orderid"]}  # W16
    assert isinstance(live["get_rent_history"]["data"][0]["isAvailForRestore"], bool)
    assert isinstance(live["create_multi"]["data"], dict) and isinstance(doc["create_multi"]["data"], list)
    assert set(live["add_service_to_order"]["data"]) == {"id", "pnumber", "service", "until"}
    assert "data" not in doc["add_service_to_order"]
    assert {"url_country_name", "rent_switch_type", "rent_avail_prolong"} <= set(live["getcountries"]["data"][0])
    assert isinstance(doc["sms"]["data"], list) and set(sdk["sms"]["data"]) == {"SmsList", "OtherSms"}
    assert isinstance(doc["getdata"]["data"], list) and "totalAmount" in sdk["getdata"]["data"]
    assert doc["restore_user"]["data"] is True and sdk["restore_user"]["data"] == {"id": sdk["restore_user_precalc"]["data"]["orderid"]}
    assert set(doc["getcountries"]["data"][0]) == {"name", "code"}
    assert {"url_country_name", "rent_switch_type", "rent_avail_prolong"} <= set(sdk["getcountries"]["data"][0])
    assert "isAvailForRestore" in sdk["get_rent_history"]["data"][0]
    assert "isAvailForRestore" not in doc["get_rent_history"]["data"][0]


def test_override_create_answers_a_one_element_list(client):
    api = world_api(client, overrides={"create": "list"})
    body = api.call("create", dtype="week", dcount=1, country="RU", service="opt16")
    assert isinstance(body["data"], list) and len(body["data"]) == 1
    assert check_response("create", body, overrides={"create": "list"}) == []
    assert check_response("create", body) != []


def test_unknown_override_variant_is_a_400(client):
    r = client.post("/_mock/worlds", json={"overrides": {"create": "nope"}})
    assert r.status_code == 400 and "overrides.create" in r.get_json()["error"]


def test_both_paths_serve(client):
    for path in ("/api/rent.php", "/rent.php"):
        body = client.get(path, query_string={"method": "getcountries"}).get_json()
        assert body["status"] == 1 and body["data"][0] == {"name": "Россия", "code": "RU"}


@pytest.mark.parametrize("verb", ["post", "put", "delete", "patch"])
def test_only_get(client, verb):
    r = getattr(client, verb)("/api/rent.php?method=getcountries")
    assert r.status_code == 200 and r.get_json() == {"status": 0, "msg": "Only GET requests are accepted"}


@pytest.mark.parametrize("query,msg", [
    ({}, "Missing required parameter: method"),
    ({"method": "nope"}, "Unknown method: nope"),
    ({"method": "orders"}, "Missing required parameter: apikey"),
    ({"method": "orders", "apikey": "wrong"}, "Invalid apikey"),
    ({"method": "getdata"}, "Missing required parameter: country"),
    ({"method": "getdata", "country": "ZZ"}, "Unknown country: ZZ"),
    ({"method": "create", "apikey": "k-alice", "dtype": "year", "dcount": "1", "country": "RU", "service": "opt16"},
     "Parameter dtype must be one of week, month, got 'year'"),
    ({"method": "create", "apikey": "k-alice", "dtype": "week", "dcount": "0", "country": "RU", "service": "opt16"},
     "Parameter dcount must be at least 1, got 0"),
    ({"method": "create", "apikey": "k-alice", "dtype": "week", "dcount": "1.5", "country": "RU", "service": "opt16"},
     "Parameter dcount must be an integer, got '1.5'"),
    ({"method": "sms", "apikey": "k-alice", "id": "abc"}, "Parameter id must be an integer, got 'abc'"),
    ({"method": "sms", "apikey": "k-alice", "id": "1"}, "Order not found"),
    ({"method": "prolong", "apikey": "k-alice", "id": "1", "dtype": "day", "dcount": "1"},
     "Parameter dtype must be one of week, month, got 'day'"),
    ({"method": "create_multi", "apikey": "k-alice", "dtype": "week", "dcount": "1", "country": "RU", "services": ","},
     "Parameter services must list at least one value"),
    ({"method": "restore_user_precalc", "apikey": "k-alice", "id": "123456"}, "NOREMOTEDATA"),
])
def test_errors_name_what_is_wrong(api, query, msg):
    body = api._get("/api/rent.php", query)
    assert body == {"status": 0, "msg": msg}


def test_a_bad_call_changes_nothing(api, world):
    before = (world.accounts["k-alice"].balance, len(world.orders))
    api.call("create", dtype="week", dcount="x", country="RU", service="opt16")
    api.call("create", dtype="week", dcount=1, country="RU", service="opt404")
    assert (world.accounts["k-alice"].balance, len(world.orders)) == before


def test_types_on_the_wire(api):
    created = api.ok("create", dtype="week", dcount=1, country="RU", service="opt16")
    order = api.ok("orders")[0]
    assert type(created["id"]) is int and type(created["until"]) is int and created["ccode"] == "+7"
    assert type(order["state"]) is int and type(order["hasnewsms"]) is bool and type(order["canprolong"]) is bool
    assert isinstance(order["pnumber"], str) and not order["pnumber"].startswith("+")


def test_accounts_are_isolated_on_the_wire(api):
    oid = api.ok("create", dtype="week", dcount=1, country="RU", service="opt16")["id"]
    bob = Api(api._get, api._post, "k-bob")
    assert bob.ok("orders") == []
    for method in ("sms", "activate", "delete"):
        assert bob.call(method, id=oid) == {"status": 0, "msg": "Order not found"}
    assert bob.call("restore_user_precalc", id=oid)["msg"] == "NOTOWNER"
    assert len(api.ok("orders")) == 1


def test_worlds_are_isolated(client):
    a, b = world_api(client), world_api(client)
    oid = a.ok("create", dtype="week", dcount=1, country="RU", service="opt16")["id"]
    assert b.ok("orders") == []
    assert b.call("sms", id=oid) == {"status": 0, "msg": "Order not found"}
    assert b.call("restore_user_precalc", id=oid)["msg"] == "NOREMOTEDATA"


def test_stock_moves_in_the_callers_world_only(client):
    a, b = world_api(client), world_api(client)
    before = a.ok("getcount", country="RU")["opt16"]
    a.ok("create", dtype="week", dcount=1, country="RU", service="opt16")
    assert a.ok("getcount", country="RU")["opt16"] == before - 1
    assert b.ok("getcount", country="RU")["opt16"] == before


def test_world_scoped_paths(client):
    made = client.post("/_mock/worlds", json={"dialect": "sdk"}).get_json()
    base = made["base_path"] + "/api/rent.php"
    scoped = client.get(base, query_string={"method": "getdata", "country": "RU"}).get_json()
    assert "totalAmount" in scoped["data"]  # keyless call read the sdk world
    plain = client.get("/api/rent.php", query_string={"method": "getdata", "country": "RU"}).get_json()
    assert isinstance(plain["data"], list)  # default world: documented
    foreign = client.get(base, query_string={"method": "orders", "apikey": "k-alice"}).get_json()
    assert foreign == {"status": 0, "msg": "Invalid apikey"}
    own = client.get(made["base_path"] + "/rent.php", query_string={"method": "orders", "apikey": made["apikey"]})
    assert own.get_json() == {"status": 1, "data": []}
    assert client.get("/w/nope/api/rent.php?method=getcountries").get_json() == {
        "status": 0, "msg": "Unknown world: nope"}


def test_a_fault_in_the_mock_is_a_json_500_without_traceback(client, monkeypatch):
    from mockserver.http import rent

    def broken(call):
        raise RuntimeError("secret detail")

    monkeypatch.setitem(rent.HANDLERS, "getcountries", broken)
    r = client.get("/api/rent.php?method=getcountries")
    assert r.status_code == 500 and r.get_json() == {"status": 0, "msg": "Internal error in the mock: RuntimeError"}
    assert b"Traceback" not in r.data and b"secret" not in r.data


def test_oversized_query_is_refused(client):
    r = client.get("/api/rent.php?method=getcountries&pad=" + "x" * 9000)
    assert r.get_json() == {"status": 0, "msg": "Query string longer than 8192 bytes"}


def test_unknown_control_path_is_a_json_404(client):
    r = client.get("/_mock/nothing-here")
    assert r.status_code == 404 and "error" in r.get_json()
