"""`rent-mock load`: realistic client traffic (Locust) against any rent.php server, bounded in time and
requests, validated against the contract as it goes; against the mock, the books are audited after.
A run says how many users really ran: users that could not start or stalled fail it like errors do."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter, deque
from decimal import Decimal

import click
import requests
from rich.console import Console
from rich.table import Table

from contracts.extras import require
from contracts.progress import progress
from contracts.target import (Target, budget, connect, one_line_errors, spend_options, target_options,
                              temporary_world)
from mockserver.core.accounts import CREDIT_KINDS


def books(target: Target, apikeys: list[str]) -> tuple[list[str], Decimal]:
    """(problems, money spent): money conserved to the cent, no balance below zero, no number rented twice."""
    problems, numbers, spent = [], Counter(), Decimal("0")
    for key in apikeys:
        acc = target.control("GET", f"/accounts/{key}")
        credits = sum(Decimal(str(e["amount"])) for e in acc["ledger"] if e["kind"] in CREDIT_KINDS)
        debits = sum(Decimal(str(e["amount"])) for e in acc["ledger"] if e["kind"] not in CREDIT_KINDS)
        refunds = sum(Decimal(str(e["amount"])) for e in acc["ledger"] if e["kind"] == "refund")
        spent += debits - refunds
        balance = Decimal(str(acc["balance"]))
        if balance < 0:
            problems.append(f"{key}: balance {balance} below zero")
        if credits - debits != balance:
            problems.append(f"{key}: credits {credits} − debits {debits} ≠ balance {balance}")
        world = acc["world"]
        orders = requests.get(f"{target.base}/w/{world}/api/rent.php", params={"method": "orders", "apikey": key},
                              timeout=10).json().get("data", [])
        numbers.update(o["ccode"] + o["pnumber"] for o in orders)
    problems += [f"number {n} rented {c} times" for n, c in numbers.items() if c > 1]
    return problems, spent


def audit(base: str, apikeys: list[str], token: str | None = None) -> list[str]:
    """The books' problems (mock only); empty when they balance."""
    return books(Target(base, token), apikeys)[0]


def user_report(asked: int, spawned: int, start_errors: Counter, last_answers: list[float], ended: float,
                ran_for: float, think_max: float) -> dict:
    """How many users ran; a user stalls when no answer came for 5 think times (at least 10 s) before the end."""
    stall = max(10.0, 5 * think_max)
    stalled = sum(1 for last in last_answers if ended - last > stall) if ran_for > stall else 0
    return {"asked": asked, "spawned": spawned, "started": len(last_answers),
            "could_not_start": sum(start_errors.values()), "start_errors": dict(start_errors),
            "stalled": stalled, "stall_seconds": stall}


def parse_think(text: str) -> tuple[float, float]:
    """`MIN,MAX` (or one number for both) in seconds."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) == 1:
        values *= 2
    if len(values) != 2 or not 0 <= values[0] <= values[1]:
        raise click.BadParameter(f"{text!r}: give MIN,MAX seconds (0 <= MIN <= MAX), e.g. 0.5,2.0 or 1",
                                 param_hint="--think")
    return values[0], values[1]


def _locust(base: str, config: dict, users: int, spawn_rate: float, seconds: float, max_requests: int) -> dict:
    """Run the Locust process, forwarding its progress lines; its stats JSON."""
    env = {**os.environ, "RENT_LOAD_CONFIG": json.dumps(config)}
    cmd = [sys.executable, "-m", "simulator.locust_run", "--host", base, "--users", str(users),
           "--spawn-rate", str(spawn_rate), "--seconds", str(seconds), "--max-requests", str(max_requests)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    tail: deque[str] = deque(maxlen=40)
    with progress("load", None) as step:
        def read_stderr():
            for line in proc.stderr:
                if line.startswith("progress "):
                    step(int(float(line.split()[1])), line.split(" ", 2)[2].strip())
                else:
                    tail.append(line)
        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        # stdout is read here and stderr by the reader alone (communicate() would read stderr too)
        killer = threading.Timer(seconds + 120, proc.kill)
        killer.start()
        out = proc.stdout.read()
        proc.wait()
        killer.cancel()
        reader.join(timeout=5)
        if proc.returncode < 0:
            raise click.ClickException(f"the load run did not stop {seconds + 120:.0f} s after it began")
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise click.ClickException(f"the load run failed: {''.join(tail)[-2000:]}")
    return json.loads(lines[-1])


def run_load(base: str, apikey: str | None, users: int, spawn_rate: float, seconds: float, max_requests: int,
             dialect: str, speed: float, think: tuple[float, float], token: str | None = None,
             allow_spend: bool = False, max_spend: Decimal | None = None) -> tuple[dict, list[str] | None]:
    """Run the load; returns (stats, audit problems or None when the target is not the mock)."""
    target = connect(base, token)
    config = {"think_min": think[0], "think_max": think[1], "dialect": dialect, "seconds": seconds,
              "users": users}
    if not target.is_mock:
        if not apikey:
            raise click.UsageError("--apikey is needed unless the target is smspva-rent-mock")
        if not allow_spend:
            raise click.UsageError("load rents numbers, which costs money on this server: pass --allow-spend "
                                   "--max-spend AMOUNT")
        config.update(apikey=apikey, max_spend=str(max_spend))
        return _locust(target.base, config, users, spawn_rate, seconds, max_requests), None
    with temporary_world(target, dialect, clock="real", speed=speed, balance="100") as made:
        config.update(mock=True, world=made["world"], base_path=made["base_path"], token=token)
        stats = _locust(target.base, config, users, spawn_rate, seconds, max_requests)
        problems, spent = books(target, stats["apikeys"])
    stats["spent"] = str(spent)
    return stats, problems


def failed(stats: dict, problems: list[str] | None) -> bool:
    """A run fails on contract failures, broken books, and users that could not start or stalled."""
    u = stats["users"]
    return bool(stats["failures"] or problems or u["could_not_start"] or u["stalled"])


def show(stats: dict, problems: list[str] | None, console: Console | None = None) -> None:
    """Users that ran, throughput, latency percentiles and error rate per method; spending; the audit."""
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
    u = stats["users"]
    line = f"users: {u['asked']} asked, {u['spawned']} spawned, {u['started']} ran"
    if u["spawned"] < u["asked"]:
        line += " (the time bound came before every user was spawned: raise --seconds or --spawn-rate)"
    console.print(line, highlight=False)
    if u["could_not_start"]:
        console.print(f"[red]✗[/red] {u['could_not_start']} users could not start: {u['start_errors']}",
                      highlight=False)
    if u["stalled"]:
        console.print(f"[red]✗[/red] {u['stalled']} users stalled (no answer for {u['stall_seconds']:.0f} s)",
                      highlight=False)
    if "spent" in stats:
        skipped = stats.get("skipped_for_budget", 0)
        console.print(f"spent {stats['spent']}" + (f"; {skipped} rentals skipped for lack of budget" if skipped
                                                   else ""), highlight=False)
    if problems is not None:
        console.print("[green]books balance: no money lost or created, no number rented twice[/green]"
                      if not problems else "\n".join(f"[red]✗[/red] {p}" for p in problems))


@click.command("load")
@target_options
@click.option("--apikey", help="Account to load (not needed against the mock: each user gets its own).")
@click.option("--users", default=10, show_default=True, type=click.IntRange(1, 10_000), help="Simulated clients.")
@click.option("--spawn-rate", default=5.0, show_default=True, type=click.FloatRange(0.1, 10_000),
              help="Users started per second.")
@click.option("--seconds", default=30.0, show_default=True, type=click.FloatRange(1, 24 * 3600), help="Time bound.")
@click.option("--max-requests", default=10_000, show_default=True, type=click.IntRange(1), help="Request bound.")
@click.option("--dialect", type=click.Choice(["documented", "sdk"]), default="documented", show_default=True,
              help="Dialect the answers are validated in (and, on the mock, of the load's world).")
@click.option("--speed", default=600.0, show_default=True, type=click.FloatRange(0.001, 1_000_000),
              help="Mock only: the load world's clock speed.")
@click.option("--think", default="0.5,2.0", show_default=True, help="Think time in seconds: MIN,MAX (or one value).")
@spend_options
@one_line_errors
def load_command(base_url, admin_token, apikey, users, spawn_rate, seconds, max_requests, dialect, speed, think,
                 allow_spend, max_spend):
    """Drive a server with realistic clients (Locust, headless, bounded); exit 1 on failures or stalled users."""
    cap = budget(allow_spend, max_spend)
    require("locust", "load", "rent-mock load")
    stats, problems = run_load(base_url, apikey, users, spawn_rate, seconds, max_requests, dialect, speed,
                               parse_think(think), admin_token, allow_spend, cap)
    show(stats, problems)
    sys.exit(1 if failed(stats, problems) else 0)
