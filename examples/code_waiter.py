"""A client that sleeps between polls (the docs' example of testing one with the rent_mock fixture)."""
import time

import requests


class CodeWaiter:
    """Rents elsewhere, then polls sms for a code, sleeping between polls."""

    def __init__(self, api_url, apikey, sleep=time.sleep):
        self.api_url, self.apikey, self.sleep = api_url, apikey, sleep

    def call(self, method, **params):
        query = {"method": method, "apikey": self.apikey, **params}
        return requests.get(self.api_url, params=query, timeout=10).json()

    def wait_for_code(self, order_id, polls, every):
        for _ in range(polls):
            sms = self.call("sms", id=order_id)["data"]["SmsList"]
            if sms:
                return sms[-1]["text"]
            self.sleep(every)
        return None
