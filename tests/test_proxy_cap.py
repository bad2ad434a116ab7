"""The proxy's spending guard: only what it can price exactly is forwarded, and the cap holds against what the
upstream (a mock, whose ledger is the truth) actually charged."""
from __future__ import annotations

import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests

from contracts.proxy.cost import Prices
from contracts.proxy.upstream import Upstream
from tests.proxy_helpers import (CLIENT_KEY, REAL_KEY, balance, charged, documented_upstream, moving_upstream,
                                 offer, proxy, rent, upstream_methods)

__all__ = ["documented_upstream"]  # a fixture, used by name
EXACT = "(the guard forwards only what it can price exactly)"


def _create(base, **extra):
    query = {"method": "create", "apikey": CLIENT_KEY, "dtype": "week", "dcount": "1", **extra}
    return rent(base, **query).json()


def test_spending_is_refused_without_allow_spend(documented_upstream):
    base = documented_upstream
    country, service, _ = offer(base)
    guarded = proxy(base)
    r = _create(guarded.url, country=country, service=service)
    summary = guarded.close()
    assert r == {"status": 0, "msg": "rent-mock proxy: create spends money: start the proxy with "
                                     "--allow-spend --max-spend AMOUNT"}
    assert balance(base) == Decimal("200")
    assert summary["spend_refused"] == {"create": 1} and summary["spent"] == "0"


def test_spending_stays_within_max_spend(documented_upstream):
    base = documented_upstream
    country, service, price = offer(base)
    week = (price * 7).quantize(Decimal("0.01"))
    guarded = proxy(base, allow_spend=True, max_spend=week + Decimal("0.01"))
    first = _create(guarded.url, country=country, service=service)
    second = _create(guarded.url, country=country, service=service)
    summary = guarded.close()
    assert first["status"] == 1
    assert second == {"status": 0, "msg": f"rent-mock proxy: create would cost about {week} (7 days at the "
                                          f"upstream's price per day), over the budget left (0.01 of "
                                          f"--max-spend {week + Decimal('0.01')})"}
    assert Decimal(summary["spent"]) == week == Decimal(summary["measured_spend"]) == charged(base)


@pytest.mark.parametrize("dcount", [" 3", "+3", "3\n", "3 ", "03", "3.0", "0", "-3", "0x3", "1e1", "٣", "³", "",
                                    "1001", "99999999999999999999999"])
def test_a_count_the_upstream_might_read_otherwise_is_refused_before_it_leaves(documented_upstream, dcount):
    # a PHP service reads " 3", "+3" and "3\n" as 3: the issue's run spent 30.87 past a cap of 1.00 this way
    base = documented_upstream
    country, service, _ = offer(base)
    guarded = proxy(base, allow_spend=True, max_spend=Decimal("1000"))
    r = _create(guarded.url, country=country, service=service, dcount=dcount)
    summary = guarded.close()
    assert r == {"status": 0, "msg": f"rent-mock proxy: create refused: dcount={dcount!r} is not a plain whole "
                                     f"number (1 to 1000) {EXACT}"}
    assert "create" not in upstream_methods(base) and charged(base) == 0
    assert summary["spent"] == "0" and summary["spend_refused"] == {"create": 1}


def test_the_issues_run_spends_nothing_past_a_cap_of_one(documented_upstream):
    base = documented_upstream
    country, service, price = offer(base)
    guarded = proxy(base, allow_spend=True, max_spend=Decimal("1.00"))
    honest = _create(guarded.url, country=country, service=service)
    odd = [_create(guarded.url, country=country, service=service, dcount=d) for d in (" 3", "+3", "3\n")]
    summary = guarded.close()
    assert honest["msg"].startswith(f"rent-mock proxy: create would cost about {(price * 7).quantize(Decimal('0.01'))}")
    assert [a["status"] for a in odd] == [0, 0, 0]
    assert charged(base) == 0 and summary["spent"] == "0" and summary["measured_spend"] == "0"


@pytest.mark.parametrize("method, query, why", [
    ("prolong", {"id": " 40000", "dtype": "week", "dcount": "1"}, "id=' 40000' is not a plain whole number (1 or more)"),
    ("prolong", {"id": "+40000", "dtype": "week", "dcount": "1"}, "id='+40000' is not a plain whole number (1 or more)"),
    ("prolong", {"id": "²", "dtype": "week", "dcount": "1"}, "id='²' is not a plain whole number (1 or more)"),
    ("prolong", {"id": "40000", "dtype": "Week", "dcount": "1"}, "dtype='Week' is not one of week, month"),
    ("prolong", {"id": "40000", "dtype": "day", "dcount": "1"}, "dtype='day' is not one of week, month"),
    ("prolong", {"id": "40000", "dcount": "1"}, "dtype is missing"),
    ("create", {"dtype": "week", "country": "RU", "service": "opt4"}, "dcount is missing"),
    ("create", {"dtype": "week", "dcount": "1", "country": "RU", "service": "opt4", "DCOUNT": "3"},
     "create takes no parameter 'DCOUNT'"),
    ("create_multi", {"dtype": "week", "dcount": "1", "country": "RU", "services": "opt4,,opt5"},
     "services='opt4,,opt5' has an empty item"),
    ("restore_user", {"id": "7\n"}, "id='7\\n' is not a plain whole number (1 or more)"),
    ("add_service_to_order", {"id": "40000", "service": "opt4", "pnumber": "79001112233"},
     "without rent_days it is charged for the days the upstream counts as left, which the guard cannot know: "
     "give rent_days"),
    ("add_service_to_order", {"id": "40000", "service": "opt4", "pnumber": "79001112233", "rent_days": "1001"},
     "rent_days='1001' is not a plain whole number (1 to 1000)"),
])
def test_every_spending_parameter_must_be_exactly_as_declared(documented_upstream, method, query, why):
    guarded = proxy(documented_upstream, allow_spend=True, max_spend=Decimal("1000"))
    r = rent(guarded.url, method=method, apikey=CLIENT_KEY, **query).json()
    guarded.close()
    assert r == {"status": 0, "msg": f"rent-mock proxy: {method} refused: {why} {EXACT}"}
    assert method not in upstream_methods(documented_upstream)


def test_a_call_without_an_apikey_is_refused_before_it_leaves(documented_upstream):
    guarded = proxy(documented_upstream, allow_spend=True, max_spend=Decimal("1000"))
    r = rent(guarded.url, method="create", dtype="week", dcount="1", country="RU", service="opt4").json()
    guarded.close()
    assert r == {"status": 0, "msg": f"rent-mock proxy: create refused: apikey is missing {EXACT}"}


@pytest.mark.parametrize("country, service, why", [
    ("XX", None, "country 'XX' is not among the upstream's countries"),
    ("ru", None, "country 'ru' is not among the upstream's countries"),
    (None, "opt99999", "no upstream price for {country}/opt99999"),
    (None, " {service}", "no upstream price for {country}/ {service}"),
])
def test_an_unknown_country_or_service_is_refused_before_it_leaves(documented_upstream, country, service, why):
    base = documented_upstream
    known_country, known_service, _ = offer(base)
    country = (country or known_country).format(country=known_country)
    service = (service or known_service).format(service=known_service)
    guarded = proxy(base, allow_spend=True, max_spend=Decimal("1000"))
    r = _create(guarded.url, country=country, service=service)
    guarded.close()
    why = why.format(country=known_country, service=known_service)
    assert r == {"status": 0, "msg": f"rent-mock proxy: create refused: its cost cannot be priced exactly ({why})"}
    assert "create" not in upstream_methods(base)


@pytest.mark.parametrize("raw, why", [
    ("method=orders&%20method=create", "parameter name ' method' is refused"),
    ("%20method=create", "parameter name ' method' is refused"),
    ("method=create&dcount%5B%5D=3", "parameter name 'dcount[]' is refused"),
    ("method=create&d.count=3", "parameter name 'd.count' is refused"),
    ("dtype=week", "no method given"),
    ("method=CREATE", "unknown method 'CREATE': only the methods the registry knows are sent"),
    ("method=create%20", "unknown method 'create ': only the methods the registry knows are sent"),
])
def test_names_a_php_service_might_read_otherwise_are_not_forwarded(documented_upstream, raw, why):
    # PHP drops a name's leading spaces and reads '.', ' ' and '[' as '_': ' method' reaches it as 'method'
    base = documented_upstream
    country, service, _ = offer(base)
    guarded = proxy(base, allow_spend=True, max_spend=Decimal("1000"))
    url = (f"{guarded.url}/api/rent.php?{raw}&apikey={CLIENT_KEY}&dtype=week&dcount=1&country={country}"
           f"&service={service}")
    r = requests.get(url, timeout=10).json()
    summary = guarded.close()
    assert r["status"] == 0 and r["msg"].startswith(f"rent-mock proxy: {why}")
    assert upstream_methods(base) == ["getcountries", "getdataWithProviders"]  # offer()'s own calls
    assert summary["spent"] == "0"


@pytest.mark.parametrize("metod", ["get_number", "GET_BALANCE", None])
def test_the_balance_api_forwards_only_the_reading_metods(documented_upstream, metod):
    # the SMS API at /priemnik.php also buys numbers (metod=get_number): never forwarded
    guarded = proxy(documented_upstream, allow_spend=True, max_spend=Decimal("1000"))
    query = {"apikey": CLIENT_KEY, "service": "opt4", "country": "RU", **({"metod": metod} if metod else {})}
    r = requests.get(f"{guarded.url}/priemnik.php", params=query, timeout=10).json()
    guarded.close()
    # in the balance API's own error form (a balance client reads response/error_msg, not status/msg)
    assert r == {"response": "error", "error_msg": f"rent-mock proxy: the balance API's metod {metod!r} is not "
                                                   f"forwarded: only get_balance, get_userinfo, get_service_price "
                                                   f"(others may spend, such as get_number)"}


def test_prolong_add_service_and_restore_are_priced_from_the_upstream_now(documented_upstream):
    base = documented_upstream
    country, service, price = offer(base)
    rented = {"method": "create", "apikey": REAL_KEY, "dtype": "week", "dcount": "1", "country": country,
              "service": service}
    answer = rent(base, **rented).json()
    made = answer["data"]
    prices = Prices(Upstream(base))
    query = {"id": str(made["id"]), "apikey": REAL_KEY}
    assert prices.quote("prolong", {**query, "dtype": "week", "dcount": "1"}) == \
        (None, f"order {made['id']} was not rented through this run, so the services on it cannot be established "
               f"(orders shows only the first, and every service on the number is charged)")
    # an added service is priced in the order's country, which orders shows
    assert prices.quote("add_service_to_order", {**query, "service": service, "rent_days": "5"}) == \
        ((price * 5).quantize(Decimal("0.01")), "5 days at the upstream's price per day")
    prices.remember("create", rented, answer)  # as the proxy does when the rental passes through it
    assert prices.quote("prolong", {**query, "dtype": "month", "dcount": "2"}) == \
        ((price * 60).quantize(Decimal("0.01")), "60 days at the upstream's price per day")
    assert prices.quote("prolong_max", {**query, "dtype": "day", "dcount": "3"}) == \
        ((price * 3).quantize(Decimal("0.01")), "3 days at the upstream's price per day")
    assert prices.quote("add_service_to_order", {**query, "service": service, "rent_days": "5"}) == \
        ((price * 5).quantize(Decimal("0.01")), "5 days at the upstream's price per day")
    assert prices.quote("prolong", {"id": "999999", "dtype": "week", "dcount": "1", "apikey": REAL_KEY}) == \
        (None, "order 999999 is not among the account's orders")
    # a running order cannot be restored: precalc gives no price, so neither does the guard
    assert prices.quote("restore_user", query) == \
        (None, "restore_user_precalc answered 'DATEDIFFINVERT', so restore_user has no price")


def test_prolong_counts_every_service_added_through_the_proxy(documented_upstream):
    base = documented_upstream
    country, service, price = offer(base)
    guarded = proxy(base, allow_spend=True, max_spend=Decimal("1000"))
    made = _create(guarded.url, country=country, service=service)["data"]
    number = made["ccode"].lstrip("+") + made["pnumber"]
    other = next(s for s in rent(base, method="getdataWithProviders", country=country).json()["data"]["services"]
                 if s["service"] != service)
    added = rent(guarded.url, method="add_service_to_order", apikey=CLIENT_KEY, id=str(made["id"]),
                 service=other["service"], pnumber=number, rent_days="2").json()
    both = Decimal(str(other["price_day"])) + price
    assert added == {"status": 1}
    assert guarded.app.prices.quote("prolong", {"id": str(made["id"]), "apikey": REAL_KEY, "dtype": "week",
                                                "dcount": "1"})[0] == (both * 7).quantize(Decimal("0.01"))
    summary = guarded.close()
    assert Decimal(summary["spent"]) == charged(base)


def test_a_prolong_of_an_order_rented_elsewhere_is_refused_not_priced_by_its_first_service(documented_upstream):
    # the issue's run: services added outside this proxy run, `orders` shows scode alone, cap 3, one prolong
    # charged 141.54. A prolong is charged for every service on the number, which the guard cannot see.
    base = documented_upstream
    country, service, price = offer(base)
    made = rent(base, method="create", apikey=REAL_KEY, dtype="week", dcount="1", country=country,
                service=service).json()["data"]
    number = made["ccode"].lstrip("+") + made["pnumber"]
    other = next(s for s in rent(base, method="getdataWithProviders", country=country).json()["data"]["services"]
                 if s["service"] != service)
    assert rent(base, method="add_service_to_order", apikey=REAL_KEY, id=str(made["id"]), service=other["service"],
                pnumber=number, rent_days="1").json() == {"status": 1}
    requests.post(f"{base}/_mock/clock", json={"apikey": REAL_KEY, "advance": 86_400}, timeout=10).raise_for_status()
    before = balance(base)
    cap = (price * 7).quantize(Decimal("0.01")) + Decimal("0.01")  # the first service's week, not both services'
    assert before > (price + Decimal(str(other["price_day"]))) * 7 > cap  # forwarded, the prolong would pass the cap
    guarded = proxy(base, allow_spend=True, max_spend=cap)
    r = rent(guarded.url, method="prolong", apikey=CLIENT_KEY, id=str(made["id"]), dtype="week", dcount="1").json()
    summary = guarded.close()
    assert r == {"status": 0, "msg": f"rent-mock proxy: prolong refused: its cost cannot be priced exactly (order "
                                     f"{made['id']} was not rented through this run, so the services on it cannot "
                                     f"be established (orders shows only the first, and every service on the "
                                     f"number is charged))"}
    assert balance(base) == before and summary["spent"] == "0"
    assert "prolong" not in upstream_methods(base)


def _crowd(start: Decimal, step: Decimal) -> tuple[list[dict], dict, Decimal]:
    """32 creates from 8 parallel clients through a proxy capped at 10, to an upstream whose price climbs by
    `step` after each create: (the answers, the proxy's summary, what the upstream's ledger charged)."""
    served, base, country, service = moving_upstream(before=False, start=start, step=step)
    guarded = proxy(base, allow_spend=True, max_spend=Decimal("10"))
    try:
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: _create(guarded.url, country=country, service=service), range(32)))
        return answers, guarded.close(), charged(base)
    finally:
        served.close()


def test_a_price_that_moves_between_calls_is_read_again_before_each(documented_upstream):
    # the issue's run: prices learned once at 0.49/day, then 3.00/day: 6.86 counted, 24.43 charged, cap 10
    answers, summary, spent_upstream = _crowd(Decimal("0.49"), Decimal("2.51"))
    # 0.49·7 = 3.43 passes; the price is then 3.00: 21.00 more would pass the cap, so every other is refused
    assert sorted(a["status"] for a in answers) == [0] * 31 + [1]
    assert spent_upstream == Decimal("3.43") == Decimal(summary["spent"]) == Decimal(summary["measured_spend"])
    refusals = {a["msg"] for a in answers if a["status"] == 0}
    assert refusals == {"rent-mock proxy: create would cost about 21.00 (7 days at the upstream's price per "
                        "day), over the budget left (6.57 of --max-spend 10)"}


def test_parallel_clients_stop_at_the_cap_as_the_price_climbs(documented_upstream):
    answers, summary, spent_upstream = _crowd(Decimal("0.10"), Decimal("0.05"))
    # 7·(0.10 + 0.15 + 0.20 + … ) while the total stays within 10: 0.70, 1.05, 1.40, 1.75, 2.10, 2.45 = 9.45
    assert sum(a["status"] for a in answers) == 6
    assert spent_upstream == Decimal("9.45") == Decimal(summary["spent"]) == Decimal(summary["measured_spend"])
    assert spent_upstream <= Decimal("10")


def test_a_charge_above_the_price_just_read_is_measured_and_stops_spending(documented_upstream):
    # the upstream charges more than it showed a moment before: only the balance change can tell
    served, base, country, service = moving_upstream(before=True, start=Decimal("1.00"), step=Decimal("1.00"))
    guarded = proxy(base, allow_spend=True, max_spend=Decimal("10"))
    try:
        first = _create(guarded.url, country=country, service=service)
        second = _create(guarded.url, country=country, service=service)
        summary = guarded.close()
        spent_upstream = charged(base)
    finally:
        served.close()
    assert first["status"] == 1  # priced at 7.00, charged 14.00
    assert second == {"status": 0, "msg": "rent-mock proxy: create refused: the cap is reached (14.00 counted of "
                                          "--max-spend 10)"}
    assert spent_upstream == Decimal("14.00") == Decimal(summary["spent"]) == Decimal(summary["measured_spend"])
    assert summary["charged_over_estimates"] == "7.00" and summary["cap_reached"] is True


def test_a_refusal_the_upstream_measures_as_free_gives_the_reservation_back(documented_upstream):
    base = documented_upstream
    country, service, price = offer(base)
    guarded = proxy(base, allow_spend=True, max_spend=Decimal("1000"))
    refused = _create(guarded.url, country=country, service=service, provider="NoSuchProvider")
    summary = guarded.close()
    assert refused["status"] == 0 and not refused["msg"].startswith("rent-mock proxy")
    assert Decimal(summary["spent"]) == Decimal(summary["measured_spend"]) == charged(base) == 0


def test_a_failed_call_keeps_its_reservation(documented_upstream):
    base = documented_upstream
    country, service, price = offer(base)
    requests.post(f"{base}/_mock/faults", json={"kind": "drop", "method": "create", "times": 1},
                  timeout=10).raise_for_status()
    guarded = proxy(base, allow_spend=True, max_spend=Decimal("1000"))
    failed = rent(guarded.url, method="create", apikey=CLIENT_KEY, dtype="week", dcount="1", country=country,
                  service=service)
    summary = guarded.close()
    assert failed.status_code == 502
    # nothing was charged, but a failed call may have been: it counts at its price until measured otherwise
    assert charged(base) == 0 == Decimal(summary["measured_spend"])
    assert Decimal(summary["spent"]) == (price * 7).quantize(Decimal("0.01"))


def test_spending_is_refused_when_the_balance_cannot_be_measured(documented_upstream):
    base = documented_upstream
    country, service, _ = offer(base)
    guarded = proxy(base, allow_spend=True, max_spend=Decimal("1000"), apikey_map={CLIENT_KEY: "not-a-key-there"})
    r = _create(guarded.url, country=country, service=service)
    summary = guarded.close()
    assert r == {"status": 0, "msg": "rent-mock proxy: create refused: the account's balance cannot be read "
                                     "before it, so what it costs could not be measured (the balance API "
                                     "answered 'API KEY NOT FOUND!')"}
    assert "create" not in upstream_methods(base) and summary["spent"] == "0"


def test_parallel_spending_calls_cannot_pass_the_cap_together(documented_upstream):
    base = documented_upstream
    country, service, price = offer(base)
    week = (price * 7).quantize(Decimal("0.01"))
    guarded = proxy(base, allow_spend=True, max_spend=week * 2)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: _create(guarded.url, country=country, service=service), range(8)))
    summary = guarded.close()
    assert sorted(a["status"] for a in answers) == [0] * 6 + [1] * 2
    assert Decimal(summary["spent"]) == week * 2 == charged(base)


def test_a_price_moving_all_the_time_is_counted_in_full_and_bounds_the_overshoot(documented_upstream):
    # the price changes many times a second, so often between the guard's reading and the charge: whatever
    # the timing, the count covers every charge, and the total passes the cap by no more than was charged
    # above the prices read (the last call admitted can carry at most that)
    base = documented_upstream
    country, service, _ = offer(base)
    stop = threading.Event()

    def move() -> None:
        for step in range(2000):
            if stop.is_set():
                return
            requests.post(f"{base}/_mock/catalogue/offers", json={"country": country, "service": service,
                                                                  "price_day": str(Decimal(10 + step * 37 % 290) / 100),
                                                                  "procent": 0}, timeout=10)

    mover = threading.Thread(target=move)
    mover.start()
    guarded = proxy(base, allow_spend=True, max_spend=Decimal("10"))
    try:
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: _create(guarded.url, country=country, service=service), range(32)))
        summary = guarded.close()
    finally:
        stop.set()
        mover.join(30)
    spent_upstream = charged(base)
    assert any(a["status"] == 1 for a in answers)
    assert Decimal(summary["spent"]) >= spent_upstream == Decimal(summary["measured_spend"])
    assert spent_upstream <= Decimal("10") + Decimal(summary["charged_over_estimates"])


@pytest.mark.parametrize("headers, why", [
    ({"Sec-Fetch-Site": "cross-site"}, "a web page on another site made it (Sec-Fetch-Site: cross-site)"),
    ({"Sec-Fetch-Site": "same-site"}, "a web page on another site made it (Sec-Fetch-Site: same-site)"),
    ({"Origin": "http://evil.example"}, "a web page of another origin made it (Origin: http://evil.example)"),
    ({"Origin": "null"}, "a web page of another origin made it (Origin: null)"),
    ({"Host": "rebound.evil.example"}, "it was sent to the name 'rebound.evil.example', not to this machine's (a "
                                       "page can point a name of its own here)"),
    ({"Host": "127.rebound.evil.example"}, "it was sent to the name '127.rebound.evil.example', not to this "
                                           "machine's (a page can point a name of its own here)"),
])
def test_a_web_page_cannot_spend_or_read_through_the_proxy(documented_upstream, headers, why):
    # an <img src=".../api/rent.php?method=create&apikey=stand-in-key…"> needs no CORS grant; a page that
    # points its own name at 127.0.0.1 can even read the answers (DNS rebinding)
    base = documented_upstream
    country, service, _ = offer(base)
    record = io.StringIO()
    guarded = proxy(base, record, allow_spend=True, max_spend=Decimal("1000"))
    query = {"method": "create", "apikey": CLIENT_KEY, "dtype": "week", "dcount": "1", "country": country,
             "service": service}
    r = requests.get(f"{guarded.url}/api/rent.php", params=query, headers=headers, timeout=10)
    read = requests.get(f"{guarded.url}/api/rent.php", params={"method": "orders", "apikey": CLIENT_KEY},
                        headers=headers, timeout=10)
    typed = requests.get(f"{guarded.url}/api/rent.php", params={"method": "orders", "apikey": CLIENT_KEY},
                         headers={"Sec-Fetch-Site": "none"}, timeout=10)  # the user typed the URL
    peek = requests.get(f"{guarded.url}/_mock/proxy", headers=headers, timeout=10)  # the summary names the upstream
    summary = guarded.close()
    said = f"rent-mock proxy: refused: {why}; the proxy serves programs, not web pages"
    assert (r.status_code, r.json()) == (403, {"status": 0, "msg": said}) == (read.status_code, read.json())
    assert typed.json() == {"status": 1, "data": []}
    assert (peek.status_code, peek.json()) == (403, {"status": 0, "msg": said})
    assert "create" not in upstream_methods(base) and charged(base) == 0 and summary["spent"] == "0"
    lines = [json.loads(line) for line in record.getvalue().splitlines()]
    assert [line.get("refused") for line in lines] == [said[len("rent-mock proxy: "):]] * 2 + [None]
