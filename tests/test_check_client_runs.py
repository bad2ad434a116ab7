"""check-client as a judge (#22 item 4): a client that never calls fails and is told why, the default clock
lets a client written for the live service finish, --clock manual stays, --junit and --report, a client
that hangs is stopped with its whole process group; exit codes as every judging tool's."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from xml.etree import ElementTree as ET

CLI = [sys.executable, "-m", "mockserver.cli", "check-client"]

# A client of the live service: rent, activate, poll sms until a code arrives (wall-time limit), delete.
POLLING = '''
import os, sys, time, requests
api, key = os.environ["RENT_MOCK_API_URL"], os.environ["RENT_MOCK_APIKEY"]
get = lambda **p: requests.get(api, params={"apikey": key, **p}, timeout=10).json()
order = get(method="create", dtype="week", dcount=1, country="KZ", service="opt16")["data"]
get(method="activate", id=order["id"])
limit = time.monotonic() + float(sys.argv[1])
while time.monotonic() < limit:
    sms = get(method="sms", id=order["id"])["data"]["SmsList"]
    if sms:
        print(sms[-1]["text"]); get(method="delete", id=order["id"]); sys.exit(0)
    time.sleep(0.5)
get(method="delete", id=order["id"])
sys.exit("no code")
'''


def check(*args, timeout=120):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)


def test_a_client_that_never_calls_fails_and_is_told_why(tmp_path):
    junit, report = tmp_path / "j.xml", tmp_path / "r.json"
    done = check("--junit", str(junit), "--report", str(report), "--", sys.executable, "-c", "pass")
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert ("broken client calls rent.php: the client made no rent.php request: nothing was judged. Usually it "
            "does not read RENT_MOCK_API_URL (or RENT_MOCK_BASE_URL) and calls another server, perhaps the live "
            "service; or it stopped before its first call (see its output)") in lines
    assert lines[-1] == ("3 held, 1 broken, 5 not applicable, 1 NOT JUDGED of 10 checks: something broke the "
                         "contract (exit 1)")
    assert lines[0] == "verdict: " + lines[-1]  # a CI log shows the verdict and the findings first
    assert lines[1].startswith("  broken client calls rent.php: the client made no rent.php request")
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("10", "1", "6")
    body = json.loads(report.read_text())
    assert body["exit_code"] == 1 and body["client_exit_code"] == 0 and body["requests"] == 0
    assert {i["name"]: i["status"] for i in body["coverage"]["items"]} == {
        "scenario outcome": "not applicable", "exit code tells the truth": "not applicable",
        "client calls rent.php": "broken", "requests follow the contract": "NOT JUDGED",
        "money accounted for": "held", "leaves nothing it gave up on running": "not applicable",
        "prolongs only in its window": "held", "pace: calls per minute": "held",
        "pace: polling interval": "not applicable", "pace: Retry-After honoured": "not applicable"}
    assert body["expect"]["code"] == "yes"  # no --scenario: the happy path's world and expectations

def test_the_default_clock_lets_a_client_of_the_live_service_finish(tmp_path):
    client = tmp_path / "poll.py"
    client.write_text(POLLING)
    # the client gives up after 30 s of wall time; online 10-15 s after activate at a minute per second
    done = check("--", sys.executable, str(client), "30")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].endswith("everything that applies was judged and held (exit 0)")
    manual = check("--clock", "manual", "--", sys.executable, str(client), "2")
    assert manual.returncode == 1, manual.stdout
    assert "broken scenario outcome: a code could be had here and the client never read an SMS carrying one " \
           "(exit 1)" in manual.stdout  # the clock stood still: no number online, no code


def test_a_client_that_hangs_is_stopped_with_its_children(tmp_path):
    started = time.monotonic()
    done = check("--timeout", "2", "--", "sh", "-c", "sleep 60; echo never")
    assert time.monotonic() - started < 20
    assert done.returncode == 1
    assert "broken scenario outcome: the client was still running after 2 s: stopped" in done.stdout


def test_paths_and_options_are_checked_before_the_client_runs(tmp_path):
    marker = tmp_path / "ran"
    touch = [sys.executable, "-c", f"open({str(marker)!r}, 'w')"]
    done = check("--report", str(tmp_path / "no" / "r.json"), "--", *touch)
    assert done.returncode == 2 and "the folder" in done.stderr and "does not exist" in done.stderr
    done = check("--xfail", "happy-path", "--", *touch)
    assert done.returncode == 2 and done.stderr.strip() == "Error: --xfail and --jobs go with --matrix"
    done = check("--scenario", "no-such", "--", *touch)
    assert done.returncode == 2 and "unknown scenario 'no-such'" in done.stderr
    assert not marker.exists()


def test_a_scenario_the_world_cannot_load_is_one_line_and_exit_2(tmp_path):
    # a valid file naming a country the live catalogue lacks: the mock refuses it when loading, before any run
    scenario = tmp_path / "ru.toml"
    scenario.write_text('name = "ru"\ndescription = "RU stock"\n[[catalogue]]\ncountry = "RU"\nservice = "opt16"\n'
                        'stock = 3\n')
    marker = tmp_path / "ran"
    touch = [sys.executable, "-c", f"open({str(marker)!r}, 'w')"]
    for matrix in ([], ["--matrix"]):
        done = check(*matrix, "--scenario", str(scenario), "--", *touch)
        assert (done.returncode, done.stderr.splitlines()[-1]) == (
            2, "Error: --scenario ru: catalogue[0].country: unknown country 'RU' (not in this live world's catalogue)"), \
            done.stderr
        assert "Traceback" not in done.stderr and not marker.exists()


def test_one_run_with_a_scenario_scripts_its_world(tmp_path):
    from mockserver.testing.check_client import RunOptions, run_client

    client = tmp_path / "twice.py"
    client.write_text(
        "import os, requests\n"
        "api, key = os.environ['RENT_MOCK_API_URL'], os.environ['RENT_MOCK_APIKEY']\n"
        "rent = dict(method='create', apikey=key, dtype='week', dcount=1, country='KZ', service='opt16')\n"
        "print(os.environ['RENT_MOCK_SCENARIO'])\n"
        "for _ in range(2):\n"
        "    print(requests.get(api, params=rent, timeout=10).json().get('msg', 'rented'))\n")
    run = run_client([sys.executable, str(client)], RunOptions(clock="manual", scenarios=("balance-runs-out",),
                                                               capture=True))
    assert run.output.splitlines() == ["balance-runs-out", "rented", "Balance is not enough"]
    assert run.cost["total"] == "2.10" and run.exit_code == 0  # KZ opt16: 0.30 x 7
    # it rented and exited 0 without reading a code the scenario's world would have sent: judged for it, sms call
    # or not (only a client run with --keeps-numbers says it rents to keep numbers)
    assert [group for group, _ in run.findings()] == ["outcome", "honesty", "leftovers"]


def test_what_the_client_sent_is_printed_as_text_never_read_as_markup():
    # a method or parameter that looks like console markup ("[/b]") once crashed the report with a traceback
    client = ("import os, requests\n"
              "api, key = os.environ['RENT_MOCK_API_URL'], os.environ['RENT_MOCK_APIKEY']\n"
              "requests.get(api, params={'method': 'orders', 'apikey': key, '[/x]': '1'}, timeout=10)\n"
              "requests.get(api, params={'method': '[/b]', 'apikey': key}, timeout=10)\n")
    done = check("--", sys.executable, "-c", client)
    assert (done.returncode, done.stderr) == (1, ""), done.stdout + done.stderr
    found = [line for line in done.stdout.splitlines() if "[/" in line]
    assert found == ["✗ request 2 GET [/b]: unknown method '[/b]' {'method': '[/b]'}",
                     "! request 1 orders: unknown parameter '[/x]'"], found
    [refunds] = [line.split() for line in done.stdout.splitlines() if "refunds" in line]
    assert refunds == ["│", "refunds", "│", "│", "0.00", "│"]  # nothing refunded is not "-0.00"


def test_a_run_ends_when_the_client_exits_though_a_helper_holds_its_output(tmp_path):
    # --matrix read the output until EOF: a client that exited 0 leaving a helper behind was "still running
    # after 600 s: stopped" (a single run, whose output is not captured, passed it in 0.7 s)
    import os
    import signal

    from mockserver.testing.check_client import RunOptions, run_client

    pid = tmp_path / "helper.pid"
    script = f"sleep 60 & echo $! > {pid}; echo client done; exit 0"
    try:
        run = run_client(["sh", "-c", script], RunOptions(clock="manual", capture=True, timeout=20))
    finally:
        if pid.exists():
            os.kill(int(pid.read_text()), signal.SIGKILL)
    assert (run.exit_code, run.timed_out) == (0, False)
    assert run.output == "client done\n"


def test_a_run_keeps_the_last_of_a_long_output_and_says_what_went(tmp_path):
    # 200 MB printed was 678 MB of memory: the matrix keeps the last 256 KiB
    from mockserver.testing.check_client import OUTPUT_KEPT, RunOptions, run_client

    code = "import sys\nfor i in range(200_000): sys.stdout.write(f'line {i:08d} ' + 'x' * 40 + chr(10))"
    run = run_client([sys.executable, "-c", code], RunOptions(clock="manual", capture=True, timeout=60))
    lines = run.output.splitlines()
    assert lines[0] == f"[{200_000 * 55 - OUTPUT_KEPT} bytes of output before these not kept]"
    assert lines[-1] == "line 00199999 " + "x" * 40
    assert len(run.output) < OUTPUT_KEPT + 100


def test_requests_past_the_journal_bound_are_a_finding_not_a_silent_verdict(monkeypatch):
    from mockserver.testing import check_client

    monkeypatch.setattr(check_client, "JOURNAL_KEPT", 3)
    code = ("import os, requests\nfor _ in range(5): requests.get(os.environ['RENT_MOCK_API_URL'], "
            "params={'method': 'getcountries'}, timeout=10)")
    run = check_client.run_client([sys.executable, "-c", code], check_client.RunOptions(clock="manual", timeout=60))
    assert run.report.requests == 3 and run.unjudged == 2
    assert ("contract", "2 requests were not judged: a run keeps the last 3 (run the suite in parts)") in run.findings()
