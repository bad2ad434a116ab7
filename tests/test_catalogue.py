"""The catalogue: shipped contents, dial codes from phonenumbers, valid unique numbers, user files, errors."""
import json
import random
from decimal import Decimal

import phonenumbers
import pytest

from mockserver.core import rental
from mockserver.core.catalogue import CatalogueError, load, parse
from mockserver.core.numbers import draw_mobile, is_mobile
from mockserver.core.world import WorldConfig
from mockserver.serve.server import ServeOptions, build_hub
from tests.conftest import KEY, make_hub


def test_shipped_catalogue_covers_the_reference(reference_catalogue):
    cat = reference_catalogue
    assert len(cat.countries) >= 12 and {"RU", "AT", "US", "UK", "RO", "AR"} <= set(cat.countries)
    assert len(cat.services) >= 30
    names = {"opt46": "Airbnb", "opt16": "Instagram (+Threads)", "opt59": "Avito"}  # the recorded list (evidence C1)
    assert {code: cat.services[code].name for code in names} == names
    assert {"opt48", "opt6", "opt7", "opt89"} <= set(cat.services)
    assert "MTS" in cat.countries["RU"].leases
    assert set(cat.countries["AT"].leases) == {"Limbo_AT", "Tele2_AT", "yesss_AT"}
    assert all(len(c.leases) >= 2 for c in cat.countries.values())
    assert all(lease >= 90 for c in cat.countries.values() for lease in c.leases.values())


def test_dial_codes_come_from_phonenumbers(shipped_catalogue):
    for cat in shipped_catalogue.values():
        for country in cat.countries.values():
            assert country.dial == phonenumbers.country_code_for_region(country.iso)
        assert cat.countries["UK"].iso == "GB" and cat.countries["UK"].ccode == "+44"
    assert shipped_catalogue["documented"].countries["RU"].ccode == "+7"
    assert shipped_catalogue["live"].countries["KZ"].ccode == "+7"


@pytest.mark.parametrize("code", ["RU", "AT", "US", "UK", "RO", "AR", "DE", "BR"])
def test_numbers_are_valid_mobiles_of_their_country(reference_catalogue, code):
    country = reference_catalogue.countries[code]
    rng, taken = random.Random(3), set()
    for _ in range(50):
        full, national = draw_mobile(country.iso, rng, taken)
        parsed = phonenumbers.parse("+" + full)
        assert is_mobile(full) and phonenumbers.is_valid_number_for_region(parsed, country.iso)
        assert full == str(country.dial) + national and full not in taken
        taken.add(full)


def test_numbers_are_unique_in_a_world_and_seeded(shipped_catalogue):
    def numbers(seed):
        world = make_hub(shipped_catalogue, seed=seed).worlds["default"]
        world.accounts[KEY].balance = 10**6
        return [rental.create(world, KEY, "week", 1, "RU", ["opt59"])[0].number for _ in range(60)]

    first = numbers(9)
    assert len(set(first)) == 60 and numbers(9) == first and numbers(10) != first


def test_a_user_catalogue_replaces_the_shipped_one(tmp_path):
    doc = {"services": [{"code": "x1", "name": "Example"}],
           "countries": [{"code": "EN", "iso": "GB", "name": "England", "providers": [{"name": "Vodafone_UK"}],
                          "services": {"x1": {"price_day": "1.5", "stock": {"Vodafone_UK": 2}}}}]}
    path = tmp_path / "cat.json"
    path.write_text(json.dumps(doc))
    cat = load(path)
    assert list(cat.countries) == ["EN"] and cat.countries["EN"].ccode == "+44"
    assert cat.countries["EN"].leases == {"Vodafone_UK": 180}
    assert str(cat.countries["EN"].offers["x1"].price_day) == "1.50"
    hub = build_hub(ServeOptions(catalogue=str(path), clock="manual", start=1_700_000_000))
    for dialect in ("live", "documented", "sdk"):  # C10: a user's file serves worlds of every dialect
        world = hub.create_world(WorldConfig(dialect=dialect, accounts={f"k-{dialect}": Decimal("1")}))
        assert list(world.catalogue.countries) == ["EN"], dialect


@pytest.mark.parametrize("doc,msg", [
    ([], 'document: [] is not of type "object"'),
    ({"countries": []}, 'document: "services" is a required property'),
    ({"services": [], "countries": [{"code": "QQ", "providers": [], "services": {}}]}, "not an ISO 3166"),
    ({"services": [], "countries": [{"code": "RU", "providers": [], "services": {"o": {}}}]},
     'countries[RU].services.o: "price_day" is a required property'),
    ({"services": [], "countries": [{"code": "RU", "providers": [], "services": {"o": {"price_day": 1}}}]},
     "unknown service 'o'"),
    ({"services": [{"code": "o", "name": "O"}], "countries": [{"code": "RU", "providers": [{"name": "A"}],
      "services": {"o": {"price_day": 1, "procent": 101}}}]},
     "countries[RU].services.o.procent: 101 is greater than the maximum of 100"),
    ({"services": [{"code": "o", "name": {}}], "countries": []}, 'services[o].name: {} is not of type "string"'),
    ({"services": [{"code": "o", "name": "O"}], "countries": [{"code": "RU", "providers": [{"name": "A"}],
      "services": {"o": {"price_day": 1, "stock": {"B": 1}}}}]}, "unknown provider 'B'"),
    ({"services": [{"code": "o", "name": "O"}], "countries": [{"code": "RU", "providers": [{"name": "A"}],
      "services": {"o": {"price_day": "cheap"}}}]}, "RU o: price_day must be a decimal number such as '12.50'"),
    ({"services": [{"code": "o", "name": "O"}], "countries": [{"code": "RU", "providers": [{"name": "A"}],
      "services": {"o": {"price_day": -2}}}]}, "RU o: price_day must not be negative, got -2"),
    ({"services": [{"code": "o", "name": "O"}], "countries": [{"code": "RU", "providers": [{"name": "A"}],
      "services": {"o": {"price_day": "1.005"}}}]}, "RU o: price_day must have at most two decimals"),
    ({"services": [], "countries": [{"code": "RU", "providers": [{"name": "A", "lease_days": 30}],
      "services": {}}]}, "countries[RU].providers[A].lease_days: 30 is less than the minimum of 90"),
])
def test_catalogue_errors_name_the_place(doc, msg):
    with pytest.raises(CatalogueError) as info:
        parse(doc)
    assert msg in str(info.value)


def test_not_json(tmp_path):
    path = tmp_path / "c.json"
    path.write_text("{nope")
    with pytest.raises(CatalogueError, match="not JSON"):
        load(path)


@pytest.mark.parametrize("text, why", [("[" * 100_000, "nested too deeply"), (b'{"x": "\xff"}', "not UTF-8 text")])
def test_a_file_nested_too_deeply_or_not_utf8_is_refused_by_name(tmp_path, text, why):
    path = tmp_path / "c.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(CatalogueError) as info:
        load(path)
    assert str(info.value) == f"{path}: not JSON ({why})"


def _one_country(**extra) -> dict:
    country = {"code": "PT", "providers": [{"name": "MEO"}], "services": {"x1": {"price_day": 1, "stock": {"MEO": 1}}}}
    return {"services": [{"code": "x1", "name": "Example"}], "countries": [{**country, **extra}]}


def test_number_form_defaults_to_full_for_older_files():
    """W17: the live service writes every country's number whole; a file without the field says so too."""
    country = parse(_one_country()).countries["PT"]
    assert country.number_form == "full"
    assert country.live_number("351969179362") == ("351969179362", "")


def test_national_number_form_writes_the_number_without_its_dial_code():
    cat = parse(_one_country(number_form="national"))
    assert cat.countries["PT"].live_number("351969179362") == ("969179362", "+351")
    assert cat.copy().countries["PT"].number_form == "national"
    assert parse(cat.to_doc()).countries["PT"].number_form == "national"


def test_unknown_number_form_is_refused_by_name():
    with pytest.raises(CatalogueError) as info:
        parse(_one_country(number_form="e164"))
    assert str(info.value) == 'countries[PT].number_form: "e164" is not one of "national" or "full"'
