"""Public clients' calls, written anew from their cited sources under tests/clients/, run against a fresh mock:
each gets the outcome it got from the live service (docs/evidence.md)."""
import re
import subprocess
import sys
from pathlib import Path

import phonenumbers
import pytest

HERE = Path(__file__).parent


def check_client(script: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mockserver.cli", "check-client", "--", sys.executable,
                           str(HERE / "clients" / script)], capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, **env})


def test_rental_bot_asks_the_price_then_rents_in_portugal():
    """W14: live, the bot's PT rental (S2) went through its get_service_price check; on the mock too."""
    run = check_client("rental_bot.py")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "rented +351" in run.stdout and "no contract violations" in run.stdout


@pytest.mark.parametrize("country,service,region", [("RO", "opt29", "RO"), ("KZ", "opt29", "KZ")])
def test_rental_bot_shows_the_whole_number_in_every_country(country, service, region):
    """W17: the bot shows "+" and pnumber; live writes the whole number in every country, so the bot shows a
    valid number of the country in KZ as in RO (on the national form it showed "+7719141777", no number)."""
    run = check_client("rental_bot.py", BOT_COUNTRY=country, BOT_SERVICE=service)
    assert run.returncode == 0, run.stdout + run.stderr
    shown = re.search(r"rented (\+\d+) ", run.stdout)
    assert shown and "no contract violations" in run.stdout, run.stdout
    assert phonenumbers.is_valid_number_for_region(phonenumbers.parse(shown.group(1)), region), shown.group(1)


@pytest.mark.parametrize("country", ["RO", "KZ"])
def test_go_rental_client_reads_the_later_sources_shapes(country):
    """W16: create_multi one object, add_service_to_order {id, pnumber, service, until}, history with
    isAvailForRestore, restore_user {id}: the Go client goes through where it stopped after paying. W17: it sends
    back the phone its create returned; in KZ as in RO that is the whole number, which add_service_to_order takes."""
    run = check_client("go_rental_provider.py", GO_COUNTRY=country)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "restored" in run.stdout and "no contract violations" in run.stdout
