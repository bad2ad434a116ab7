"""`rent-mock serve` as a real process: prints the URL and a ready key, serves, stops cleanly on Ctrl-C."""
import os
import signal
import subprocess
import sys

import requests


def start(*args):
    cmd = [sys.executable, "-m", "mockserver.cli", "serve", "--port", "0", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines = []
    while not lines or not lines[-1].startswith("Ctrl-C"):
        line = proc.stdout.readline()
        assert line, "".join(lines)
        lines.append(line)
    info = {k.strip(): v.strip() for k, _, v in (l.partition(" : ") for l in lines[1:-1]) if v}
    return proc, info, lines


def test_serve_prints_url_and_key_then_stops_on_ctrl_c():
    proc, info, lines = start("--seed", "4", "--clock", "manual", "--start", "1700000000", "--balance", "42")
    try:
        assert lines[0].startswith("smspva-rent-mock serving http://127.0.0.1:")
        base, key = info["base URL"], info["apikey"]
        assert info["balance"] == "42" and info["dashboard"] == base + "/"
        body = requests.get(f"{base}/api/rent.php", params={"method": "orders", "apikey": key}, timeout=10).json()
        assert body == {"status": 1, "data": []}
        assert requests.get(f"{base}/_mock/clock", timeout=10).json()["now"] == 1_700_000_000
    finally:
        proc.send_signal(signal.SIGINT)
        out = proc.communicate(timeout=20)[0]
    assert proc.returncode == 0 and "rent-mock stopped." in out


def test_serve_refuses_to_listen_beyond_loopback_without_a_token():
    proc = subprocess.run([sys.executable, "-m", "mockserver.cli", "serve", "--host", "0.0.0.0", "--port", "0"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and "--admin-token" in proc.stderr


def test_serve_rejects_a_broken_catalogue(tmp_path):
    bad = tmp_path / "cat.json"
    bad.write_text('{"services": [], "countries": [{"code": "XX", "providers": [], "services": {}}]}')
    proc = subprocess.run([sys.executable, "-m", "mockserver.cli", "serve", "--port", "0", "--catalogue", str(bad)],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and "country XX" in proc.stderr and "ISO 3166" in proc.stderr
