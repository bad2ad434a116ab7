"""A small client of the live service, written the way many are: rent a number, ask for it to come
online, poll until a code arrives, print it, delete the rental. It knows nothing of the mock."""
import os
import time

import requests

API = os.environ.get("RENT_MOCK_API_URL", "https://smspva.io/api/rent.php")
KEY = os.environ["RENT_MOCK_APIKEY"]


def call(method, **params):
    answer = requests.get(API, params={"method": method, "apikey": KEY, **params}, timeout=10).json()
    if answer["status"] != 1:
        raise SystemExit(f"{method} refused: {answer['msg']}")
    return answer.get("data")


order = call("create", dtype="week", dcount=1, country="KZ", service="opt16")
call("activate", id=order["id"])
deadline = time.monotonic() + 20  # seconds of wall time
while time.monotonic() < deadline:
    mine = [o for o in call("orders") if o["id"] == order["id"]]
    sms = call("sms", id=order["id"])["SmsList"]
    if sms:
        print("code:", sms[-1]["text"])
        call("delete", id=order["id"])
        break
    time.sleep(0.5)
else:
    raise SystemExit(f"no code for order {order['id']} within 20 s")
