"""`rent-mock serve --log-requests`: a line per call (time, method, key suffix, HTTP status, envelope status,
ms), never a whole key."""
from __future__ import annotations

import io
import re
import time

import requests

from mockserver.http.request_log import RequestLog, key_suffix

KEY = "k-0123456789abcdef"
LINE = re.compile(r"^[0-9]{2}:[0-9]{2}:[0-9]{2} (?P<method>\S+) +(?P<key>\S+) +(?P<http>[0-9]{3}|no answer) "
                  r"(?P<status>[01-]) +(?P<ms>[0-9]+\.[0-9]) ms(?P<rest>.*)$")


def test_a_line_names_the_call_and_never_a_whole_key():
    log = RequestLog(io.StringIO(), local_time=lambda: time.struct_time((2026, 1, 2, 12, 4, 5, 0, 0, 0)))
    assert log.line("create", KEY, 200, 1, 3.14) == "12:04:05 create                   …cdef 200 1      3.1 ms"
    assert log.line("sms", "demo", 200, 0, 0.5, msg="Order not found", world="w1").endswith(
        "  0.5 ms Order not found world w1")
    assert log.line("orders", None, 0, None, 2.0, fault="drop").split()[2:5] == ["-", "no", "answer"]
    assert [key_suffix(k) for k in (None, "", "short", "exactly8", "ninechars")] == ["-", "-", "…", "…", "…hars"]


def test_serve_logs_every_call_on_the_console(tmp_path):
    from tests.serve_helpers import SERVE, start_server

    started = start_server([*SERVE, "--port", "0", "--clock", "manual", "--apikey", KEY, "--log-requests"])
    proc, base = started.proc, started.base
    try:
        api = f"{base}/api/rent.php"
        requests.get(api, params={"method": "create", "apikey": KEY, "dtype": "week", "dcount": 1, "country": "KZ",
                                  "service": "opt16"}, timeout=10)
        requests.get(api, params={"method": "sms", "apikey": KEY, "id": 1}, timeout=10)
        requests.post(f"{base}/_mock/faults", json={"method": "orders", "kind": "http", "times": 1}, timeout=10)
        requests.get(api, params={"method": "orders", "apikey": KEY}, timeout=10)
        requests.get(f"{base}/priemnik.php", params={"metod": "get_balance", "apikey": KEY}, timeout=10)
    finally:
        stop_output = _stop(proc)
    logged = [LINE.match(line) for line in stop_output.splitlines() if LINE.match(line)]
    assert [(m["method"], m["key"], m["http"], m["status"]) for m in logged] == [
        ("create", "…cdef", "200", "1"), ("sms", "…cdef", "200", "0"), ("orders", "…cdef", "503", "-"),
        ("priemnik:get_balance", "…cdef", "200", "-")]
    assert logged[1]["rest"] == " Order not found" and logged[2]["rest"] == " fault http"
    assert KEY not in stop_output  # (the banner, read before, is the one place that shows it)


def _stop(proc) -> str:
    import signal

    proc.send_signal(signal.SIGINT)
    out = proc.communicate(timeout=60)[0]
    assert proc.returncode == 0, out
    return out
