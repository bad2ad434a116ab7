"""contracts.fetch against a hostile server: a total deadline, a size cap while streaming, no redirect
followed, a defensive JSON parse, errors without the query; keep-alive reuse per thread."""
import socket
import threading
import time

import pytest

from contracts.fetch import BadJSON, FetchError, Fetcher, depth, parse_json, where
from tests.hostile_server import DEEP, HostileServer


@pytest.fixture(scope="module")
def hostile():
    with HostileServer(drip=0.2) as server:
        yield server


def call(url, deadline=1.0, max_bytes=1024 * 1024, **kw):
    return Fetcher(deadline=deadline, max_bytes=max_bytes).get(url + "/api/rent.php",
                                                               {"method": "orders", "apikey": "SECRETKEY"}, **kw)


def refused(url, **kw) -> FetchError:
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        call(url, **kw)
    info.value.elapsed = time.monotonic() - started
    assert "SECRETKEY" not in str(info.value) and "method=" not in str(info.value)
    return info.value


def test_a_sane_answer_is_parsed(hostile):
    r = call(hostile.url("ok"))
    assert (r.status, r.json()) == (200, {"status": 1, "data": []})
    assert r.where == f"http://127.0.0.1:{hostile.port}/ok/api/rent.php"
    assert hostile.requests[-1] == ("ok", "GET", "/api/rent.php", {"method": "orders", "apikey": "SECRETKEY"})


def test_a_drip_stops_at_the_total_deadline(hostile):
    err = refused(hostile.url("drip"), deadline=1.0)  # a byte every 0.2 s: no read ever times out
    assert err.kind == "deadline"
    assert str(err) == f"http://127.0.0.1:{hostile.port}/drip/api/rent.php: no complete answer within 1 s"
    assert 0.9 < err.elapsed < 2.0


def test_an_endless_chunked_answer_stops_at_the_deadline(hostile):
    err = refused(hostile.url("chunked"), deadline=0.8)
    assert err.kind == "deadline" and 0.7 < err.elapsed < 2.0


def test_a_server_that_never_answers_stops_at_the_deadline(hostile):
    err = refused(hostile.url("silent"), deadline=0.5)
    assert err.kind == "deadline" and 0.4 < err.elapsed < 1.5


def test_a_huge_answer_is_refused_while_streaming(hostile):
    err = refused(hostile.url("huge"), deadline=10, max_bytes=1024 * 1024)
    assert err.kind == "too-large"
    assert str(err).endswith("(more than 1048576)") and "answer refused at" in str(err)
    assert err.elapsed < 5


def test_a_declared_huge_length_is_refused_before_reading(hostile):
    err = refused(hostile.url("huge-length"), max_bytes=1000)
    assert err.kind == "too-large"
    assert str(err).endswith("answer of 314572800 bytes refused (more than 1000)")


def test_a_redirect_is_not_followed_and_named(hostile):
    err = refused(hostile.url("redirect"))
    assert err.kind == "redirect"
    assert str(err) == (f"http://127.0.0.1:{hostile.port}/redirect/api/rent.php: HTTP 302 redirect to "
                        "elsewhere.invalid not followed")
    assert "LEAK" not in str(err)


def test_a_cut_answer_is_an_error(hostile):
    err = refused(hostile.url("cut"))
    assert (err.kind, err.reason) == ("protocol", "the answer was cut short")


def test_a_silent_close_is_an_error(hostile):
    err = refused(hostile.url("close"))
    assert err.reason.endswith("the server closed the connection without an answer")


def test_a_dead_port_is_connection_refused():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    err = refused(f"http://127.0.0.1:{port}")
    assert (err.kind, err.reason, str(err)) == ("connect", "Connection refused",
                                                f"http://127.0.0.1:{port}/api/rent.php: Connection refused")


@pytest.mark.parametrize("mode, reason", [
    ("nan", "NaN is not a JSON number"),
    ("infinity", "Infinity is not a JSON number"),
    ("deep", "JSON nested deeper than 64 levels"),
    ("html", "not JSON: Expecting value at character 0"),
])
def test_hostile_json_is_refused_in_one_line(hostile, mode, reason):
    r = call(hostile.url(mode), deadline=5)
    with pytest.raises(BadJSON) as info:
        r.json()
    assert str(info.value) == reason


def test_parse_json_bounds():
    assert parse_json(b'{"a":[1,2.5,"x"]}') == {"a": [1, 2.5, "x"]}
    nested = "[" * 64 + "]" * 64
    assert parse_json(nested) is not None
    with pytest.raises(BadJSON, match="nested deeper than 64"):
        parse_json("[" * 65 + "]" * 65)
    with pytest.raises(BadJSON, match="nested deeper than 64"):
        parse_json("[" * DEEP + "]" * DEEP)  # RecursionError never escapes
    assert parse_json('["[[[[[", "{{{{{{"]', max_depth=2) == ["[[[[[", "{{{{{{"]  # brackets inside strings
    with pytest.raises(BadJSON, match="1e999 overflows a number"):
        parse_json('{"price": 1e999}')
    with pytest.raises(BadJSON, match="-Infinity is not a JSON number"):
        parse_json("[-Infinity]")
    with pytest.raises(BadJSON, match="not UTF-8"):
        parse_json(b'{"a":"\xff"}')
    with pytest.raises(BadJSON, match="^not JSON: Exceeds the limit"):
        parse_json("1" * 5000)
    assert depth('{"a":[{"b":"]]]]"}]}') == 3


def test_where_keeps_no_query_and_no_user_info():
    assert where("http://user:pw@host:81/api/rent.php?apikey=K#x") == "http://host:81/api/rent.php"
    assert where("http://[::1]:8080/a?b") == "http://[::1]:8080/a"


def test_connections_are_kept_alive_per_thread(hostile):
    fetcher = Fetcher(deadline=5)
    for _ in range(5):
        assert fetcher.get(hostile.url("ok") + "/x").status == 200
    seen = []
    thread = threading.Thread(target=lambda: seen.append(fetcher.get(hostile.url("ok") + "/y").status))
    thread.start()
    thread.join(10)
    assert seen == [200]
    assert len(fetcher._all) == 2  # one connection for the five calls, one for the other thread
    fetcher.close()
    assert fetcher._all == set()


def test_a_kept_alive_connection_the_server_closed_is_replaced(hostile):
    fetcher = Fetcher(deadline=5)
    for _ in range(3):  # `once` promises keep-alive, then closes after each answer
        assert fetcher.get(hostile.url("once")).json() == {"status": 1, "data": []}
    (conn,) = fetcher._all
    conn.sock.close()  # as if this process had lost it
    assert fetcher.get(hostile.url("once")).status == 200


def test_a_post_sends_json(hostile):
    r = Fetcher().request("POST", hostile.url("ok") + "/_x", json_body={"world": "w"}, headers={"X-Mock-Token": "t"})
    assert r.status == 200 and r.json() == {"status": 1, "data": []}


def test_a_fresh_call_is_never_sent_twice(hostile):
    # `close` reads the request and hangs up: on a reused connection that looks stale, and is sent again
    def sent_to_close(fresh: bool) -> int:
        fetcher = Fetcher(deadline=5)
        assert fetcher.get(hostile.url("ok") + "/x").status == 200  # leaves a kept-alive connection
        before = sum(1 for r in list(hostile.requests) if r[0] == "close")
        with pytest.raises(FetchError) as info:
            fetcher.get(hostile.url("close") + "/api/rent.php", {"method": "create"}, fresh=fresh)
        assert info.value.reason == "the server closed the connection without an answer"
        fetcher.close()
        return sum(1 for r in list(hostile.requests) if r[0] == "close") - before

    assert sent_to_close(fresh=False) == 2
    assert sent_to_close(fresh=True) == 1
