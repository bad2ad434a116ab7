"""The control API refuses what a web page could forge: calls that change state without a JSON
Content-Type (HTML forms), a foreign Origin, and (without an admin token) a Host that is not this
machine's (DNS rebinding)."""
import json

import pytest

from mockserver.http.app import create_app
from tests.conftest import KEY, make_hub
from tests.test_bad_input import CAT, fresh, state

NOT_JSON = "control calls that change state must send Content-Type: application/json"


@pytest.mark.parametrize("kwargs", [
    {"data": {"world": "default"}},                                             # <form> urlencoded
    {"data": {"world": "default"}, "content_type": "multipart/form-data"},      # <form enctype=multipart>
    {"data": '{"world": "default"}', "content_type": "text/plain"},            # <form enctype=text/plain>
    {"data": "", "content_type": "application/x-www-form-urlencoded"},          # an empty form
    {},                                                                         # no body, no Content-Type
    {"data": '{"world": "default"}', "content_type": "application/jsonp"},
])
def test_a_form_post_cannot_reset_a_world(kwargs):
    hub, client = fresh()
    before = state(hub)
    r = client.post("/_mock/reset", **kwargs)
    assert (r.status_code, r.get_json()) == (415, {"error": NOT_JSON})
    assert state(hub) == before


@pytest.mark.parametrize("verb,path", [("POST", "/accounts"), ("PUT", "/worlds/default/snapshot"),
                                       ("DELETE", "/catalogue/offers"), ("POST", f"/accounts/{KEY}/balance")])
def test_every_body_must_be_declared_json(verb, path):
    hub, client = fresh()
    before = state(hub)
    r = client.open("/_mock" + path, method=verb, data='{"balance": "5", "amount": "5"}', content_type="text/plain")
    assert (r.status_code, r.get_json()) == (415, {"error": NOT_JSON})
    assert state(hub) == before


def test_json_with_a_charset_and_bodiless_deletes_pass():
    hub, client = fresh()
    r = client.post("/_mock/reset", data="{}", content_type="application/json; charset=utf-8")
    assert r.status_code == 200
    assert client.delete("/_mock/journal").status_code == 200  # DELETE cannot be sent cross-site without CORS
    assert client.get(f"/_mock/accounts/{KEY}").status_code == 200


@pytest.mark.parametrize("origin", ["http://evil.example", "https://localhost.evil.example", "null",
                                    "http://localhost:9999", "https://localhost", "file://"])
def test_a_foreign_origin_is_refused(origin):
    hub, client = fresh()
    before = state(hub)
    r = client.post("/_mock/reset", json={}, headers={"Origin": origin})
    assert (r.status_code, r.get_json()) == (403, {"error": f"control calls from another origin are refused: {origin}"})
    assert client.get("/_mock/clock", headers={"Origin": origin}).status_code == 403
    assert state(hub) == before


def test_the_pages_own_origin_passes():
    hub, client = fresh()
    r = client.post("/_mock/reset", json={}, headers={"Origin": "http://localhost", "Host": "localhost"})
    assert r.status_code == 200
    r = client.post("/_mock/reset", json={}, headers={"Origin": "http://127.0.0.1:8080", "Host": "127.0.0.1:8080"})
    assert r.status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "127.0.0.1.nip.io:8080", "localhost.evil:80",
                                  "10.0.0.5:8080", "0.0.0.0:8080"])
def test_a_foreign_host_is_refused_without_a_token(host):
    hub, client = fresh()
    before = state(hub)
    for verb in ("GET", "POST"):
        r = client.open("/_mock/reset" if verb == "POST" else f"/_mock/accounts/{KEY}", method=verb, json={},
                        headers={"Host": host})
        assert (r.status_code, r.get_json()) == (403, {
            "error": f"control calls must name this machine in Host (loopback or --allowed-host), got {host}"})
    assert state(hub) == before


@pytest.mark.parametrize("host", ["localhost", "localhost:8080", "127.0.0.1:8080", "127.9.9.9", "[::1]:8080",
                                  "LOCALHOST:1", "dash.localhost:8080"])
def test_loopback_hosts_pass(host):
    hub, client = fresh()
    assert client.post("/_mock/reset", json={}, headers={"Host": host}).status_code == 200


def test_allowed_hosts_and_admin_tokens():
    hub = make_hub(CAT)
    client = create_app(hub, allowed_hosts=("mock.test",)).test_client()
    assert client.post("/_mock/reset", json={}, headers={"Host": "Mock.Test:8080"}).status_code == 200
    assert client.post("/_mock/reset", json={}, headers={"Host": "other.test"}).status_code == 403
    # with a token the token is the guard: a page can send neither it nor a foreign Host
    guarded = create_app(make_hub(CAT), admin_token="s3cret").test_client()
    ok = guarded.post("/_mock/reset", json={}, headers={"Host": "rent-mock:8080", "X-Mock-Token": "s3cret"})
    assert ok.status_code == 200
    form = guarded.post("/_mock/reset", data={"world": "default"}, headers={"X-Mock-Token": "s3cret"})
    assert (form.status_code, form.get_json()) == (415, {"error": NOT_JSON})
    foreign = guarded.post("/_mock/reset", json={}, headers={"X-Mock-Token": "s3cret", "Origin": "http://evil.example"})
    assert foreign.status_code == 403


def test_health_answers_under_any_host():
    hub, client = fresh()
    assert client.get("/_mock/health", headers={"Host": "mock"}).get_json() == {"ok": True}
    assert client.get("/_mock/clock", headers={"Host": "mock"}).status_code == 403


def test_rent_php_is_not_affected():
    hub, client = fresh()
    r = client.get("/api/rent.php", query_string={"method": "orders", "apikey": KEY}, headers={"Host": "evil.example"})
    assert json.loads(r.data)["status"] == 1
