"""Public clients' calls, written anew from their cited sources under tests/clients/, run against a fresh mock:
each gets the outcome it got from the live service (docs/evidence.md)."""
import subprocess
import sys
from pathlib import Path

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


def test_go_rental_client_reads_the_later_sources_shapes():
    """W16: create_multi one object, add_service_to_order {id, pnumber, service, until}, history with
    isAvailForRestore, restore_user {id}: the Go client goes through where it stopped after paying."""
    run = check_client("go_rental_provider.py")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "restored" in run.stdout and "no contract violations" in run.stdout
