"""The issue's "done" journey over real HTTP: rent, activate, advance, SMS, prolong, expire, restore, exact money."""
from decimal import Decimal

import requests

DAY = 86_400
START = 1_700_000_000


def test_rent_activate_sms_prolong_expire_restore(live_world):
    base, world, key = live_world
    api = f"{base}/api/rent.php"

    def call(method, **params):
        body = requests.get(api, params={"method": method, "apikey": key, **params}, timeout=10).json()
        assert body["status"] == 1, (method, body)
        return body.get("data")

    def control(path, body):
        return requests.post(f"{base}/_mock{path}", json={"world": world, **body}, timeout=10).json()

    def balance():
        return Decimal(str(requests.get(f"{base}/_mock/accounts/{key}", timeout=10).json()["balance"]))

    # A price of the test's own: at 2.50/day two weeks leave less than the restore fee (the shipped price is lower).
    control("/catalogue/offers", {"country": "RU", "service": "opt16", "price_day": "2.50"})
    offer = next(s for s in call("getdataWithProviders", country="RU")["services"] if s["service"] == "opt16")
    assert offer["price_day"] == 2.5
    price_day = Decimal(str(offer["price_day"]))
    month_rate = 1 - Decimal(offer["procent"]) / 100 if offer["procent"] and 30 >= offer["procent_days"] else 1

    order = call("create", dtype="week", dcount=1, country="RU", service="opt16")
    assert balance() == Decimal("100") - price_day * 7
    assert order["until"] == START + 7 * DAY
    # exactly 7 days left: not yet "less than 7"
    refused = requests.get(api, params={"method": "prolong", "apikey": key, "id": order["id"], "dtype": "week",
                                        "dcount": 1}, timeout=10).json()
    assert refused == {"status": 0, "msg": "You can prolong number only if before expiring date left less 7 days"}
    assert call("orders")[0]["canprolong"] is False and balance() == Decimal("100") - price_day * 7

    call("activate", id=order["id"])
    assert call("orders")[0]["state"] == 2
    assert control("/sms", {"order": order["id"], "text": "early"})["delivered"] is False
    control("/clock", {"advance": 15 * 60})
    assert call("orders")[0]["state"] == 1
    assert control("/sms", {"order": order["id"], "text": "Code Instagram: 671 094.", "sender": "FACEBOOK"}) == {
        "delivered": True}
    assert call("orders")[0]["hasnewsms"] is True
    assert call("sms", id=order["id"]) == [{"text": "Code Instagram: 671 094.", "sender": "FACEBOOK",
                                            "date": START + 900}]
    assert call("orders")[0]["hasnewsms"] is False

    control("/clock", {"advance": DAY})
    assert call("orders")[0]["canprolong"] is True
    before = balance()
    call("prolong", id=order["id"], dtype="week", dcount=1)
    assert balance() == before - price_day * 7
    assert call("orders")[0]["until"] == START + 14 * DAY

    control("/clock", {"set": START + 14 * DAY + 2 * DAY + 60})  # expired two days and a minute ago
    assert call("orders") == []
    history = call("get_rent_history")
    assert history[0]["orderId"] == order["id"] and history[0]["end"] == START + 14 * DAY
    assert history[0]["closed"] == START + 14 * DAY and history[0]["days"] == 14 and history[0]["haveSms"] is True
    quote = call("restore_user_precalc", id=order["id"])
    fee = price_day * 3 + (price_day * 30 * month_rate).quantize(Decimal("0.01"))
    assert quote["outdays"] == 3 and Decimal(str(quote["price"])) == fee and quote["prolongTo"] == 30
    short = requests.get(api, params={"method": "restore_user", "apikey": key, "id": order["id"]}, timeout=10).json()
    assert balance() < fee and short == {"status": 0, "msg": "Balance is not enough"}
    requests.post(f"{base}/_mock/accounts/{key}/balance", json={"amount": "50"}, timeout=10).raise_for_status()
    before = balance()
    assert call("restore_user", id=order["id"]) is True
    assert balance() == before - fee
    restored = call("orders")[0]
    assert restored["id"] == order["id"] and restored["until"] == START + 16 * DAY + 60 + 30 * DAY
