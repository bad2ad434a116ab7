"""Throughput of the mock against a bare Flask endpoint on the same WSGI server, measured in one run.

Usage: python benchmarks/bench.py [--seconds 5] [--connections 16]
Needs wrk (Debian: apt-get install wrk). Talks only to 127.0.0.1; every load run is bounded in time.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str) -> None:
    for _ in range(200):
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def start_mock(state: str | None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    # documented: its worlds start from the reference catalogue, whose RU and opt59 the benchmark rents
    cmd = [PY, "-m", "mockserver.cli", "serve", "--port", str(port), "--clock", "manual", "--apikey", "bench",
           "--balance", "100000000", "--dialect", "documented"]
    if state:
        cmd += ["--state", state]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_up(base + "/_mock/health")
    return proc, base


def wrk(url: str, seconds: int, connections: int, script: str | None = None, env: dict | None = None) -> dict:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script:
        cmd[1:1] = ["-s", script]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=seconds + 30)
    text = out.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    lat = dict(re.findall(r"\s(50|99)%\s+([\d.]+\w+)", text))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {"rps": rps, "p50": lat.get("50", "?"), "p99": lat.get("99", "?"), "non2xx": int(non2xx.group(1)) if non2xx else 0}


def stock_up(base: str, world: str = "default") -> None:
    """Plenty of opt59 everywhere, through the control API."""
    doc = requests.get(base + "/_mock/catalogue", params={"world": world}, timeout=10).json()
    for country in doc["countries"]:
        stock = {p["name"]: 100_000 for p in country["providers"]}
        requests.post(base + "/_mock/catalogue/offers", json={"world": world, "country": country["code"],
                                                              "service": "opt59", "stock": stock}, timeout=10)


def seed_orders(base: str, apikey: str, count: int) -> None:
    for i in range(count):
        body = requests.get(base + "/api/rent.php", params={"method": "create", "apikey": apikey, "dtype": "week",
                                                            "dcount": 1, "country": ["RU", "AT", "RO", "PL"][i % 4],
                                                            "service": "opt59"}, timeout=10).json()
        assert body["status"] == 1, body


def measure_mock(state: str | None, seconds: int, conns: int) -> dict:
    proc, base = start_mock(state)
    try:
        api = base + "/api/rent.php"
        stock_up(base)
        holder = requests.post(base + "/_mock/accounts", json={"balance": "1000000"}, timeout=10).json()["apikey"]
        seed_orders(base, holder, 100)
        crowd = requests.post(base + "/_mock/accounts", json={"balance": "1000000"}, timeout=10).json()["apikey"]
        seed_orders(base, crowd, 400)  # orders of another account must not slow `orders` down
        other = requests.post(base + "/_mock/worlds", json={"balance": "1000000"}, timeout=10).json()
        stock_up(base, other["world"])
        seed_orders(base, other["apikey"], 400)  # nor those of another world
        results = {
            "getcountries": wrk(api + "?method=getcountries", seconds, conns),
            "orders (100 orders)": wrk(f"{api}?method=orders&apikey={holder}", seconds, conns),
            "create + delete": wrk(base, seconds, conns, str(HERE / "create_delete.lua"), {"BENCH_APIKEY": "bench"}),
        }
        results["_getcountries_body"] = requests.get(api + "?method=getcountries", timeout=10).text
        return results
    finally:
        proc.terminate()
        proc.wait(30)


def measure_bare(body: str, seconds: int, conns: int) -> dict:
    port = free_port()
    proc = subprocess.Popen([PY, str(HERE / "bare_app.py"), str(port), body], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_up(f"http://127.0.0.1:{port}/api/rent.php")
        return wrk(f"http://127.0.0.1:{port}/api/rent.php?method=getcountries", seconds, conns)
    finally:
        proc.terminate()
        proc.wait(30)


def measure_reset(orders: int = 1000) -> float:
    """Milliseconds to reset a world holding `orders` orders (in-process, median of 5)."""
    from decimal import Decimal

    from mockserver.core import catalogue, rental
    from mockserver.core.hub import Hub
    from mockserver.core.world import WorldConfig

    cat = catalogue.load(which="reference")  # RU and opt59, as the HTTP runs rent
    for country in cat.countries.values():
        country.offers["opt59"].stock = dict.fromkeys(country.leases, 100_000)
    hub = Hub(cat, time.time, WorldConfig(accounts={"k": Decimal(10**9)}))
    times = []
    for _ in range(5):
        world = hub.worlds["default"]
        for i in range(orders):
            rental.create(world, "k", "week", 1, ["RU", "AT", "RO", "PL", "DE"][i % 5], ["opt59"])
        started = time.perf_counter()
        hub.reset("default")
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--json", action="store_true", help="end with the figures as one JSON object")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    memory = measure_mock(None, args.seconds, args.connections)
    with tempfile.TemporaryDirectory() as tmp:
        stored = measure_mock(os.path.join(tmp, "state.db"), args.seconds, args.connections)
    bare = measure_bare(memory.pop("_getcountries_body"), args.seconds, args.connections)
    stored.pop("_getcountries_body")
    print(f"wrk -t2 -c{args.connections} -d{args.seconds}s, waitress 8 threads, 127.0.0.1")
    figures = {"bare Flask getcountries (the baseline)": f"{bare['rps']:.0f} req/s, p99 {bare['p99']}"}
    print(f"{'endpoint':<28}{'mode':<10}{'req/s':>9}{'p50':>10}{'p99':>10}{'vs bare':>9}")
    print(f"{'bare Flask getcountries':<28}{'-':<10}{bare['rps']:>9.0f}{bare['p50']:>10}{bare['p99']:>10}{1:>9.2f}")
    for mode, results in (("memory", memory), ("--state", stored)):
        for name, r in results.items():
            ratio = r["rps"] / bare["rps"]
            flag = "" if not r["non2xx"] else f"  ({r['non2xx']} non-2xx)"
            print(f"{name:<28}{mode:<10}{r['rps']:>9.0f}{r['p50']:>10}{r['p99']:>10}{ratio:>9.2f}{flag}")
            figures[f"{name}, {'in memory' if mode == 'memory' else 'with --state'}"] = \
                f"{r['rps']:.0f} req/s ({ratio:.2f}x the bare baseline), p99 {r['p99']}"
    reset = measure_reset()
    print(f"reset of a world with 1,000 orders: {reset:.2f} ms (median of 5)")
    figures["reset of a world with 1,000 orders"] = f"{reset:.2f} ms (median of 5)"
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
