"""`rent-mock load`: realistic client traffic (Locust) against any rent.php server, bounded in time and
requests, validated against the contract as it goes; against the mock, the books are audited after."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from decimal import Decimal

import click
import requests

from mockserver.core.accounts import CREDIT_KINDS
from rich.console import Console
from rich.table import Table



def is_mock(base: str) -> bool:
    """True when `base` is smspva-rent-mock."""
    try:
        return requests.get(base + "/_mock/health", timeout=5).json() == {"ok": True}
    except (requests.RequestException, ValueError):
        return False


def audit(base: str, apikeys: list[str]) -> list[str]:
    """Money conserved to the cent, no balance below zero, no number rented twice (mock only)."""
    problems, numbers = [], Counter()
    for key in apikeys:
        acc = requests.get(f"{base}/_mock/accounts/{key}", timeout=10).json()
        credits = sum(Decimal(str(e["amount"])) for e in acc["ledger"] if e["kind"] in CREDIT_KINDS)
        debits = sum(Decimal(str(e["amount"])) for e in acc["ledger"] if e["kind"] not in CREDIT_KINDS)
        balance = Decimal(str(acc["balance"]))
        if balance < 0:
            problems.append(f"{key}: balance {balance} below zero")
        if credits - debits != balance:
            problems.append(f"{key}: credits {credits} − debits {debits} ≠ balance {balance}")
        world = acc["world"]
        orders = requests.get(f"{base}/w/{world}/api/rent.php", params={"method": "orders", "apikey": key},
                              timeout=10).json().get("data", [])
        numbers.update(o["ccode"] + o["pnumber"] for o in orders)
    problems += [f"number {n} rented {c} times" for n, c in numbers.items() if c > 1]
    return problems


def run_load(base: str, apikey: str | None, users: int, spawn_rate: float, seconds: float, max_requests: int,
             dialect: str, speed: float, think: tuple[float, float]) -> tuple[dict, list[str] | None]:
    """Run the Locust process; returns (stats, audit problems or None when the target is not the mock)."""
    config = {"think_min": think[0], "think_max": think[1], "dialect": dialect}
    mock = is_mock(base)
    if mock:
        made = requests.post(base + "/_mock/worlds", json={"clock": "real", "speed": speed, "dialect": dialect,
                                                           "balance": "100"}, timeout=10).json()
        config.update(mock=True, world=made["world"], base_path=made["base_path"])
    elif apikey:
        config["apikey"] = apikey
    else:
        raise click.UsageError("--apikey is needed unless the target is smspva-rent-mock")
    env = {**os.environ, "RENT_LOAD_CONFIG": json.dumps(config)}
    cmd = [sys.executable, "-m", "simulator.locust_run", "--host", base, "--users", str(users),
           "--spawn-rate", str(spawn_rate), "--seconds", str(seconds), "--max-requests", str(max_requests)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 120)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise click.ClickException(f"the load run failed: {done.stderr[-2000:]}")
    stats = json.loads(lines[-1])
    return stats, (audit(base, stats["apikeys"]) if mock else None)


def show(stats: dict, problems: list[str] | None, console: Console | None = None) -> None:
    """Throughput, latency percentiles and error rate per method; the audit."""
    console = console or Console()
    table = Table(title=f"{stats['requests']} requests, {stats['rps']} req/s, "
                        f"{stats['failures']} failures")
    for col in ("method", "requests", "failures", "error %", "req/s", "p50 ms", "p95 ms", "p99 ms"):
        table.add_column(col, justify="left" if col == "method" else "right")
    for name, m in stats["methods"].items():
        rate = 100 * m["failures"] / m["requests"] if m["requests"] else 0
        table.add_row(name, str(m["requests"]), str(m["failures"]), f"{rate:.1f}", str(m["rps"]),
                      f"{m['p50_ms']:.0f}", f"{m['p95_ms']:.0f}", f"{m['p99_ms']:.0f}")
    console.print(table)
    for e in stats["errors"]:
        console.print(f"[red]✗[/red] {e['name']}: {e['error']} ×{e['occurrences']}", highlight=False)
    if problems is not None:
        console.print("[green]books balance: no money lost or created, no number rented twice[/green]"
                      if not problems else "\n".join(f"[red]✗[/red] {p}" for p in problems))


@click.command("load")
@click.option("--base-url", required=True, help="Server root, e.g. http://127.0.0.1:8080")
@click.option("--apikey", help="Account to load (not needed against the mock: each user gets its own).")
@click.option("--users", default=10, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--spawn-rate", default=5.0, show_default=True, type=float)
@click.option("--seconds", default=30.0, show_default=True, type=click.FloatRange(1, 24 * 3600), help="Time bound.")
@click.option("--max-requests", default=10_000, show_default=True, type=click.IntRange(1), help="Request bound.")
@click.option("--dialect", type=click.Choice(["documented", "sdk"]), default="documented", show_default=True)
@click.option("--speed", default=600.0, show_default=True, help="Mock only: the load world's clock speed.")
@click.option("--think", default="0.5,2.0", show_default=True, help="Think time range in seconds: MIN,MAX.")
def load_command(base_url, apikey, users, spawn_rate, seconds, max_requests, dialect, speed, think):
    """Drive a server with realistic clients (Locust, headless, bounded); exit 1 on failures."""
    low, high = (float(v) for v in think.split(","))
    stats, problems = run_load(base_url.rstrip("/"), apikey, users, spawn_rate, seconds, max_requests, dialect,
                               speed, (low, high))
    show(stats, problems)
    sys.exit(1 if stats["failures"] or problems else 0)
