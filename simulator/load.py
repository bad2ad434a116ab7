"""`rent-mock load`: realistic client traffic (Locust) against any rent.php server, bounded in time and
requests, validated against the contract as it goes in the dialect the server speaks; against the mock, the
books are audited after. A run says how many users really ran: users that could not start or stalled (no
answer from the server) fail it like errors do; a check it could not make is NOT JUDGED (exit 3)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter, deque
from decimal import Decimal

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from contracts.client import RentClient, SpendGuard, speaks
from contracts.extras import require
from contracts.paths import OutputFile
from contracts.progress import progress
from contracts.registry import DIALECTS
from contracts.target import (Target, budget, connect, one_line_errors, spend_options, target_options,
                              temporary_world)
from contracts.verdict import NOT_JUDGED, Ledger, partial_ok_option
from mockserver.core.accounts import CREDIT_KINDS

METHODS = ("getdata", "get_rent_history", "create", "activate", "orders", "sms", "prolong_max", "delete")


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
        client = RentClient(f"{target.base}/w/{acc['world']}", key, fetcher=target.fetcher)
        orders = client.call("orders").payload
        numbers.update(str(o.get("ccode")) + str(o.get("pnumber")) for o in (orders or {}).get("data") or []
                       if isinstance(o, dict))
    problems += [f"number {n} rented {c} times" for n, c in numbers.items() if c > 1]
    return problems, spent


def audit(base: str, apikeys: list[str], token: str | None = None) -> list[str]:
    """The books' problems (mock only); empty when they balance."""
    return books(Target(base, token), apikeys)[0]


def user_report(asked: int, spawned: int, start_errors: Counter, started: int, waiting: list[float], ended: float,
                think_max: float) -> dict:
    """How many users ran; a user stalled when it had waited for an answer from the server for more than 5
    think times (at least 10 s) at the end (`waiting`: since when each waiting user waits). A user that
    waits only because it chose to (its budget, its think time) is not stalled."""
    stall = max(10.0, 5 * think_max)
    return {"asked": asked, "spawned": spawned, "started": started,
            "could_not_start": sum(start_errors.values()), "start_errors": dict(start_errors),
            "stalled": sum(1 for since in waiting if ended - since > stall), "stall_seconds": stall}


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
             allow_spend: bool = False, max_spend: Decimal | None = None,
             timeout: float = 20.0) -> tuple[dict, list[str] | None]:
    """Run the load; returns (stats, audit problems or None when the target is not the mock).

    `dialect` "auto" validates in the dialect the target speaks (the mock's world's; elsewhere the one its
    catalogue answers fit). Rentals are priced from the server's catalogue, in whatever dialect it answers."""
    target = connect(base, token, timeout)
    config = {"think_min": think[0], "think_max": think[1], "seconds": seconds, "users": users, "timeout": timeout}
    if not target.is_mock:
        if not apikey:
            raise click.UsageError("--apikey is needed unless the target is smspva-rent-mock")
        if not allow_spend:
            raise click.UsageError("load rents numbers, which costs money on this server: pass --allow-spend "
                                   "--max-spend AMOUNT")
        target.check_apikey("--apikey", apikey)
        client = RentClient(target.base, apikey, SpendGuard(), fetcher=target.fetcher)
        offers = client.offers()
        found, fits = speaks(client)
        dialect = found if dialect == "auto" else dialect
        config.update(apikey=apikey, max_spend=str(max_spend), dialect=dialect, **_offers(offers))
        stats = _locust(target.base, config, users, spawn_rate, seconds, max_requests)
        stats.update(dialect=dialect, speaks=fits)
        return stats, None
    dialect = target.mock_dialect if dialect == "auto" else dialect
    with temporary_world(target, dialect, clock="real", speed=speed, balance="100") as made:
        client = RentClient(target.base + made["base_path"], made["apikey"], fetcher=target.fetcher)
        config.update(mock=True, world=made["world"], base_path=made["base_path"], token=token, dialect=dialect,
                      **_offers(client.offers()))
        stats = _locust(target.base, config, users, spawn_rate, seconds, max_requests)
        problems, spent = books(target, stats["apikeys"])
    stats.update(spent=str(spent), dialect=dialect, speaks=[dialect])
    return stats, problems


def _offers(offers: list) -> dict:
    """The load's offers (the five cheapest in stock) and their prices, for the Locust process."""
    cheapest = offers[:5]
    return {"offers": [[c, s] for c, s, _, _ in cheapest], "prices": [[c, s, str(p)] for c, s, p, _ in cheapest]}


RENTAL = ("create", "activate", "orders", "sms", "prolong_max", "delete")


def ledger(stats: dict, problems: list[str] | None) -> Ledger:
    """Each method the renters call, the users and (on the mock) the books: held, broken or NOT JUDGED."""
    led = Ledger("checks")
    first = {}
    for e in stats["errors"]:
        first.setdefault(e["name"], f"{e['error']} (×{e['occurrences']})")
    for name in METHODS:
        row = stats["methods"].get(name, {"requests": 0, "failures": 0})
        if row["failures"]:
            led.broken(name, f"{row['failures']} of {row['requests']} calls failed: {first.get(name, '')}")
        elif row["requests"]:
            led.held(name)
        elif name in RENTAL and stats.get("skipped_cost_unknown"):
            led.not_judged(name, "no rental ran: the offers' prices were not in the server's catalogue")
        elif name in RENTAL and stats.get("skipped_for_budget"):
            led.not_judged(name, "no rental fitted the budget", "--max-spend AMOUNT (more)")
        else:
            led.not_judged(name, "no user got that far within the time bound", "--seconds N (more)")
    u = stats["users"]
    if u["could_not_start"] or u["stalled"]:
        led.broken("users", f"{u['could_not_start']} could not start {u['start_errors'] or ''}; {u['stalled']} "
                            f"stalled (the server did not answer for {u['stall_seconds']:.0f} s)")
    elif u["started"]:
        led.held("users")
    else:
        led.not_judged("users", "no user started within the time bound", "--seconds N (more)")
    if problems is None:
        led.not_applicable("books", "a server that is not the mock shows no books")
    elif problems:
        led.broken("books", problems[0], problems[1:])
    else:
        led.held("books")
    return led


def write_report(stats: dict, problems: list[str] | None, path: str, partial_ok: bool) -> None:
    """The run as JSON (stats, the audit, the ledger, the exit code), or JUnit XML when `path` ends in .xml."""
    ledger(stats, problems).write(path, f"rent.php load ({stats.get('dialect')})",
                                  {**{k: v for k, v in stats.items() if k != "apikeys"}, "books": problems}, partial_ok)


def show(stats: dict, problems: list[str] | None, console: Console | None = None, partial_ok: bool = False) -> None:
    """Users that ran, throughput, latency percentiles and error rate per method; spending; the audit; what was
    NOT JUDGED and the verdict with its exit code."""
    console = console or Console()
    table = Table(title=f"{stats['requests']} requests, {stats['rps']} req/s, "
                        f"{stats['failures']} failures")
    for col in ("method", "requests", "failures", "error %", "req/s", "p50 ms", "p95 ms", "p99 ms"):
        # a narrow console folds a long name, never cuts it ("prolong_…" could be either prolong)
        table.add_column(col, justify="left" if col == "method" else "right",
                         overflow="fold" if col == "method" else "ellipsis")
    for name, m in stats["methods"].items():
        rate = 100 * m["failures"] / m["requests"] if m["requests"] else 0
        table.add_row(escape(name), str(m["requests"]), str(m["failures"]), f"{rate:.1f}", str(m["rps"]),
                      f"{m['p50_ms']:.0f}", f"{m['p95_ms']:.0f}", f"{m['p99_ms']:.0f}")
    console.print(table)
    for e in stats["errors"]:
        # the reason quotes the server's answer: text, never markup (a "[/b]" in it was a traceback)
        console.print("[red]✗[/red] " + escape(f"{e['name']}: {e['error']} ×{e['occurrences']}"), highlight=False)
    u = stats["users"]
    line = f"users: {u['asked']} asked, {u['spawned']} spawned, {u['started']} ran"
    if u["spawned"] < u["asked"]:
        line += " (the time bound came before every user was spawned: raise --seconds or --spawn-rate)"
    console.print(line, highlight=False)
    if u["could_not_start"]:
        console.print("[red]✗[/red] " + escape(f"{u['could_not_start']} users could not start: {u['start_errors']}"),
                      highlight=False)
    if u["stalled"]:
        console.print(f"[red]✗[/red] {u['stalled']} users stalled (no answer for {u['stall_seconds']:.0f} s)",
                      highlight=False)
    if "spent" in stats:
        over, unknown = stats.get("skipped_for_budget", 0), stats.get("skipped_cost_unknown", 0)
        console.print(f"spent {stats['spent']}" + (f"; {over} rentals skipped for lack of budget" if over else "")
                      + (f"; {unknown} rentals not tried: their cost is unknown (not in the catalogue read)"
                         if unknown else ""), highlight=False)
    if problems is not None:
        console.print("[green]books balance: no money lost or created, no number rented twice[/green]"
                      if not problems else "\n".join(f"[red]✗[/red] {escape(p)}" for p in problems))
    led = ledger(stats, problems)
    console.print(f"validated in the {stats.get('dialect')} dialect", highlight=False)
    for entry in led.of(NOT_JUDGED):
        console.print(entry.line(), highlight=False, markup=False)
    console.print(led.verdict_line(partial_ok), highlight=False, markup=False)


@click.command("load")
@target_options
@click.option("--apikey", help="Account to load (not needed against the mock: each user gets its own).")
@click.option("--users", default=10, show_default=True, type=click.IntRange(1, 10_000), help="Simulated clients.")
@click.option("--spawn-rate", default=5.0, show_default=True, type=click.FloatRange(0.1, 10_000),
              help="Users started per second.")
@click.option("--seconds", default=30.0, show_default=True, type=click.FloatRange(1, 24 * 3600), help="Time bound.")
@click.option("--max-requests", default=10_000, show_default=True, type=click.IntRange(1), help="Request bound.")
@click.option("--dialect", type=click.Choice(("auto",) + DIALECTS), default="auto", show_default=True,
              help="Dialect the answers are validated in (and, on the mock, of the load's world); auto: the one "
                   "the server speaks.")
@click.option("--speed", default=600.0, show_default=True, type=click.FloatRange(0.001, 1_000_000),
              help="Mock only: the load world's clock speed.")
@click.option("--think", default="0.5,2.0", show_default=True, help="Think time in seconds: MIN,MAX (or one value).")
@spend_options
@click.option("--report", "report_path", type=OutputFile(), help="Write a report: *.xml for JUnit, else JSON.")
@partial_ok_option
@one_line_errors
def load_command(base_url, admin_token, timeout, apikey, users, spawn_rate, seconds, max_requests, dialect, speed,
                 think, allow_spend, max_spend, report_path, partial_ok):
    """Drive a server with realistic clients (Locust, headless, bounded).

    Exit 0: every check held; 1: contract failures, users that could not start or stalled, broken books;
    2: could not run; 3: checks NOT JUDGED (e.g. no rental fitted the budget), unless --partial-ok.
    """
    cap = budget(allow_spend, max_spend)
    think_range = parse_think(think)
    require("locust", "load", "rent-mock load")
    stats, problems = run_load(base_url, apikey, users, spawn_rate, seconds, max_requests, dialect, speed,
                               think_range, admin_token, allow_spend, cap, timeout)
    show(stats, problems, partial_ok=partial_ok)
    if report_path:
        write_report(stats, problems, report_path, partial_ok)
    sys.exit(ledger(stats, problems).exit_code(partial_ok))
