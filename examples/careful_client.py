"""A careful client of the live service: rent a number, bring it online, poll at a sane pace for a code,
print it and exit 0; or give up after its time limit, delete the order and exit 1. It retries what got no
answer, waits as a 429's Retry-After says, never rents twice after a cut create (it lists orders first),
rents again when a number is lost and activates again when one goes offline. It knows nothing of the mock.

    python examples/careful_client.py [PATIENCE_SECONDS] [POLL_SECONDS]
"""
import os
import re
import sys
import time

import requests

API = os.environ.get("RENT_MOCK_API_URL", "https://smspva.io/api/rent.php")
KEY = os.environ["RENT_MOCK_APIKEY"]
RENT = {"dtype": "week", "dcount": 1, "country": "KZ", "service": "opt16"}


class NoAnswer(Exception):
    """The call got no usable answer (dropped, cut, not JSON, too slow)."""


class Client:
    def __init__(self, patience, poll):
        self.deadline, self.poll = time.monotonic() + patience, poll
        self.order_id = None  # the order in hand: deleted on the way out unless its code was read

    def once(self, method, **params):
        """One call; a 429 waits its Retry-After and asks again; no answer raises NoAnswer."""
        for _ in range(10):
            try:
                r = requests.get(API, params={"method": method, "apikey": KEY, **params}, timeout=10)
                if r.status_code == 429:
                    time.sleep(float(r.headers.get("Retry-After", "1")))
                    continue
                return r.json()
            except (requests.RequestException, ValueError) as exc:
                raise NoAnswer(f"{method}: {exc}") from None
        raise NoAnswer(f"{method}: still rate-limited")

    def call(self, method, **params):
        """A call that changes nothing twice: retried (a few times, a second apart) when it got no answer."""
        for _ in range(5):
            try:
                return self.once(method, **params)
            except NoAnswer:
                time.sleep(1)
        raise NoAnswer(f"{method}: no answer after 5 tries")

    def orders(self):
        answer = self.call("orders")
        return {o["id"]: o for o in answer.get("data") or []} if answer["status"] == 1 else {}

    def rent(self):
        """A new order's id, or None when the service refuses; a create whose answer was lost is looked for."""
        known = set(self.orders())
        for _ in range(3):
            try:
                answer = self.once("create", **RENT)
            except NoAnswer:
                new = set(self.orders()) - known  # did it run? then it is paid for: use it, never rent twice
                if new:
                    return min(new)
                time.sleep(1)
                continue
            if answer["status"] != 1:
                print("create refused:", answer["msg"])
                return None
            return answer["data"]["id"]
        return None

    def code_of(self, order_id):
        """The code, "lost", "gone", or None (nothing yet); activates again a number that went offline."""
        answer = self.call("sms", id=order_id)
        if answer["status"] == 1:
            for sms in (answer["data"] or {}).get("SmsList", []):  # OtherSms is another service's
                found = re.search(r"\d{4,8}", sms["text"])
                if found:
                    return found.group()
        order = self.orders().get(order_id)
        if order is None:
            return "gone"
        if order["state"] == -1:
            return "lost"
        if order["state"] == 0:
            self.call("activate", id=order_id)
        return None

    def run(self):
        self.order_id = order_id = self.rent()
        while order_id is not None:
            self.call("activate", id=order_id)
            while time.monotonic() < self.deadline:
                time.sleep(self.poll)
                code = self.code_of(order_id)
                if code == "lost":  # deleting a lost number refunds its unused days
                    self.call("delete", id=order_id)
                    self.order_id = order_id = self.rent()
                    break
                if code == "gone":
                    print(f"order {order_id} ended before a code came")
                    return 1
                if code:
                    print("code:", code)
                    self.call("delete", id=order_id)
                    return 0
            else:
                print(f"no code for order {order_id} in time: giving up")
                self.call("delete", id=order_id)
                return 1
        return 1


if __name__ == "__main__":
    patience = float(sys.argv[1]) if len(sys.argv) > 1 else 60
    poll = float(sys.argv[2]) if len(sys.argv) > 2 else 1
    client = Client(patience, poll)
    try:
        sys.exit(client.run())
    except NoAnswer as exc:
        print("giving up:", exc)
        if client.order_id is not None:  # an order left running would go on costing: close it
            client.once("delete", id=client.order_id)
        sys.exit(1)
