"""`rent-mock serve` as a real process: prints the URL and a ready key, serves, stops cleanly on Ctrl-C."""
import re
import signal
import subprocess
import sys

import click
import requests

from tests.serve_helpers import SERVE, start_server


def start(*args):
    """`rent-mock serve --port 0 ARGS` once its banner is out: the process, the banner's fields and its lines."""
    started = start_server([*SERVE, "--port", "0", *args])
    return started.proc, started.info, started.lines


def test_serve_prints_url_and_key_then_stops_on_ctrl_c():
    proc, info, lines = start("--seed", "4", "--clock", "manual", "--start", "1700000000", "--balance", "42")
    try:
        assert lines[0].startswith("smspva-rent-mock serving http://127.0.0.1:")
        base, key = info["base URL"], info["apikey"]
        assert info["balance"] == "42.0000" and info["dashboard"] == base + "/"  # as the account API writes money
        account = requests.get(f"{base}/priemnik.php", params={"metod": "get_balance", "service": "opt16",
                                                                "apikey": key}, timeout=10).json()
        assert account["balance"] == info["balance"]  # live writes four decimals (W8b)
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


def cli(*args, **kwargs):
    from click.testing import CliRunner
    from mockserver.cli import main

    return CliRunner().invoke(main, list(args), **kwargs)


def test_serve_refuses_a_port_out_of_range_and_zero_threads_in_one_line():
    port = cli("serve", "--port", "99999")
    assert port.exit_code == 2 and "Invalid value for '--port': 99999 is not in the range 0<=x<=65535." in port.output
    threads = cli("serve", "--port", "0", "--threads", "0")
    assert threads.exit_code == 2 and "Invalid value for '--threads': 0 is not in the range 1<=x<=1024." \
        in threads.output


def test_serve_with_a_state_file_prints_the_files_dialect_and_clock_and_refuses_other_ones(tmp_path):
    state = str(tmp_path / "state.db")
    proc, _, _ = start("--state", state, "--dialect", "sdk", "--clock", "manual")
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=20)
    proc, _, lines = start("--state", state)
    try:
        assert "(sdk dialect, manual clock)" in lines[0]  # the file's world, not the options' defaults
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    clash = cli("serve", "--port", "0", "--state", state, "--dialect", "documented")
    assert clash.exit_code == 2
    assert clash.output == ("rent-mock: --dialect documented: the state file's default world has the sdk dialect; "
                            "drop --dialect, or use a new --state file\n")
    same = cli("serve", "--port", "0", "--state", state, "--clock", "real")
    assert same.exit_code == 2 and "the state file's default world has the manual clock" in same.output


def test_version():
    result = cli("--version")
    assert result.exit_code == 0 and result.output == "rent-mock, version 0.1.0\n"


def test_every_option_of_every_command_has_help():
    from mockserver.cli import main

    missing = [f"{name} {p.opts[0]}" for name, command in main.commands.items() for p in command.params
               if isinstance(p, click.Option) and not p.help]
    assert missing == []


def test_the_default_apikey_is_random_unless_a_seed_or_key_is_chosen():
    from mockserver.serve.server import ServeOptions, build_hub, default_apikey, demo_apikey

    keys = {default_apikey(build_hub(ServeOptions(clock="manual"))) for _ in range(3)}
    assert len(keys) == 3 and demo_apikey(1) not in keys  # no page can guess it
    assert build_hub(ServeOptions(clock="manual")).worlds["default"].config.seed == 1  # numbers stay seeded
    assert default_apikey(build_hub(ServeOptions(clock="manual", seed=1))) == demo_apikey(1)
    assert default_apikey(build_hub(ServeOptions(clock="manual", seed=4))) == demo_apikey(4) != demo_apikey(1)
    assert default_apikey(build_hub(ServeOptions(clock="manual", apikey="mine"))) == "mine"
    assert default_apikey(build_hub(ServeOptions(clock="manual", seed=4, apikey="mine"))) == "mine"


def test_serve_prints_its_random_apikey_and_serves_it():
    proc, info, _ = start("--clock", "manual")
    try:
        key = info["apikey"]
        assert key.isalnum() and len(key) == 32 and not key.startswith("demo")
        body = requests.get(info["base URL"] + "/api/rent.php", params={"method": "orders", "apikey": key},
                            timeout=10).json()
        assert body == {"status": 1, "data": []}
        assert requests.get(info["base URL"] + "/_mock/worlds/default", timeout=10).json()["seed"] == 1
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)


def test_serve_on_a_port_in_use_says_which_and_how_to_pick_another(tmp_path):
    # a new user's first start often meets 8080 taken: "[Errno 98] Address already in use" named neither
    import socket
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "mockserver.cli", "serve", "--port", str(port),
                               "--state", str(tmp_path / "s.db")], capture_output=True, text=True, timeout=30)
    assert (proc.returncode, proc.stderr) == (2, f"rent-mock: cannot listen on 127.0.0.1:{port}: the address is in "
                                                 "use (another server? --port 0 picks a free port)\n")


def test_every_option_of_every_command_is_named_in_the_docs():
    # `rent-mock -h` is not the only door: --pace (verify, fuzz, conform) and load's --spawn-rate were on no page
    from mockserver.cli import main
    from tests.doc_helpers import ROOT
    text = "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
    missing = [f"{name} {opt}" for name, command in main.commands.items() for p in command.params
               if isinstance(p, click.Option) for opt in p.opts[:1]
               if opt.startswith("--") and opt != "--help" and not re.search(rf"{re.escape(opt)}\b(?!-)", text)]
    assert missing == []


def test_a_state_file_in_a_folder_that_does_not_exist_is_named_as_reports_are(tmp_path):
    # it was "rent-mock: [Errno 2] No such file or directory: '.../no/x.db'"
    missing = cli("serve", "--port", "0", "--state", str(tmp_path / "no" / "x.db"))
    assert missing.exit_code == 2 and (f"Invalid value for '--state': {tmp_path / 'no' / 'x.db'} cannot be written: "
                                       f"the folder {tmp_path / 'no'} does not exist") in missing.output
    folder = cli("serve", "--port", "0", "--state", str(tmp_path))
    assert folder.exit_code == 2 and f"Invalid value for '--state': {tmp_path} is a folder, not a file" in folder.output


def test_serve_refuses_an_apikey_that_is_not_text_before_it_reaches_the_state_file(tmp_path):
    # a byte that is not UTF-8 (argv or RENT_MOCK_APIKEY) became '\udcff': the server started, logged the key,
    # and the state file then never started again ("checkpoint of world 'default': ... surrogates not allowed")
    state = tmp_path / "state.db"
    bad = subprocess.run([*SERVE, "--port", "0", "--state", str(state), "--apikey", b"k\xff"], capture_output=True,
                         text=True, errors="replace", timeout=60)
    assert bad.returncode == 2 and not state.exists(), bad.stdout + bad.stderr
    assert "Invalid value for '--apikey': holds bytes that are not UTF-8 text" in bad.stderr
    # a token so made answered every control call, health too, with HTTP 500 UnicodeEncodeError
    token = subprocess.run([*SERVE, "--port", "0", "--admin-token", b"t\xff"], capture_output=True, text=True,
                           errors="replace", timeout=60)
    assert token.returncode == 2 and "Invalid value for '--admin-token': holds bytes that are not UTF-8 text" \
        in token.stderr
    long = cli("serve", "--port", "0", "--apikey", "k" * 129)
    assert long.exit_code == 2 and "Invalid value for '--apikey': is 129 characters; at most 128" in long.output
