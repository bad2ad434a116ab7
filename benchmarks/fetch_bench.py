"""Calls per second from one client thread to the mock: requests.Session (what the tools used) against
contracts.fetch (what they use now: a total deadline, a size cap, keep-alive per thread).

Usage: python benchmarks/fetch_bench.py [--calls 2000]
Starts the mock in this process on a free loopback port (manual clock) and calls `getcountries` and
`orders`, alternating, with each client in turn; prints one JSON line per client and the ratio.
"""
from __future__ import annotations

import argparse
import json
import platform
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from contracts.fetch import Fetcher  # noqa: E402
from mockserver.serve.server import ServeOptions, make_server  # noqa: E402


def run(name: str, get, base: str, key: str, calls: int) -> dict:
    """`calls` calls through `get(url, params)`; calls per second and the mean in microseconds."""
    url = base + "/api/rent.php"
    for _ in range(50):  # warm up: connections made, code paths loaded
        get(url, {"method": "getcountries"})
    started = time.perf_counter()
    for i in range(calls):
        params = {"method": "getcountries"} if i % 2 else {"method": "orders", "apikey": key}
        get(url, params)
    took = time.perf_counter() - started
    return {"client": name, "calls": calls, "seconds": round(took, 3), "calls_per_second": round(calls / took),
            "mean_us": round(took / calls * 1e6)}


def main() -> None:
    """Measure both clients against one mock and print the figures with the machine they came from."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    served = make_server(ServeOptions(port=0, clock="manual", apikey="bench", balance="1000"))
    threading.Thread(target=served.server.run, daemon=True).start()
    base = f"http://127.0.0.1:{served.server.effective_port}"
    try:
        session = requests.Session()
        fetcher = Fetcher(deadline=20)
        rows = [run("requests.Session", lambda u, p: session.get(u, params=p, timeout=20).json(), base, "bench",
                    args.calls),
                run("contracts.fetch", lambda u, p: fetcher.get(u, p).json(), base, "bench", args.calls)]
    finally:
        served.close()
    machine = {"cores": os.cpu_count(), "python": platform.python_version(),
               "command": f"python benchmarks/fetch_bench.py --calls {args.calls}",
               "date": time.strftime("%Y-%m-%d")}
    for row in rows:
        print(json.dumps({**row, **machine}))
    print(json.dumps({"fetch_over_requests": round(rows[1]["calls_per_second"] / rows[0]["calls_per_second"], 2)}))


if __name__ == "__main__":
    main()
