"""Regenerate mockserver/core/data/catalogue.json (deterministic; run by hand, never at run time)."""
import json
import random
from pathlib import Path

SERVICES = [
    ("opt1", "Facebook"), ("opt2", "Microsoft"), ("opt3", "Yahoo"), ("opt4", "Mail.ru"),
    ("opt5", "VKontakte"), ("opt6", "Google (YouTube, Gmail)"), ("opt7", "WeChat"),
    ("opt8", "Amazon"), ("opt9", "Uber"), ("opt10", "Tinder"), ("opt11", "Viber"),
    ("opt12", "Twitter"), ("opt16", "Instagram"), ("opt19", "Steam"), ("opt20", "WhatsApp"),
    ("opt21", "PayPal"), ("opt23", "Yandex"), ("opt27", "Discord"), ("opt29", "Telegram"),
    ("opt33", "Netflix"), ("opt36", "TikTok"), ("opt40", "Snapchat"), ("opt41", "Line"),
    ("opt43", "Ozon"), ("opt46", "Airbnb"), ("opt48", "1cupis & okcupid & winline"),
    ("opt59", "Avito"), ("opt60", "eBay"), ("opt66", "Apple"), ("opt72", "OpenAI"),
    ("opt89", "Other"),
]

# code -> (ISO 3166 alpha-2 where the service's code differs, local name, switch type, providers, price factor)
COUNTRIES = [
    ("RU", None, "Россия", "NORMAL", ["MTS", "Beeline", "MegaFon", "Tele2"], 1.0),
    ("AT", None, "Österreich", "NORMAL", ["Limbo_AT", "Tele2_AT", "yesss_AT"], 1.6),
    ("US", None, "United States", "FAST", ["T-Mobile", "Verizon", "AT&T"], 2.0),
    ("UK", "GB", "United Kingdom", "NORMAL", ["EE", "Vodafone_UK", "O2_UK"], 1.8),
    ("RO", None, "România", "NORMAL", ["Orange_RO", "Vodafone_RO", "Digi_RO"], 1.2),
    ("AR", None, "Argentina", "NORMAL", ["Claro_AR", "Movistar_AR", "Personal_AR"], 1.1),
    ("KZ", None, "Қазақстан", "NORMAL", ["Beeline_KZ", "Kcell", "Tele2_KZ"], 0.9),
    ("DE", None, "Deutschland", "NORMAL", ["Telekom_DE", "Vodafone_DE", "O2_DE"], 1.9),
    ("NL", None, "Nederland", "NORMAL", ["KPN", "Vodafone_NL", "Odido"], 1.7),
    ("PL", None, "Polska", "NORMAL", ["Orange_PL", "Play", "Plus"], 1.3),
    ("CA", None, "Canada", "FAST", ["Rogers", "Bell", "Telus"], 2.1),
    ("EE", None, "Eesti", "NORMAL", ["Telia_EE", "Elisa_EE", "Tele2_EE"], 1.5),
    ("BR", None, "Brasil", "NORMAL", ["Vivo", "Claro_BR", "TIM_BR"], 1.0),
    ("ID", None, "Indonesia", "NORMAL", ["Telkomsel", "Indosat", "XL"], 0.8),
]


def build(seed: int = 2020) -> dict:
    """Build the catalogue dictionary from the tables above and a fixed seed."""
    rng = random.Random(seed)
    base = {code: round(rng.uniform(0.4, 3.0), 2) for code, _ in SERVICES}
    base["opt46"], base["opt16"], base["opt59"], base["opt48"] = 6, 2.5, 0.08, 5
    countries = []
    for code, iso, name, switch, providers, factor in COUNTRIES:
        lease = {p: rng.choice([120, 180, 180, 240]) for p in providers}
        services = {}
        for scode, _ in SERVICES:
            stock = {p: (0 if rng.random() < 0.06 else rng.randint(3, 120)) for p in providers}
            discounted = rng.random() < 0.5
            services[scode] = {
                "price_day": round(base[scode] * factor, 2),
                "procent_days": 30 if discounted else 0,
                "procent": rng.choice([5, 10, 15, 20]) if discounted else 0,
                "day_step": 0,
                "stock": stock,
            }
        entry = {"code": code, "name": name, "rent_switch_type": switch, "rent_avail_prolong": "1",
                 "url_country_name": name.lower().replace(" ", "-"),
                 "providers": [{"name": p, "lease_days": lease[p]} for p in providers],
                 "services": services}
        if iso:
            entry["iso"] = iso
        countries.append(entry)
    return {
        "version": 1,
        "services": [{"code": c, "name": n, "img": f"images/ico/{c}.ico"} for c, n in SERVICES],
        "countries": countries,
        "paypal": {"canada_days": [{"Days": 30, "Amount": 10}, {"Days": 60, "Amount": 18}, {"Days": 90, "Amount": 25}],
                   "min_days": 30},
    }


if __name__ == "__main__":
    out = Path(__file__).resolve().parent.parent / "mockserver" / "core" / "data" / "catalogue.json"
    out.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(out)
