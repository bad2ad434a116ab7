"""A small rent.php client with planted contract bugs, and its own 'test run' (exits 0: its tests pass)."""
import os

import requests

API = os.environ["RENT_MOCK_API_URL"]
KEY = os.environ["RENT_MOCK_APIKEY"]


def get(method, **params):
    return requests.get(API, params={"method": method, **params}, timeout=10).json()


def main():
    assert get("getcountries", apikey=KEY)["status"] == 1  # fine: an apikey where none is needed
    get("create", apikey=KEY, dtype="weeks", dcount=1, country="KZ", service="opt16")  # bug 1: dtype
    order = get("create", apikey=KEY, dtype="week", dcount=1, country="KZ", service="opt16")["data"]
    get("orders")  # bug 2: no apikey
    requests.post(API, params={"method": "activate", "apikey": KEY, "id": order["id"]}, timeout=10)  # bug 3: POST
    get("getBalance", apikey=KEY)  # bug 4: no such method
    get("sms", apikey=KEY, id="abc")  # bug 5: id not an integer
    get("get_rent_history", apikey=KEY, page=2)  # unknown parameter: a warning only
    get("restore_user_precalc", apikey=KEY, id=order["id"])  # DATEDIFFINVERT: a documented code met


if __name__ == "__main__":
    main()
