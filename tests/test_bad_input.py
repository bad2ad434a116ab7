"""Arbitrary query strings and control bodies: only well-formed JSON errors, and the world unchanged."""
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.registry import METHODS
from mockserver.core.snapshot import dump_world
from mockserver.http.app import create_app
from tests.conftest import KEY, make_hub
from mockserver.core import catalogue as catalogue_mod

CAT = catalogue_mod.shipped()  # by dialect: these documented worlds start from the reference one (RU)
NAMES = sorted({p.name for m in METHODS.values() for p in m.params} | {"method", "apikey", "x"})
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
VALUES = st.one_of(TEXT, st.integers(-10**12, 10**12).map(str), st.sampled_from(
    ["", "week", "month", "day", "RU", "opt16", "0", "-1", "1e3", "NaN", " 1", "1,2", KEY, "40000"]))
QUERY = st.builds(
    lambda base, head: {**base, **head},
    st.dictionaries(st.one_of(st.sampled_from(NAMES), TEXT), VALUES, max_size=8),
    st.fixed_dictionaries({"method": st.sampled_from(sorted(METHODS)) | TEXT},
                          optional={"apikey": st.sampled_from([KEY, KEY, "nobody", ""])}))
JSONS = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                     max_leaves=12)
CONTROL = st.sampled_from([
    ("POST", "/worlds"), ("POST", "/reset"), ("POST", "/accounts"), ("POST", "/clock"), ("POST", "/sms"),
    ("POST", "/orders/40000/state"), ("POST", f"/accounts/{KEY}/balance"), ("POST", "/catalogue/offers"),
    ("DELETE", "/catalogue/offers"), ("POST", "/catalogue/services"), ("POST", "/faults"),
    ("PUT", "/worlds/default/snapshot"), ("GET", "/journal"), ("DELETE", "/faults"),
])


def fresh():
    hub = make_hub(CAT)
    client = create_app(hub).test_client()
    client.get("/api/rent.php", query_string={"method": "create", "apikey": KEY, "dtype": "week", "dcount": 1,
                                              "country": "RU", "service": "opt16"})
    return hub, client


def state(hub):
    return json.dumps({n: dump_world(w) for n, w in hub.worlds.items()}, sort_keys=True)


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(query=QUERY, verb=st.sampled_from(["GET", "GET", "GET", "POST", "DELETE"]))
def test_arbitrary_rent_queries(query, verb):
    hub, client = fresh()
    before = state(hub)
    r = client.open("/api/rent.php", method=verb, query_string=query)
    assert r.status_code == 200 and r.mimetype == "application/json"
    body = json.loads(r.data)
    assert isinstance(body, dict) and body["status"] in (0, 1) and type(body["status"]) is int
    if body["status"] == 0:
        assert isinstance(body["msg"], str) and body["msg"] and "Traceback" not in body["msg"]
        assert state(hub) == before
    elif not METHODS[query["method"]].mutates:
        assert state(hub) == before


@SETTINGS
@given(target=CONTROL, body=JSONS, raw=st.booleans())
def test_arbitrary_control_bodies(target, body, raw):
    hub, client = fresh()
    before = state(hub)
    verb, path = target
    data = json.dumps(body) if not raw else json.dumps(body)[:-1] or "{"
    r = client.open("/_mock" + path, method=verb, data=data, content_type="application/json")
    assert r.status_code < 500 and r.mimetype == "application/json"
    answer = json.loads(r.data)
    if r.status_code >= 400:
        assert isinstance(answer["error"], str) and answer["error"]
        assert state(hub) == before
