"""The shipped catalogues hold the live service's facts (docs/evidence.md C1-C13) and are what the generator gives:
the live one (the newest list, S14) for live worlds, the reference one (the 2024-07 recording and the reference
page's countries) for documented and sdk worlds."""
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
NEWEST = {s["code"]: s["name"] for s in FACTS["live"]["services"]}


def _generator():
    spec = importlib.util.spec_from_file_location("gen_catalogue", ROOT / "scripts" / "gen_catalogue.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def live():
    return load()


@pytest.fixture(scope="module")
def reference():
    return load(which="reference")


@pytest.fixture(scope="module", params=["live", "reference"])
def both(request):
    return load(which=request.param)


def test_services_are_the_recorded_list(reference):
    live = reference
    assert len(RECORDED) == 127
    assert {code: s.name for code, s in live.services.items()} == {c: s["name"] for c, s in RECORDED.items()}
    assert {code: s.img for code, s in live.services.items()} == {c: s["img"] for c, s in RECORDED.items()}
    expected = {"opt1": "Google (GMail, YTube, etc.)", "opt29": "Telegram", "opt20": "WhatsAPP",
                "opt16": "Instagram (+Threads)", "opt46": "Airbnb", "opt48": "1cupis & okcupid & winline",
                "opt59": "Avito", "opt15": "Microsoft (Azure, Bing, HotMail, etc.)", "opt205": "Payz"}
    assert {code: live.services[code].name for code in expected} == expected


def test_opt2_is_facebook(both):
    assert both.services["opt2"].name == "Facebook"
    assert all("Microsoft" not in both.services[c].name for c in both.services if c != "opt15")


def test_portugal_has_the_recorded_prices_and_counts(reference):
    pt = reference.countries["PT"]
    assert set(pt.offers) == set(RECORDED)
    assert {c: o.price_day for c, o in pt.offers.items()} == \
        {c: Decimal(str(s["price_day"])).quantize(Decimal("0.01")) for c, s in RECORDED.items()}
    assert {c: sum(o.stock.values()) for c, o in pt.offers.items()} == {c: s["count"] for c, s in RECORDED.items()}
    assert (pt.offers["opt46"].price_day, pt.offers["opt29"].price_day, pt.offers["opt59"].price_day) == \
        (Decimal("9.00"), Decimal("0.80"), Decimal("0.40"))
    assert sum(pt.offers["opt29"].stock.values()) == 4


def test_romania_telegram_price_is_the_live_one(both):
    assert both.countries["RO"].offers["opt29"].price_day == Decimal("0.60")  # $4.20 a week, 2026-06-20
    assert both.countries["RO"].offers["opt29"].price_day * 7 == Decimal("4.20")


def test_germany_is_named_in_english_and_fast(both):
    de = both.countries["DE"]
    assert (de.name, de.switch_type, de.always_active) == ("Germany", "FAST", True)
    assert sorted(c for c, country in both.countries.items() if country.always_active) == ["DE"]


def test_russia_keeps_its_documented_name(reference):
    assert reference.countries["RU"].name == "Россия"


def test_the_documented_countries_are_listed(reference):
    live = reference
    listed = set("RU UA KZ PH ID MY TZ US IL HK PL UK EG IE KH RS RO EE CA AR DE LT HR SE NL LV AT TH MX ES SI "
                 "BD TR CZ NZ CY FR BE BG HU MD IT PY PR PT GR SK AM AL FI VN GI NO BR".split())
    assert set(live.countries) == listed and len(live.countries) == 54
    assert live.countries["UK"].iso == "GB" and live.countries["UK"].name == "United Kingdom"
    names = {c.name for c in live.countries.values()}
    assert {"Germany", "Austria", "Romania", "Portugal", "Poland", "United States"} <= names
    assert not {"Deutschland", "Österreich", "România", "Polska"} & names


def test_every_country_writes_numbers_in_full(both):
    """W17: PT and RO are recorded whole, and every client reading the field reads it whole: every country."""
    assert {c.number_form for c in both.countries.values()} == {"full"}
    assert both.countries["PT"].live_number("351969179362") == ("351969179362", "")
    assert both.countries["RO"].live_number("40712345678") == ("40712345678", "")
    assert both.countries["DE"].live_number("4915123456789") == ("4915123456789", "")


def test_evidenced_providers(both):
    if "RU" in both.countries:
        assert "MTS" in both.countries["RU"].leases
    assert set(both.countries["AT"].leases) == {"Limbo_AT", "Tele2_AT", "yesss_AT"}
    assert "Claro_AR" in both.countries["AR"].leases
    assert all(len(c.leases) >= 2 and min(c.leases.values()) >= 90 for c in both.countries.values())


def test_numbers_are_valid_for_every_country(both):
    rng = random.Random(5)
    for code, country in both.countries.items():
        full, national = draw_mobile(country.iso, rng, set())
        parsed = phonenumbers.parse("+" + full)
        assert phonenumbers.is_valid_number_for_region(parsed, country.iso), code
        assert country.dial == phonenumbers.country_code_for_region(country.iso)
        assert full == str(country.dial) + national


@pytest.mark.parametrize("which,everywhere", [("reference", FACTS["offered_everywhere"]),
                                              ("live", FACTS["live"]["offered_everywhere"])])
def test_every_country_offers_the_common_services_in_stock(which, everywhere):
    everywhere, live = set(everywhere), load(which=which)
    for code, country in live.countries.items():
        assert everywhere <= set(country.offers), code
        assert all(o.price_day >= Decimal("0.05") and set(o.stock) <= set(country.leases)
                   for o in country.offers.values())


def test_the_generator_is_deterministic_and_gives_the_shipped_files():
    gen = _generator()
    reference, live = gen.render(gen.build()), gen.render(gen.build_live())
    assert gen.render(gen.build()) == reference and gen.render(gen.build_live()) == live
    data = ROOT / "mockserver" / "core" / "data"
    assert (data / "catalogue-reference.json").read_text(encoding="utf-8") == reference
    assert (data / "catalogue.json").read_text(encoding="utf-8") == live
    assert gen.main(["--check"]) == 0


def test_the_generated_document_round_trips_through_the_loader(both):
    assert parse(both.to_doc()).to_doc() == both.to_doc()


# -- the live catalogue: the newest list (C10-C13) ------------------------------------------------------------
def test_live_services_are_the_newest_list_with_its_names(live):
    """C11: S14's 140 services and names: 10 renamed, 44 new, 31 gone since the 2024-07 recording."""
    assert {code: s.name for code, s in live.services.items()} == NEWEST and len(NEWEST) == 140
    renamed = {c: (RECORDED[c]["name"], n) for c, n in NEWEST.items() if c in RECORDED and RECORDED[c]["name"] != n}
    assert len(renamed) == 10 and renamed["opt9"] == ("Tinder", "T1nder") and renamed["opt84"] == ("POF", "P0F")
    assert renamed["opt48"] == ("1cupis & okcupid & winline", "okcupid") and renamed["opt3"][1] == "Blizzard (+battle.net)"
    new = set(NEWEST) - set(RECORDED)
    assert len(new) == 44 and {"opt225", "opt236", "opt239", "opt240"} <= new
    assert (live.services["opt225"].name, live.services["opt236"].name) == ("NETFLIX", "Bitget")
    gone = set(RECORDED) - set(NEWEST)
    assert len(gone) == 31 and {"opt59", "opt89", "opt4"} <= gone
    # S14 documents no logos; the documentation's rental list (S19) gives 29 of the 44 (C14)
    assert sum(1 for c in new if live.services[c].img) == 29


def test_live_services_the_recording_lacks_carry_the_documentations_logos(live):
    """C14: S19 (docs.smspva.com's rental list, 2024-11) gives logos for services the 2024-07 recording lacks; the
    recorded ones keep theirs (the same file names where both have one); the rest have none."""
    icons = FACTS["live"]["icons"]["img"]
    assert live.services["opt221"].img == "images/ico/opt221_6721a31b81d9c.png"  # DPD UK, 2024-10-30
    assert live.services["opt222"].img == "images/ico/opt222_672b32ad3c0ac.png"  # mobileDE, 2024-11-06
    assert live.services["opt77"].img == RECORDED["opt77"]["img"] == "images/ico/opt77_6661c7608b541.png"
    assert {c for c, s in live.services.items() if c in icons and s.img == icons[c]} == set(icons)
    assert not set(icons) & set(RECORDED)
    assert sorted(c for c, s in live.services.items() if not s.img)[:3] == ["opt223", "opt224", "opt225"]


def test_live_countries_are_the_newest_list(live, reference):
    """C12: S14's 49 countries; AU JP CH DK CR GE KG MT added; RU, TR, BR, VN and others gone (RU stays in the
    reference catalogue, whose examples use it)."""
    assert list(live.countries) == FACTS["live"]["countries"] and len(live.countries) == 49
    assert {"AU", "JP", "CH", "DK", "CR", "GE", "KG", "MT"} <= set(live.countries) - set(reference.countries)
    assert set(reference.countries) - set(live.countries) == {"RU", "TZ", "IL", "EG", "RS", "TR", "NZ", "PR", "AM",
                                                              "AL", "BR", "VN", "GI"}
    assert "RU" in reference.countries and (live.countries["CH"].name, live.countries["JP"].dial) == ("Switzerland", 81)


def test_live_argentina_has_the_quoted_answer(live):
    """C13: a live AR answer quoted by S4: opt77 "1xbet", price_day 0.5, count {"Claro_AR": 26}."""
    offer = live.countries["AR"].offers["opt77"]
    assert (live.services["opt77"].name, offer.price_day, offer.stock) == ("1xbet", Decimal("0.50"), {"Claro_AR": 26})


def test_live_portugal_keeps_the_recorded_prices_of_services_still_listed(live):
    """C3 in the live catalogue: PT offers every listed service, at S1's price where S1 recorded it."""
    pt = live.countries["PT"]
    assert set(pt.offers) == set(NEWEST)
    assert {c: pt.offers[c].price_day for c in NEWEST if c in RECORDED} == \
        {c: Decimal(str(RECORDED[c]["price_day"])).quantize(Decimal("0.01")) for c in NEWEST if c in RECORDED}
