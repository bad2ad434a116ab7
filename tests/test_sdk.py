"""The official Python SDK (smspva-sdk), unmodified, drives a live mock on 127.0.0.1 through every rental method."""
import pytest
import requests

from contracts.validate import check_response

smspva = pytest.importorskip("smspva", reason="the test extra installs smspva-sdk")

DAY = 86_400
START = 1_700_000_000


@pytest.fixture
def sdk_world(live_server):
    made = requests.post(f"{live_server}/_mock/worlds", json={"seed": 11, "start": START, "dialect": "sdk",
                                                            "balance": "500"}, timeout=10).json()
    # the world's own base URL, so the SDK's keyless catalogue calls read this world too
    client = smspva.SMSPVA(made["apikey"], rental_base_url=live_server + made["base_path"], timeout=10)
    yield client, live_server, made
    client.close()
    requests.delete(f"{live_server}/_mock/worlds/{made['world']}", timeout=10)


def control(base, path, body):
    r = requests.post(f"{base}/_mock{path}", json=body, timeout=10)
    r.raise_for_status()
    return r.json()


SDK_TO_WIRE = {
    "get_countries": "getcountries", "get_default_services": "get_default_services",
    "get_countries_by_service": "get_country_by_service", "get_data": "getdata",
    "get_data_with_providers": "getdataWithProviders", "get_count": "getcount",
    "get_count_with_providers": "getCountWithProviders", "get_multi_service_count": "get_count_multi",
    "get_canada_paypal_days": "get_days_canada_paypal", "get_minimum_paypal_days": "get_min_paypal_days",
    "create": "create", "create_multi": "create_multi", "add_service_to_order": "add_service_to_order",
    "get_orders": "orders", "activate": "activate", "get_sms": "sms", "prolong": "prolong",
    "prolong_by_days": "prolong_max", "delete_order": "delete", "get_history": "get_rent_history",
    "get_restore_cost": "restore_user_precalc", "restore": "restore_user",
}


def test_sdk_runs_the_whole_rental_lifecycle(sdk_world):
    client, base, made = sdk_world
    rental = client.rental
    key = made["apikey"]
    seen = {}

    def run(name, **kwargs):
        answer = getattr(rental, name)(**kwargs)
        assert check_response(SDK_TO_WIRE[name], answer, "sdk") == [], (name, answer)
        seen[name] = answer
        return answer.get("data")

    assert {"name": "Россия", "code": "RU"}.items() <= run("get_countries")[0].items()
    run("get_default_services")
    assert "RU" in run("get_countries_by_service", service="opt16", dtype="week", dcount=1)
    assert run("get_data", country="RU", dtype="week", dcount=1)["totalAmount"] > 0
    assert "MTS" in run("get_data_with_providers", country="RU", dtype="week", dcount=1)["allOperators"]
    stock = run("get_count", country="RU", dtype="week", dcount=1)["opt16"]
    run("get_count_with_providers", country="AT", dtype="week", dcount=1)
    run("get_multi_service_count", country="RU", services="opt6,opt7", dtype="week", dcount=1)
    run("get_canada_paypal_days")
    run("get_minimum_paypal_days", country="CA", service="opt83")

    created = run("create", dtype="week", dcount=1, country="RU", service="opt16")
    assert run("get_count", country="RU", dtype="week", dcount=1)["opt16"] == stock - 1
    first = run("create_multi", dtype="week", dcount=1, country="RU", services="opt6,opt7")
    assert first["service"] == "opt6"  # the SDK's one object: the first order; the second shares its number
    multi = [o for o in rental.get_orders()["data"] if o["pnumber"] == first["pnumber"]]
    assert [o["scode"] for o in multi] == ["opt6", "opt7"] and multi[0]["id"] == first["id"]
    added = run("add_service_to_order", id=created["id"], service="opt59", pnumber="7" + created["pnumber"])
    assert added == {"id": created["id"], "pnumber": created["pnumber"], "service": "opt59",
                     "until": created["until"]}
    run("activate", id=created["id"])
    control(base, "/clock", {"world": made["world"], "advance": 900})
    assert [o["state"] for o in run("get_orders") if o["id"] == created["id"]] == [1]
    assert control(base, "/sms", {"order": created["id"], "text": "Code Instagram: 671 094.", "sender": "FACEBOOK"})
    control(base, "/sms", {"order": created["id"], "text": "Avito 1234", "service": "opt1"})
    sms = run("get_sms", id=created["id"])
    assert [s["text"] for s in sms["SmsList"]] == ["Code Instagram: 671 094."]
    assert [s["text"] for s in sms["OtherSms"]] == ["Avito 1234"]

    control(base, "/clock", {"world": made["world"], "advance": 6 * DAY})
    balance = requests.get(f"{base}/_mock/accounts/{key}", timeout=10).json()["balance"]
    run("prolong_by_days", id=created["id"], dtype="day", dcount=2)
    run("prolong", id=created["id"], dtype="week", dcount=1)
    after = requests.get(f"{base}/_mock/accounts/{key}", timeout=10).json()["balance"]
    # every service on the order is prolonged: opt16 at 0.49/day plus the added opt59 at 0.66/day, 9 days
    assert round(balance - after, 2) == 10.35
    run("delete_order", id=multi[1]["id"])
    control(base, "/clock", {"world": made["world"], "advance": 2 * DAY})  # multi[0] expires
    history = run("get_history", skip=0, take=10)
    assert [h["orderId"] for h in history] == [multi[0]["id"], multi[1]["id"]]
    assert [h["isAvailForRestore"] for h in history] == [True, False]
    cost = run("get_restore_cost", id=multi[0]["id"])
    assert cost["outdays"] == 2 and cost["orderid"] == multi[0]["id"]  # 1 day 15 min late, rounded up
    assert run("restore", id=multi[0]["id"]) == {"id": multi[0]["id"]}
    assert set(seen) == set(SDK_TO_WIRE)


def test_sdk_sees_errors_as_api_errors(sdk_world):
    client, _, _ = sdk_world
    with pytest.raises(smspva.ApiError) as info:
        client.rental.get_restore_cost(id=123)
    assert info.value.response == {"status": 0, "msg": "NOREMOTEDATA"}
    with pytest.raises(smspva.ApiError) as info:
        client.rental.create(dtype="week", dcount=1, country="RU", service="opt999")
    assert info.value.response == {"status": 0, "msg": "Unknown service: opt999"}
