"""Regenerate mockserver/core/data/catalogue.json from scripts/catalogue_facts.json (deterministic; run by hand).

The facts file holds what the live service is known to have (sources in docs/evidence.md); dial codes and
country names come from phonenumbers and pycountry; what no source gives (prices outside the recorded
country, stock, discounts, lease lengths) is drawn from the facts' seed, so the output is the same every run.
`python scripts/gen_catalogue.py --check` exits 1 when the shipped file differs from what the facts give.
"""
import json
import random
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import phonenumbers
import pycountry

ROOT = Path(__file__).resolve().parent.parent
FACTS = ROOT / "scripts" / "catalogue_facts.json"
OUT = ROOT / "mockserver" / "core" / "data" / "catalogue.json"

LEASES = (120, 180, 180, 240)  # lease days of a provider's numbers; never under the 90 guaranteed days
MIN_PRICE = Decimal("0.05")
CENT = Decimal("0.01")


def load_facts(path: Path = FACTS) -> dict:
    """The facts document."""
    return json.loads(path.read_text(encoding="utf-8"))


def english_name(iso: str) -> str:
    """The country's English common name as pycountry has it ("Germany", "Czechia")."""
    info = pycountry.countries.get(alpha_2=iso)
    if info is None:
        raise ValueError(f"{iso!r} is not an ISO 3166 country code")
    return getattr(info, "common_name", None) or info.name


def _split(total: int, providers: list[str], rng: random.Random) -> dict[str, int]:
    """`total` numbers spread over the providers (the first takes what rounding leaves)."""
    cuts = sorted(rng.randint(0, total) for _ in providers[1:])
    parts = [b - a for a, b in zip([0] + cuts, cuts + [total])]
    return dict(zip(providers, parts))


def _price(recorded: object, factor: Decimal) -> str:
    price = (Decimal(str(recorded)) * factor).quantize(CENT, ROUND_HALF_UP)
    return str(max(price, MIN_PRICE))


def _country(entry: dict, facts: dict, rng: random.Random) -> dict:
    code = entry["code"]
    iso = entry.get("iso", code)
    if phonenumbers.example_number_for_type(iso, phonenumbers.PhoneNumberType.MOBILE) is None:
        raise ValueError(f"country {code}: phonenumbers has no mobile numbers for {iso}")
    services = facts["services"]
    providers = entry["providers"]
    leases = {p: rng.choice(LEASES) for p in providers}
    recorded = code == facts["recorded_country"]
    if recorded:  # the recorded list is this country's: its prices and counts as they were
        codes, factor = [s["code"] for s in services], Decimal(1)
    else:
        everywhere = facts["offered_everywhere"]
        others = [s["code"] for s in services if s["code"] not in everywhere]
        picked = set(everywhere) | set(rng.sample(others, facts["offers_per_country"] - len(everywhere)))
        codes, factor = [s["code"] for s in services if s["code"] in picked], Decimal(rng.randint(80, 220)) / 100
    known = entry.get("prices", {})  # prices seen on the live service for this country
    offers = {}
    for service in (s for s in services if s["code"] in set(codes)):
        total = service["count"] if recorded else rng.randint(0, 150)
        discounted = rng.random() < 0.5
        offers[service["code"]] = {
            "price_day": known.get(service["code"]) or _price(service["price_day"], factor),
            "procent_days": 30 if discounted else 0,
            "procent": rng.choice((5, 10, 15, 20)) if discounted else 0,
            "day_step": 0,
            "stock": _split(total, providers, rng),
        }
    doc = {"code": code, "name": entry.get("name") or english_name(iso),
           "rent_switch_type": entry.get("rent_switch_type", "NORMAL"), "rent_avail_prolong": "1",
           "url_country_name": english_name(iso).lower().replace(" ", "-"),
           "number_form": entry.get("number_form", "national")}
    if iso != code:
        doc["iso"] = iso
    doc["providers"] = [{"name": p, "lease_days": leases[p]} for p in providers]
    doc["services"] = offers
    return doc


def build(facts: dict | None = None) -> dict:
    """The catalogue document the facts give (same facts, same document)."""
    facts = facts if facts is not None else load_facts()
    rng = random.Random(facts["seed"])
    return {
        "version": 1,
        "services": [{"code": s["code"], "name": s["name"], "img": s["img"]} for s in facts["services"]],
        "countries": [_country(entry, facts, rng) for entry in facts["countries"]],
        "paypal": {"canada_days": facts["paypal"]["canada_days"], "min_days": facts["paypal"]["min_days"]},
    }


def render(doc: dict) -> str:
    """The document as text: one service, country header or offer per line, so diffs stay readable."""
    def one(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    def block(items: list[str], indent: str) -> str:
        return ",\n".join(indent + item for item in items)

    countries = []
    for country in doc["countries"]:
        head = {k: v for k, v in country.items() if k != "services"}
        offers = block([f"{one(code)}: {one(offer)}" for code, offer in country["services"].items()], "    ")
        countries.append(one(head)[:-1] + ', "services": {\n' + offers + "\n  }}")
    return ("{\n" f' "version": {doc["version"]},\n'
            ' "services": [\n' + block([one(s) for s in doc["services"]], "  ") + "\n ],\n"
            ' "countries": [\n' + block(countries, "  ") + "\n ],\n"
            f' "paypal": {one(doc["paypal"])}\n' "}\n")


def main(argv: list[str]) -> int:
    """Write the catalogue, or with --check compare it with the shipped one."""
    text = render(build())
    if "--check" in argv:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} differs from what {FACTS} gives: run python scripts/gen_catalogue.py")
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
