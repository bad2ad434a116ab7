"""--state: every acknowledged write survives SIGKILL and a restart, clock included; replay is exact."""
import json
import signal
import threading
import time

import requests
from freezegun import freeze_time

from mockserver.core.snapshot import dump_world
from mockserver.http.app import create_app
from mockserver.http.runtime import Runtime
from mockserver.serve.server import ServeOptions, build_hub
from mockserver.state.recovery import restore
from mockserver.state.storage import Store
from tests.state_helpers import serve

START = 1_700_000_000
J = {"timeout": 10}


def scripted(client):
    """Writes of every kind across two worlds (one on a real clock), returning the new world's apikey."""
    rent = lambda key, **q: client.get("/api/rent.php", query_string={"apikey": key, **q}).get_json()  # noqa: E731
    a = "demo"
    w = client.post("/_mock/worlds", json={"clock": "real", "speed": 100, "seed": 4, "dialect": "sdk"}).get_json()
    for key in (a, w["apikey"]):
        ids = [rent(key, method="create", dtype="week", dcount=1, country=c, service="opt16")["data"]["id"]
               for c in ("RU", "AT")]
        multi = rent(key, method="create_multi", dtype="week", dcount=1, country="RU", services="opt6,opt7")["data"]
        multi = multi if isinstance(multi, list) else [multi]  # sdk: the first order alone
        rent(key, method="activate", id=ids[0])
        client.post("/_mock/clock", json={"apikey": key, "advance": 1000})
        client.post("/_mock/sms", json={"order": ids[0], "text": "code 1"})
        rent(key, method="sms", id=ids[0])
        rent(key, method="add_service_to_order", id=ids[1], service="opt59", pnumber="43" + "0")  # refused
        client.post(f"/_mock/orders/{ids[1]}/state", json={"state": -1})
        rent(key, method="delete", id=ids[1])
        client.post("/_mock/catalogue/offers", json={"apikey": key, "country": "RU", "service": "opt16",
                                                     "price_day": "3.10", "stock": {"MTS": 4}})
        client.post("/_mock/clock", json={"apikey": key, "advance": 6 * 86400 + 10})
        rent(key, method="prolong", id=ids[0], dtype="week", dcount=1)
        client.post("/_mock/clock", json={"apikey": key, "advance": 3 * 86400})
        rent(key, method="restore_user", id=multi[0]["id"])
        client.post(f"/_mock/accounts/{key}/balance", json={"amount": "5"})
    client.post("/_mock/accounts", json={"balance": 7, "apikey": "late"})
    return w


def test_replaying_the_log_rebuilds_every_world_exactly(tmp_path):
    path = str(tmp_path / "state.db")
    opts = ServeOptions(clock="manual", start=START, apikey="demo", dialect="documented")  # reference catalogue: RU
    with freeze_time("2026-05-01 10:00:00") as frozen:
        hub = build_hub(opts)
        store = Store(path)
        rt = Runtime(hub, store)
        store.checkpoint(hub)
        client = create_app(hub, runtime=rt).test_client()
        frozen.tick(3)
        scripted(client)
        frozen.tick(2)
        before = {name: dump_world(w) for name, w in hub.worlds.items()}
        store.close()

        again = build_hub(ServeOptions(clock="manual", start=START + 999, apikey="other", seed=9, dialect="documented"))
        store2 = Store(path)
        replayed = restore(Runtime(again, store2), store2)
        after = {name: dump_world(w) for name, w in again.worlds.items()}
    assert replayed > 20
    assert json.dumps(after, sort_keys=True) == json.dumps(before, sort_keys=True)


def test_acknowledged_writes_survive_sigkill_mid_run(tmp_path):
    path = str(tmp_path / "state.db")
    proc, base = serve(path)
    api = f"{base}/api/rent.php"
    acked_orders, acked_sms, stop = {}, [], threading.Event()

    def writer():
        i = 0
        while not stop.is_set() and i < 2000:
            i += 1
            try:
                r = requests.get(api, params={"method": "create", "apikey": "demo", "dtype": "week", "dcount": 1,
                                              "country": "DE", "service": "opt59"}, **J).json()
                if r["status"] == 1:
                    acked_orders[r["data"]["id"]] = r["data"]
                    s = requests.post(f"{base}/_mock/sms", json={"order": r["data"]["id"], "text": f"sms {i}"},
                                      **J).json()
                    if s.get("delivered"):
                        acked_sms.append((r["data"]["id"], f"sms {i}"))
            except requests.RequestException:
                return

    try:
        requests.post(f"{base}/_mock/clock", json={"advance": 3600}, **J).raise_for_status()
        thread = threading.Thread(target=writer)
        thread.start()
        deadline = time.monotonic() + 20
        while len(acked_sms) < 40 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)  # mid-run: the writer is still sending
        proc.wait(10)
        stop.set()
        thread.join(10)
    assert len(acked_sms) >= 40

    proc, base = serve(path)
    try:
        orders = requests.get(f"{base}/api/rent.php", params={"method": "orders", "apikey": "demo"}, **J).json()
        live = {o["id"]: o for o in orders["data"]}
        for oid, created in acked_orders.items():
            assert oid in live and live[oid]["pnumber"] == created["pnumber"] and live[oid]["until"] == created["until"]
        for oid, text in acked_sms:
            got = requests.get(f"{base}/api/rent.php", params={"method": "sms", "apikey": "demo", "id": oid}, **J)
            assert text in [s["text"] for s in got.json()["data"]]
        account = requests.get(f"{base}/_mock/accounts/demo", **J).json()
        charged = {e["order"] for e in account["ledger"] if e["kind"] == "create"}
        assert set(acked_orders) <= charged
        debits = sum(e["amount"] for e in account["ledger"] if e["kind"] == "create")
        assert round(1000 - debits, 2) == account["balance"]
        assert requests.get(f"{base}/_mock/clock", **J).json()["now"] == START + 3600
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(20)
