"""Regenerate the shipped catalogues from scripts/catalogue_facts.json (deterministic; run by hand).

Two catalogues (docs/evidence.md C10): `mockserver/core/data/catalogue.json`, the live one (live worlds: the newest
list of services and countries, S14), and `mockserver/core/data/catalogue-reference.json`, the reference one
(documented and sdk worlds: the 2024-07 recording S1 and the countries the reference page's examples use, RU
among them). The facts file holds what the live service is known to have (sources in docs/evidence.md); dial
codes and country names come from phonenumbers and pycountry; what no source gives (prices outside the recorded
country, stock, discounts, lease lengths) is drawn from the facts' seeds, so the output is the same every run.
`python scripts/gen_catalogue.py --check` exits 1 when a shipped file differs from what the facts give.
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
DATA = ROOT / "mockserver" / "core" / "data"
OUT = DATA / "catalogue.json"  # the live catalogue
OUT_REFERENCE = DATA / "catalogue-reference.json"

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


def _country(entry: dict, plan: dict, rng: random.Random) -> dict:
    """One country's document: `plan` says which services exist (with their recorded price and count), which
    country the recording is of, which services every country offers and how many each offers."""
    code = entry["code"]
    iso = entry.get("iso", code)
    if phonenumbers.example_number_for_type(iso, phonenumbers.PhoneNumberType.MOBILE) is None:
        raise ValueError(f"country {code}: phonenumbers has no mobile numbers for {iso}")
    services = plan["services"]
    providers = entry["providers"]
    leases = {p: rng.choice(LEASES) for p in providers}
    recorded = code == plan["recorded_country"]
    known = {**entry.get("prices", {}), **{s: k["price_day"] for s, k in plan["known"].get(code, {}).items()}}
    if recorded:  # the recorded list is this country's: its prices and counts as they were
        codes, factor = [s["code"] for s in services], Decimal(1)
    else:
        everywhere = plan["offered_everywhere"]
        others = [s["code"] for s in services if s["code"] not in everywhere]
        picked = set(everywhere) | set(rng.sample(others, plan["offers_per_country"] - len(everywhere)))
        picked |= set(plan["known"].get(code, {}))  # a service seen live in this country is offered there
        codes, factor = [s["code"] for s in services if s["code"] in picked], Decimal(rng.randint(80, 220)) / 100
    offers = {}
    for service in (s for s in services if s["code"] in set(codes)):
        total = service["count"] if recorded else rng.randint(0, 150)
        discounted = rng.random() < 0.5
        stock = plan["known"].get(code, {}).get(service["code"], {}).get("stock")
        offers[service["code"]] = {
            "price_day": known.get(service["code"]) or _price(service["price_day"], factor),
            "procent_days": 30 if discounted else 0,
            "procent": rng.choice((5, 10, 15, 20)) if discounted else 0,
            "day_step": 0,
            "stock": dict(stock) if stock else _split(total, providers, rng),  # as seen live: only those listed
        }
    doc = {"code": code, "name": entry.get("name") or english_name(iso),
           "rent_switch_type": entry.get("rent_switch_type", "NORMAL"), "rent_avail_prolong": "1",
           "url_country_name": english_name(iso).lower().replace(" ", "-"),
           "number_form": entry.get("number_form", "full")}  # live writes every country whole (W17)
    if iso != code:
        doc["iso"] = iso
    doc["providers"] = [{"name": p, "lease_days": leases[p]} for p in providers]
    doc["services"] = offers
    return doc


def _paypal(facts: dict) -> dict:
    return {"canada_days": facts["paypal"]["canada_days"], "min_days": facts["paypal"]["min_days"]}


def build(facts: dict | None = None) -> dict:
    """The reference catalogue the facts give (same facts, same document): documented and sdk worlds."""
    facts = facts if facts is not None else load_facts()
    rng = random.Random(facts["seed"])
    plan = {"services": facts["services"], "recorded_country": facts["recorded_country"], "known": {},
            "offered_everywhere": facts["offered_everywhere"], "offers_per_country": facts["offers_per_country"]}
    return {
        "version": 1,
        "services": [{"code": s["code"], "name": s["name"], "img": s["img"]} for s in facts["services"]],
        "countries": [_country(entry, plan, rng) for entry in facts["countries"]],
        "paypal": _paypal(facts),
    }


def _live_services(facts: dict, rng: random.Random) -> list[dict]:
    """The newest list's services: its names; S1's img, price and count where S1 has the code, else seeded; the
    documentation's logo (S19) where S1 has none."""
    recorded = {s["code"]: s for s in facts["services"]}
    icons = facts["live"].get("icons", {}).get("img", {})
    out = []
    for entry in facts["live"]["services"]:
        base = recorded.get(entry["code"])
        if base is None:
            base = {"img": "", "price_day": str(Decimal(rng.randint(30, 250)) / 100), "count": rng.randint(0, 40)}
        out.append({"code": entry["code"], "name": entry["name"], "img": base["img"] or icons.get(entry["code"], ""),
                    "price_day": base["price_day"], "count": base["count"]})
    return out


def build_live(facts: dict | None = None) -> dict:
    """The live catalogue the facts give: the newest list's services and countries (live worlds)."""
    facts = facts if facts is not None else load_facts()
    live = facts["live"]
    rng = random.Random(live["seed"])
    services = _live_services(facts, rng)
    entries = {c["code"]: c for c in facts["countries"] + live["new_countries"]}
    plan = {"services": services, "recorded_country": facts["recorded_country"], "known": live["known"],
            "offered_everywhere": live["offered_everywhere"], "offers_per_country": facts["offers_per_country"]}
    return {
        "version": 1,
        "services": [{"code": s["code"], "name": s["name"], "img": s["img"]} for s in services],
        "countries": [_country(entries[code], plan, rng) for code in live["countries"]],
        "paypal": _paypal(facts),
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
    """Write both catalogues, or with --check compare them with the shipped ones."""
    texts = {OUT: render(build_live()), OUT_REFERENCE: render(build())}
    if "--check" in argv:
        stale = [path for path, text in texts.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
        for path in stale:
            print(f"{path} differs from what {FACTS} gives: run python scripts/gen_catalogue.py")
        return 1 if stale else 0
    for path, text in texts.items():
        path.write_text(text, encoding="utf-8")
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
