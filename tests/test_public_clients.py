"""Public clients' calls, written anew from their cited sources under tests/clients/, run against a fresh mock:
each gets the outcome it got from the live service (docs/evidence.md)."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import phonenumbers
import pytest

HERE = Path(__file__).parent


def check_client(script: str, tmp_path, **env) -> tuple[subprocess.CompletedProcess, dict]:
    """The client run by `check-client` against a fresh mock, with the JSON report of what it did."""
    report = tmp_path / f"{script}.json"
    # they rent numbers to keep them (the bot hands its number to a user), not to read a code: --keeps-numbers
    run = subprocess.run([sys.executable, "-m", "mockserver.cli", "check-client", "--keeps-numbers", "--report",
                          str(report), "--", sys.executable, str(HERE / "clients" / script)], capture_output=True,
                         text=True, timeout=120, env={**os.environ, **env})
    return run, json.loads(report.read_text())


def completed_within_the_contract(run: subprocess.CompletedProcess, report: dict) -> None:
    """The client went through its flow (exit 0) and every answer it got kept the live contract. These scripts
    rebuild a client's reads of its rental flow, not its SMS polling (the bot reads SMS on a user's command), so
    they are judged as clients that keep their numbers: the run holds on contract, money and pacing."""
    assert report["client_exit_code"] == 0, run.stdout + run.stderr
    assert report["judged_as"] == "keeps-numbers" and report["exit_code"] == 0, report["findings"]
    assert "judged as a client that keeps the numbers it rents (--keeps-numbers)" in " ".join(run.stdout.split())
    assert report["violations"] == [] and report["warnings"] == [], report["violations"]
    held = {item["name"] for item in report["coverage"]["items"] if item["status"] == "held"}
    assert {"requests follow the contract", "money accounted for"} <= held, report["coverage"]["items"]


def test_rental_bot_asks_the_price_then_rents_in_portugal(tmp_path):
    """W14: live, the bot's PT rental (S2) went through its get_service_price check; on the mock too."""
    run, report = check_client("rental_bot.py", tmp_path)
    completed_within_the_contract(run, report)
    assert "rented +351" in run.stdout and report["calls"] == {"create": 1, "activate": 1}


@pytest.mark.parametrize("country,service,region", [("RO", "opt29", "RO"), ("KZ", "opt29", "KZ")])
def test_rental_bot_shows_the_whole_number_in_every_country(tmp_path, country, service, region):
    """W17: the bot shows "+" and pnumber; live writes the whole number in every country, so the bot shows a
    valid number of the country in KZ as in RO (on the national form it showed "+7719141777", no number)."""
    run, report = check_client("rental_bot.py", tmp_path, BOT_COUNTRY=country, BOT_SERVICE=service)
    completed_within_the_contract(run, report)
    shown = re.search(r"rented (\+\d+) ", run.stdout)
    assert shown, run.stdout
    assert phonenumbers.is_valid_number_for_region(phonenumbers.parse(shown.group(1)), region), shown.group(1)


@pytest.mark.parametrize("country", ["RO", "KZ"])
def test_go_rental_client_reads_the_later_sources_shapes(tmp_path, country):
    """W16: create_multi one object, add_service_to_order {id, pnumber, service, until}, history with
    isAvailForRestore, restore_user {id}: the Go client goes through where it stopped after paying. W17: it sends
    back the phone its create returned; in KZ as in RO that is the whole number, which add_service_to_order takes."""
    run, report = check_client("go_rental_provider.py", tmp_path, GO_COUNTRY=country)
    completed_within_the_contract(run, report)
    assert "restored" in run.stdout and report["calls"]["restore_user"] == 1
