"""One way to reach a server across the tools: root URL, admin token, connection errors, spend cap,
worlds in the asked dialect and deleted after (GET /_mock/worlds shows what is left)."""
import json
import socket
import threading

import pytest
from decimal import Decimal
import requests
from click.testing import CliRunner

from contracts.cli import fuzz, run_verify, verify
from contracts.fuzz import fuzz as run_fuzz
from contracts.registry import METHODS
from contracts.target import TargetError, root_url
from simulator.load import load_command
from mockserver.serve.server import ServeOptions, make_server


@pytest.fixture(scope="module")
def token_server():
    served = make_server(ServeOptions(port=0, clock="manual", admin_token="s3cret"))
    threading.Thread(target=served.server.run, daemon=True).start()
    yield f"http://127.0.0.1:{served.server.effective_port}"
    served.close()


def dead_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def worlds(base, token=None):
    headers = {"X-Mock-Token": token} if token else {}
    return requests.get(base + "/_mock/worlds", headers=headers, timeout=10).json()["worlds"]


def names(base, token=None):
    return {w["world"] for w in worlds(base, token)}


@pytest.mark.parametrize("command", [verify, fuzz, load_command])
def test_a_rent_php_url_is_refused_in_one_line_naming_the_root(command, live_server):
    result = CliRunner().invoke(command, ["--base-url", live_server + "/api/rent.php"])
    assert result.exit_code == 2
    assert result.output == (f"Error: --base-url {live_server}/api/rent.php names rent.php itself; "
                             f"give the root URL: {live_server}\n")


@pytest.mark.parametrize("command", [verify, fuzz, load_command])
def test_a_dead_port_is_one_line(command):
    base = dead_port()
    result = CliRunner().invoke(command, ["--base-url", base])
    assert result.exit_code == 2
    assert result.output == f"Error: cannot connect to {base}: Connection refused\n"


@pytest.mark.parametrize("command", [verify, fuzz, load_command])
def test_allow_spend_without_a_cap_is_refused(command, live_server):
    result = CliRunner().invoke(command, ["--base-url", live_server, "--allow-spend"])
    assert result.exit_code == 2
    assert "--allow-spend needs --max-spend AMOUNT: spending is always capped" in result.output


def test_verify_dialect_sdk_on_a_documented_server_makes_an_sdk_world_and_deletes_it(live_server):
    before = names(live_server)
    verdict = run_verify(live_server, None, "sdk", False, None, 0.0)
    assert verdict.ok, verdict.violations()[:5]
    assert verdict.dialect == "sdk" and verdict.speaks == ["sdk"]
    assert names(live_server) == before  # the world it made is gone


def test_worlds_are_listed(live_world):
    base, name, _ = live_world
    listed = {w["world"]: w for w in worlds(base)}
    assert listed["default"]["base_path"] == ""
    assert listed[name] == {"world": name, "dialect": "documented", "clock": "manual", "now": 1_700_000_000,
                            "accounts": 1, "base_path": f"/w/{name}"}


def test_a_mock_with_a_token_needs_it_and_says_so(token_server):
    result = CliRunner().invoke(verify, ["--base-url", token_server], env={"RENT_MOCK_ADMIN_TOKEN": None})
    assert result.exit_code == 2
    assert result.output == (f"Error: {token_server} is smspva-rent-mock with an admin token: "
                             "pass --admin-token or set RENT_MOCK_ADMIN_TOKEN\n")
    wrong = CliRunner().invoke(verify, ["--base-url", token_server, "--admin-token", "nope"])
    assert "the token given was refused" in wrong.output and wrong.exit_code == 2


def test_verify_with_the_token_from_the_environment_runs_the_whole_lifecycle(token_server):
    result = CliRunner().invoke(verify, ["--base-url", token_server], env={"RENT_MOCK_ADMIN_TOKEN": "s3cret"})
    assert result.exit_code == 0, result.output
    assert "prolong_max" in result.output and "no violations" in result.output
    assert [w["world"] for w in worlds(token_server, "s3cret")] == ["default"]


def test_fuzz_on_the_mock_makes_its_own_world_in_the_dialect_and_deletes_it(live_server):
    before = names(live_server)
    result = CliRunner().invoke(fuzz, ["--base-url", live_server, "--dialect", "sdk", "--examples", "2"])
    assert result.exit_code == 0, result.output
    assert "0 failures" in result.output and " of play money (the test world's account)" in result.output
    assert result.output.rstrip().endswith(f"{len(METHODS)} held, 0 broken, 0 not applicable, 0 NOT JUDGED of "
                                           f"{len(METHODS)} operations: everything that applies was judged and "
                                           "held (exit 0)")
    assert f"fuzzing: 0 of {len(METHODS)} operations: getcountries" in result.output  # progress (stderr)
    assert names(live_server) == before


def test_fuzz_spending_stays_within_the_cap_and_says_what_it_skipped(live_world):
    base, name, key = live_world
    result = run_fuzz(f"{base}/w/{name}", key, examples=6, allow_spend=True, max_spend=Decimal("20"))
    account = requests.get(f"{base}/_mock/accounts/{key}", timeout=10).json()
    assert account["balance"] >= 80
    assert "of 20 (estimated from the catalogue's prices)" in result.spending
    assert "calls skipped for lack of budget" in result.spending


def test_verify_under_a_cap_spends_within_it_and_reports_what_it_skipped(live_server, tmp_path):
    out = tmp_path / "r.json"
    result = CliRunner().invoke(verify, ["--base-url", live_server, "--allow-spend", "--max-spend", "5",
                                         "--report", str(out)])
    report = json.loads(out.read_text())
    assert result.exit_code == 3, result.output  # skipped steps are not violations, but they were NOT JUDGED
    assert report["exit_code"] == 3 and report["coverage"]["counts"]["NOT JUDGED"] == 7
    assert report["not_judged"][0].startswith("NOT JUDGED create_multi: the spend guard stopped it: create_multi "
                                              "would cost about ")
    assert report["not_judged"][0].endswith(", over the budget left (1.57) (judge it with --max-spend AMOUNT (more))")
    assert report["not_judged"][-1] == ("NOT JUDGED restore_user: create or create_multi did not give orders to go "
                                        "on with (the spend guard stopped a call it builds on) (judge it with "
                                        "--max-spend AMOUNT (more))")
    assert report["spending"] == ("spent about 3.43 of 5 (estimated from the catalogue's prices); "  # 0.49 × 7
                                  "1 calls skipped for lack of budget"), result.output
    assert "create_multi would cost about" in report["skipped"][0]


def test_load_uses_the_admin_token_and_deletes_its_world(token_server):
    result = CliRunner().invoke(load_command, ["--base-url", token_server, "--users", "2", "--spawn-rate", "10",
                                               "--seconds", "2", "--think", "0.05,0.1"],
                                env={"RENT_MOCK_ADMIN_TOKEN": "s3cret"})
    assert result.exit_code == 0, result.output
    assert "users: 2 asked, 2 spawned, 2 ran" in result.output and "books balance" in result.output
    assert names(token_server, "s3cret") == {"default"}


@pytest.mark.parametrize("given, said", [
    ("smspva.com", "--upstream 'smspva.com' has no scheme; give the root URL: https://smspva.com"),
    ("localhost:8080/api/rent.php", "--upstream 'localhost:8080/api/rent.php' has no scheme; give the root URL: "
                                    "http://localhost:8080"),
    ("smspva.com/rent.php?apikey=SECRET", "--upstream 'smspva.com/rent.php' has no scheme; give the root URL: "
                                          "https://smspva.com"),
    ("https://smspva.com/api/rent.php", "--upstream https://smspva.com/api/rent.php names rent.php itself; give the "
                                        "root URL: https://smspva.com"),
    ("https://smspva.com/?apikey=SECRET", "--upstream carries a query, which has no place in a root URL (keys travel "
                                          "in each call); give the root URL: https://smspva.com"),
    ("https://me:SECRET@smspva.com:8443/", "--upstream carries a user name or password, which has no place in a root "
                                           "URL (keys travel in each call); give the root URL: https://smspva.com:8443"),
    ("ftp://me:SECRET@host/", "--upstream 'ftp://host/' is not an http(s) URL; give the root URL, e.g. "
                              "http://127.0.0.1:8080"),
])
def test_a_root_url_is_refused_naming_the_root_and_never_echoing_a_key(given, said):
    with pytest.raises(TargetError) as info:
        root_url(given, "--upstream")
    assert info.value.message == said and "SECRET" not in said and info.value.exit_code == 2
