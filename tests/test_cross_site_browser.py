"""A real browser (Chromium) cannot change the mock from another site: a form post and a no-cors fetch
from a foreign page, and a DNS-rebinding page (a foreign name resolving to 127.0.0.1), are refused."""
import pytest
import requests

from tests.test_dashboard import ARGS, CHROMIUM, playwright

REBIND = "rebind.test"


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        # Chromium's own local-network checks off: the mock must hold without them (other browsers lack them)
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            *ARGS, f"--host-resolver-rules=MAP {REBIND} 127.0.0.1",
            "--disable-features=LocalNetworkAccessChecks,PrivateNetworkAccessSendPreflights,"
            "PrivateNetworkAccessRespectPreflightResults,BlockInsecurePrivateNetworkRequests"])
        yield b
        b.close()


@pytest.fixture
def moved_world(live_server):
    """A world whose clock was moved: a reset would move it back to its start."""
    made = requests.post(f"{live_server}/_mock/worlds", json={"start": 1_700_000_000}, timeout=10).json()
    moved = requests.post(f"{live_server}/_mock/clock", json={"world": made["world"], "advance": 1000}, timeout=10)
    assert moved.json()["now"] == 1_700_001_000
    yield made["world"]
    requests.delete(f"{live_server}/_mock/worlds/{made['world']}", timeout=10)


def now_of(base, world):
    return requests.get(f"{base}/_mock/clock", params={"world": world}, timeout=10).json()["now"]


def test_a_foreign_page_cannot_reset_a_world(browser, live_server, moved_world):
    page = browser.new_page()
    attack = f"""<!doctype html><title>cute cats</title>
<form id=f method=POST action="{live_server}/_mock/reset" enctype="text/plain">
<input name='{{"world":"{moved_world}","x":"' value='"}}'></form>
<script>
  const url = "{live_server}/_mock/reset";
  window.fetched = Promise.all([
    fetch(url, {{method: "POST", mode: "no-cors", body: JSON.stringify({{world: "{moved_world}"}})}}),
    fetch(url + "?world={moved_world}", {{method: "POST", mode: "no-cors"}}),
  ]).then(() => "sent", (e) => String(e));
</script>"""
    page.route("http://evil.example/**", lambda route: route.fulfill(status=200, content_type="text/html", body=attack))
    page.goto("http://evil.example/")
    assert page.evaluate("window.fetched") == "sent"
    with page.expect_navigation():
        page.evaluate("document.getElementById('f').submit()")
    assert "control calls" in page.content()  # the mock's refusal, shown where the form landed
    assert now_of(live_server, moved_world) == 1_700_001_000
    page.close()


def test_a_dns_rebinding_page_cannot_reach_the_control_api(browser, live_server, moved_world):
    port = live_server.rsplit(":", 1)[1]
    page = browser.new_page()
    page.goto(f"http://{REBIND}:{port}/")  # the mock's own dashboard, under a name an attacker controls
    status = page.evaluate(f"""fetch("/_mock/reset", {{method: "POST", headers: {{"content-type": "application/json"}},
                                  body: JSON.stringify({{world: "{moved_world}"}})}}).then((r) => r.status)""")
    assert status == 403
    assert page.evaluate('fetch("/_mock/worlds/default/snapshot").then((r) => r.status)') == 403
    assert now_of(live_server, moved_world) == 1_700_001_000
    page.close()
