"""Many threads against the multi-threaded server on tight balances: money to the cent, no double rent."""
import random
import threading
from collections import Counter
from decimal import Decimal

import requests

THREADS, CALLS = 8, 60


def test_parallel_create_prolong_delete_keep_the_books(live_server):
    made = requests.post(f"{live_server}/_mock/worlds", json={"seed": 21, "balance": "30", "refund": "unused",
                                                            "start": 1_700_000_000}, timeout=10).json()
    world = made["world"]
    keys = [made["apikey"]] + [requests.post(f"{live_server}/_mock/accounts",
                                             json={"world": world, "balance": "30"}, timeout=10).json()["apikey"]
                               for _ in range(3)]
    api = f"{live_server}/api/rent.php"
    errors = []

    def worker(n):
        rng = random.Random(n)
        session = requests.Session()
        key = keys[n % len(keys)]
        try:
            for _ in range(CALLS):
                op = rng.choice(["create", "create", "prolong", "delete", "clock"])
                if op == "create":
                    session.get(api, params={"method": "create", "apikey": key, "dtype": "week", "dcount": 1,
                                             "country": "RU", "service": rng.choice(["opt16", "opt59", "opt6"])},
                                timeout=10)
                elif op == "clock":
                    session.post(f"{live_server}/_mock/clock", json={"world": world, "advance": 36_000}, timeout=10)
                else:
                    orders = session.get(api, params={"method": "orders", "apikey": key}, timeout=10).json()["data"]
                    if orders:
                        oid = rng.choice(orders)["id"]
                        params = {"method": op, "apikey": key, "id": oid}
                        if op == "prolong":
                            params.update(dtype="week", dcount=1)
                        session.get(api, params=params, timeout=10)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    numbers = Counter()
    for key in keys:
        account = requests.get(f"{live_server}/_mock/accounts/{key}", timeout=10).json()
        credits = sum(Decimal(str(e["amount"])) for e in account["ledger"] if e["kind"] in ("initial", "topup", "refund"))
        debits = sum(Decimal(str(e["amount"])) for e in account["ledger"] if e["kind"] not in ("initial", "topup", "refund"))
        balance = Decimal(str(account["balance"]))
        assert balance >= 0 and credits - debits == balance
        assert len(account["ledger"]) > 3  # the run really moved money
        for order in requests.get(api, params={"method": "orders", "apikey": key}, timeout=10).json()["data"]:
            numbers[order["ccode"] + order["pnumber"]] += 1
    assert all(n == 1 for n in numbers.values())
