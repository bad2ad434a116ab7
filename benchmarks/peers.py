"""Reads against the peers themselves: rent-mock serve beside WireMock and Prism (from npm), bare WSGI and Flask.

Usage: python benchmarks/peers.py [--seconds 5] [--rounds 3] [--connections 32] [--warmup 10] [--npm-dir DIR] [--json]

Every server answers the same `getcountries` bytes on 127.0.0.1: rent-mock serve as shipped (waitress), the
same app on granian when it is installed (the HTTP server alone, measured, not offered), a bare WSGI function
and a bare Flask app on waitress, WireMock standalone (the jar its npm package ships, run by Java) with one
static stub, and Prism mocking an OpenAPI example. WireMock and Prism are installed from npm into --npm-dir on
first use; where Node, npm or Java is missing, that peer is skipped with one line. wrk (apt-get install wrk)
loads each server in turn, round after round, so that other work on the machine weighs on all alike; each
server is warmed first (--warmup seconds: WireMock's JIT). The figures are median req/s over the rounds and
their ratios to rent-mock serve and to WireMock, measured in the same run.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Callable

import requests

from bench import HERE, PY, free_port, wrk

ROOT = HERE.parent
BIN = Path(sys.executable).parent
NPM_DIR = Path.home() / ".cache" / "smspva-rent-mock" / "peers"
NPM_PACKAGES = ("wiremock@3.13", "@stoplight/prism-cli@5")
PATH = "/api/rent.php?method=getcountries"


def install_peers(npm_dir: Path) -> str | None:
    """WireMock and Prism from npm into `npm_dir` (once); why not, in one line, when they cannot be had."""
    if (npm_dir / "node_modules" / "wiremock").is_dir() and (npm_dir / "node_modules" / ".bin" / "prism").exists():
        return None
    if not shutil.which("npm"):
        return "npm not found (install Node.js)"
    npm_dir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(npm_dir), *NPM_PACKAGES],
                          capture_output=True, text=True, timeout=600, check=False)
    return None if done.returncode == 0 else f"npm install failed: {done.stderr.strip()[-300:]}"


def start_mock(port: int, body: str, work: Path) -> list[str]:
    """rent-mock serve as the README starts it, with a known key and the reference catalogue."""
    return [PY, "-m", "mockserver.cli", "serve", "--port", str(port), "--clock", "manual", "--apikey", "bench",
            "--seed", "1"]


def start_granian(port: int, body: str, work: Path) -> list[str] | str:
    """The same app on granian (1 worker, 8 blocking threads), when granian is installed."""
    granian = BIN / "granian"
    if not granian.exists():
        return "granian not installed (pip install granian): the mock's app on granian not measured"
    return [str(granian), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
            "--blocking-threads", "8", "--log-level", "warning", "--no-access-log", "benchmarks.granian_app:app"]


def start_bare(port: int, body: str, work: Path) -> list[str]:
    """A bare WSGI function on waitress, 8 threads."""
    return [PY, str(HERE / "bare_app.py"), str(port), body, "--wsgi"]


def start_flask(port: int, body: str, work: Path) -> list[str]:
    """A bare Flask app on waitress, 8 threads."""
    return [PY, str(HERE / "bare_app.py"), str(port), body]


def start_wiremock(port: int, body: str, work: Path, npm_dir: Path) -> list[str] | str:
    """WireMock standalone with one static stub (no request journal: it would grow without bound)."""
    if not shutil.which("java"):
        return "java not found: WireMock skipped"
    jars = sorted((npm_dir / "node_modules" / "wiremock").glob("**/wiremock-standalone-*.jar"))
    if not jars:
        return f"no wiremock-standalone jar in {npm_dir}: WireMock skipped"
    mappings = work / "wiremock" / "mappings"
    mappings.mkdir(parents=True)
    stub = {"request": {"method": "GET", "urlPath": "/api/rent.php",
                        "queryParameters": {"method": {"equalTo": "getcountries"}}},
            "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": body}}
    (mappings / "getcountries.json").write_text(json.dumps(stub), encoding="utf-8")
    return ["java", "-jar", str(jars[-1]), "--port", str(port), "--bind-address", "127.0.0.1",
            "--root-dir", str(work / "wiremock"), "--disable-banner", "--no-request-journal"]


def start_prism(port: int, body: str, work: Path, npm_dir: Path) -> list[str] | str:
    """Prism mocking an OpenAPI document whose one operation has the body as its example."""
    prism = npm_dir / "node_modules" / ".bin" / "prism"
    if not shutil.which("node") or not prism.exists():
        return "node or prism not found: Prism skipped"
    spec = {"openapi": "3.0.3", "info": {"title": "getcountries", "version": "1"},
            "paths": {"/api/rent.php": {"get": {
                "parameters": [{"name": "method", "in": "query", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "countries", "content": {
                    "application/json": {"example": json.loads(body)}}}}}}}}
    path = work / "prism.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return [str(prism), "mock", str(path), "-h", "127.0.0.1", "-p", str(port)]


def wait_answers(url: str, proc: subprocess.Popen, seconds: float = 90) -> str | None:
    """Wait until `url` answers 200; why not, in one line."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return f"exited {proc.returncode} before answering"
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return None
        except requests.RequestException:
            pass
        time.sleep(0.2)
    return f"did not answer within {seconds:g} s"


def main() -> None:
    """Start every server, load each in turn for some rounds, print the table and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=10, help="seconds of load on each server before measuring")
    parser.add_argument("--npm-dir", type=Path, default=NPM_DIR)
    parser.add_argument("--json", action="store_true", help="end with the figures as one JSON object")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    skipped = install_peers(args.npm_dir)
    servers: list[tuple[str, Callable]] = [
        ("rent-mock serve (waitress)", start_mock), ("the mock's app on granian", start_granian),
        ("bare WSGI on waitress", start_bare), ("bare Flask on waitress", start_flask),
        ("WireMock standalone", lambda *a: skipped or start_wiremock(*a, args.npm_dir)),
        ("Prism mock", lambda *a: skipped or start_prism(*a, args.npm_dir)),
    ]
    procs: dict[str, tuple[subprocess.Popen, str, str]] = {}  # name: (process, url, its answer)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        try:
            mock_port = free_port()
            for name, start in servers:
                port = mock_port if start is start_mock else free_port()
                body = "" if start is start_mock else procs["rent-mock serve (waitress)"][2]
                argv = start(port, body, work)
                if isinstance(argv, str):
                    print(f"{name}: skipped ({argv})")
                    continue
                proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                url = f"http://127.0.0.1:{port}{PATH}"
                why = wait_answers(url, proc)
                if why:
                    proc.kill()
                    print(f"{name}: skipped ({why})")
                    continue
                answer = requests.get(url, timeout=10).text
                procs[name] = (proc, url, answer)
            mock_body = procs["rent-mock serve (waitress)"][2]
            for name, (_, _, answer) in procs.items():
                if json.loads(answer) != json.loads(mock_body):
                    print(f"{name}: its answer differs from the mock's (not the same JSON)")
            for name, (_, url, _) in procs.items():  # warm up: WireMock's JIT, every server's threads
                wrk(url, args.warmup, args.connections)
            rows: dict[str, list[dict]] = {name: [] for name in procs}
            for _ in range(args.rounds):
                for name, (_, url, _) in procs.items():
                    rows[name].append(wrk(url, args.seconds, args.connections))
        finally:
            for proc, *_ in procs.values():
                proc.terminate()
            for proc, *_ in procs.values():
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
    rps = {name: median(r["rps"] for r in rs) for name, rs in rows.items()}
    mock, wiremock = rps["rent-mock serve (waitress)"], rps.get("WireMock standalone")
    print(f"wrk -t2 -c{args.connections} -d{args.seconds}s, {args.rounds} interleaved rounds, median req/s, "
          f"127.0.0.1, GET {PATH} ({len(mock_body):,} bytes); load {os.getloadavg()[0]:.1f}")
    print(f"{'server':<30}{'req/s':>9}{'p99':>10}{'vs rent-mock':>14}{'vs WireMock':>13}")
    figures = {}
    for name, value in rps.items():
        p99 = sorted(rows[name], key=lambda r: r["rps"])[len(rows[name]) // 2]["p99"]
        versus = f"{value / wiremock:.2f}" if wiremock else "-"
        print(f"{name:<30}{value:>9.0f}{p99:>10}{value / mock:>14.2f}{versus:>13}")
        figures[f"getcountries req/s: {name}"] = (f"{value:.0f} ({value / mock:.2f}x rent-mock serve"
                                                  + (f", {value / wiremock:.2f}x WireMock)" if wiremock else ")"))
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
