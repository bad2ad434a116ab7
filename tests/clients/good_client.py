"""A correct little client of the live service (the mock's default dialect): rents, activates through the
control API's clock, reads SMS (`{SmsList, OtherSms}`), deletes."""
import os

import requests

API = os.environ["RENT_MOCK_API_URL"]
KEY = os.environ["RENT_MOCK_APIKEY"]
CONTROL = os.environ["RENT_MOCK_CONTROL_URL"]


def get(method, **params):
    body = requests.get(API, params={"method": method, "apikey": KEY, **params}, timeout=10).json()
    return body


order = get("create", dtype="week", dcount=1, country="KZ", service="opt16")["data"]
get("activate", id=order["id"])
requests.post(CONTROL + "/clock", json={"advance": 900}, timeout=10)
requests.post(CONTROL + "/sms", json={"order": order["id"], "text": "code 1234"}, timeout=10)
# check-client's world is the happy path's: its own code may have come first
assert "code 1234" in [s["text"] for s in get("sms", id=order["id"])["data"]["SmsList"]]
assert get("prolong", id=order["id"], dtype="week", dcount=1)["status"] == 1
get("delete", id=order["id"])
