"""The contract's HTTP state machine, driving the live mock (fresh world per run)."""
import os

import requests
from hypothesis import HealthCheck, settings

from contracts.client import RentClient, SpendGuard
from contracts.machine import rental_machine

EXAMPLES = int(os.environ.get("RENT_MOCK_EXAMPLES", "15"))
BASE = {}


def _client():
    base = BASE["url"]
    made = requests.post(f"{base}/_mock/worlds", json={"balance": "120", "seed": 3}, timeout=10).json()
    client = RentClient(base + made["base_path"], made["apikey"], SpendGuard(allow=True))  # play money

    def advance(seconds):
        requests.post(f"{base}/_mock/clock", json={"world": made["world"], "advance": seconds}, timeout=10)

    def balance():
        return requests.get(f"{base}/_mock/accounts/{made['apikey']}", timeout=10).json()["balance"]

    return client, advance, balance


Machine = rental_machine(_client)


def test_http_state_machine(live_server):
    BASE["url"] = live_server
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(Machine, settings=settings(max_examples=EXAMPLES, stateful_step_count=15,
                                                         deadline=None, suppress_health_check=list(HealthCheck)))
