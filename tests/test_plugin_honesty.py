"""The rent_mock fixture never lies (issue 27 item 5): call assertions read every call of the test or fail
saying how many the journal dropped; rent_mock.sleep moves the world's clock; the docs show the sleeping
client's example as it is (its two patterns run as tests/test_readme.py blocks)."""
from __future__ import annotations

from pathlib import Path

import pytest
import requests

from mockserver.testing.pytest_plugin import named_root, new_world
from tests.hostile_server import HostileServer

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.rent_mock(journal_size=5)
def test_assertions_fail_saying_how_many_calls_the_journal_dropped(rent_mock):
    rent_mock.call("create", dtype="week", dcount=1, country="KZ", service="opt16")
    for _ in range(6):
        rent_mock.call("orders")
    assert len(rent_mock.journal()) == 5
    with pytest.raises(AssertionError) as dropped:
        rent_mock.assert_called("create")  # once said "called 0 times": the create had been dropped
    assert str(dropped.value).startswith("this world's journal let go of its 2 oldest requests (it keeps the last 5), "
                                         "so the calls of this test cannot all be read; give the test a larger "
                                         "journal: @pytest.mark.rent_mock(journal_size=10000)")
    with pytest.raises(AssertionError, match="let go of its 2 oldest"):
        rent_mock.assert_not_called("prolong")


@pytest.mark.rent_mock(journal_size=50)
def test_assertions_read_every_call_while_the_journal_holds_them(rent_mock):
    for _ in range(40):
        rent_mock.call("orders")
    assert len(rent_mock.assert_called("orders", times=40)) == 40


def test_sleep_moves_the_worlds_clock_and_applies_due_events(rent_mock):
    order = rent_mock.call("create", dtype="week", dcount=1, country="KZ", service="opt16")["data"]
    rent_mock.call("activate", id=order["id"])
    before = rent_mock.now()
    assert rent_mock.sleep(899.2) is None
    assert rent_mock.now() - before == 900  # whole seconds, rounded up
    [shown] = [o for o in rent_mock.call("orders")["data"] if o["id"] == order["id"]]
    assert shown["state"] == 1  # online: the activation delay (10-15 min) ran out on the way


def test_the_docs_show_the_sleeping_client_as_it_is():
    page = (ROOT / "docs" / "testing-clients.md").read_text(encoding="utf-8")
    assert (ROOT / "examples" / "code_waiter.py").read_text(encoding="utf-8") in page


@pytest.mark.parametrize("named,said", [
    ("127.0.0.1:8080", "rent_mock: RENT_MOCK_BASE_URL '127.0.0.1:8080' has no scheme; give the root URL: "
                       "http://127.0.0.1:8080"),
    ("http://127.0.0.1:8080/api/rent.php", "rent_mock: RENT_MOCK_BASE_URL http://127.0.0.1:8080/api/rent.php "
                                           "names rent.php itself; give the root URL: http://127.0.0.1:8080"),
])
def test_a_base_url_that_cannot_be_the_mocks_root_fails_naming_the_root(named, said):
    # it failed with requests' InvalidSchema traceback, or a 404 from .../api/rent.php/_mock/worlds
    with pytest.raises(pytest.fail.Exception) as failed:
        named_root(named)
    assert str(failed.value) == said
    assert named_root("http://127.0.0.1:8080/") == "http://127.0.0.1:8080"


def test_a_server_without_the_control_api_fails_saying_it_is_not_the_mock():
    with HostileServer() as hostile:  # /_mock/health and /_mock/worlds answer 404, as any other rent.php server
        root = hostile.url("html")
        with pytest.raises(pytest.fail.Exception) as failed:
            new_world(requests.Session(), root, {})
    assert str(failed.value) == (f"rent_mock: {root} answered POST /_mock/worlds with HTTP 404: it is not "
                                 f"rent-mock serve (RENT_MOCK_BASE_URL names the mock's root URL)")
