"""The shipped catalogue holds the live service's facts (docs/evidence.md C1-C9) and is what the generator gives."""
import importlib.util
import json
import random
from decimal import Decimal
from pathlib import Path

import phonenumbers
import pytest

from mockserver.core.catalogue import load, parse
from mockserver.core.numbers import draw_mobile

ROOT = Path(__file__).resolve().parent.parent
FACTS = json.loads((ROOT / "scripts" / "catalogue_facts.json").read_text(encoding="utf-8"))
RECORDED = {s["code"]: s for s in FACTS["services"]}


def _generator():
    spec = importlib.util.spec_from_file_location("gen_catalogue", ROOT / "scripts" / "gen_catalogue.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def live():
    return load()


def test_services_are_the_recorded_list(live):
    assert len(RECORDED) == 127
    assert {code: s.name for code, s in live.services.items()} == {c: s["name"] for c, s in RECORDED.items()}
    assert {code: s.img for code, s in live.services.items()} == {c: s["img"] for c, s in RECORDED.items()}
    expected = {"opt1": "Google (GMail, YTube, etc.)", "opt29": "Telegram", "opt20": "WhatsAPP",
                "opt16": "Instagram (+Threads)", "opt46": "Airbnb", "opt48": "1cupis & okcupid & winline",
                "opt59": "Avito", "opt15": "Microsoft (Azure, Bing, HotMail, etc.)", "opt205": "Payz"}
    assert {code: live.services[code].name for code in expected} == expected


def test_opt2_is_facebook(live):
    assert live.services["opt2"].name == "Facebook"
    assert all("Microsoft" not in live.services[c].name for c in live.services if c != "opt15")


def test_portugal_has_the_recorded_prices_and_counts(live):
    pt = live.countries["PT"]
    assert set(pt.offers) == set(RECORDED)
    assert {c: o.price_day for c, o in pt.offers.items()} == \
        {c: Decimal(str(s["price_day"])).quantize(Decimal("0.01")) for c, s in RECORDED.items()}
    assert {c: sum(o.stock.values()) for c, o in pt.offers.items()} == {c: s["count"] for c, s in RECORDED.items()}
    assert (pt.offers["opt46"].price_day, pt.offers["opt29"].price_day, pt.offers["opt59"].price_day) == \
        (Decimal("9.00"), Decimal("0.80"), Decimal("0.40"))
    assert sum(pt.offers["opt29"].stock.values()) == 4


def test_romania_telegram_price_is_the_live_one(live):
    assert live.countries["RO"].offers["opt29"].price_day == Decimal("0.60")  # $4.20 a week, 2026-06-20
    assert live.countries["RO"].offers["opt29"].price_day * 7 == Decimal("4.20")


def test_germany_is_named_in_english_and_fast(live):
    de = live.countries["DE"]
    assert (de.name, de.switch_type, de.always_active) == ("Germany", "FAST", True)
    assert sorted(c for c, country in live.countries.items() if country.always_active) == ["DE"]


def test_russia_keeps_its_documented_name(live):
    assert live.countries["RU"].name == "Россия"


def test_the_documented_countries_are_listed(live):
    listed = set("RU UA KZ PH ID MY TZ US IL HK PL UK EG IE KH RS RO EE CA AR DE LT HR SE NL LV AT TH MX ES SI "
                 "BD TR CZ NZ CY FR BE BG HU MD IT PY PR PT GR SK AM AL FI VN GI NO BR".split())
    assert set(live.countries) == listed and len(live.countries) == 54
    assert live.countries["UK"].iso == "GB" and live.countries["UK"].name == "United Kingdom"
    names = {c.name for c in live.countries.values()}
    assert {"Germany", "Austria", "Romania", "Portugal", "Poland", "United States"} <= names
    assert not {"Deutschland", "Österreich", "România", "Polska"} & names


def test_portugal_and_romania_write_numbers_in_full(live):
    forms = {code: c.number_form for code, c in live.countries.items()}
    assert sorted(code for code, form in forms.items() if form == "full") == ["PT", "RO"]
    assert live.countries["PT"].live_number("351969179362") == ("351969179362", "")
    assert live.countries["RO"].live_number("40712345678") == ("40712345678", "")
    assert live.countries["DE"].live_number("4915123456789") == ("15123456789", "+49")


def test_evidenced_providers(live):
    assert "MTS" in live.countries["RU"].leases
    assert set(live.countries["AT"].leases) == {"Limbo_AT", "Tele2_AT", "yesss_AT"}
    assert "Claro_AR" in live.countries["AR"].leases
    assert all(len(c.leases) >= 2 and min(c.leases.values()) >= 90 for c in live.countries.values())


def test_numbers_are_valid_for_every_country(live):
    rng = random.Random(5)
    for code, country in live.countries.items():
        full, national = draw_mobile(country.iso, rng, set())
        parsed = phonenumbers.parse("+" + full)
        assert phonenumbers.is_valid_number_for_region(parsed, country.iso), code
        assert country.dial == phonenumbers.country_code_for_region(country.iso)
        assert full == str(country.dial) + national


def test_every_country_offers_the_common_services_in_stock(live):
    everywhere = set(FACTS["offered_everywhere"])
    for code, country in live.countries.items():
        assert everywhere <= set(country.offers), code
        assert all(o.price_day >= Decimal("0.05") and set(o.stock) <= set(country.leases)
                   for o in country.offers.values())


def test_the_generator_is_deterministic_and_gives_the_shipped_file():
    gen = _generator()
    first = gen.render(gen.build())
    assert gen.render(gen.build()) == first
    assert (ROOT / "mockserver" / "core" / "data" / "catalogue.json").read_text(encoding="utf-8") == first
    assert gen.main(["--check"]) == 0


def test_the_generated_document_round_trips_through_the_loader(live):
    assert parse(live.to_doc()).to_doc() == live.to_doc()
