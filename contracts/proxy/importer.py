"""`rent-mock import`: a recording (or a live upstream) turned into a catalogue file and evidence rows."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable, Iterator

import pycountry

from ..fetch import BadJSON, parse_json
from .upstream import Upstream

DEFAULT_LEASE_DAYS = 120  # the recording cannot show a provider's lease; ours: above the 90-day guarantee
ANY_PROVIDER = "Any"  # stock recorded without a per-provider split
NON_ISO = {"UK": "GB", "EN": "GB"}  # the service's own country codes where they differ from ISO 3166


def read_recording(path: str | Path) -> Iterator[dict]:
    """The entries of a JSON-lines recording (lines that are not JSON objects, parsed defensively, are skipped)."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                entry = parse_json(line)
            except BadJSON:  # also NaN, Infinity and nesting no answer has
                continue
            if isinstance(entry, dict):
                yield entry


def _data(entry: dict):
    answer = entry.get("answer")
    if isinstance(answer, dict) and answer.get("status") == 1:
        return answer.get("data")
    return None


def _iso(code: str) -> str | None:
    iso = NON_ISO.get(code.upper(), code.upper())
    return iso if pycountry.countries.get(alpha_2=iso) else None


def _price(value) -> float | None:
    try:
        out = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return float(out) if out.is_finite() and out >= 0 else None


def _int(value, default: int = 0) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return default


class CatalogueBuilder:
    """Collects what recorded answers show of countries, services, prices, stock and number forms."""

    def __init__(self):
        self.services: dict[str, dict] = {}
        self.countries: dict[str, dict] = {}
        self.offers: dict[str, dict[str, dict]] = {}
        self.providers: dict[str, set[str]] = {}
        self.number_forms: dict[str, str] = {}  # country -> the form its recorded create answers show
        self.paypal: dict = {}
        self.skipped: list[str] = []

    def add(self, entry: dict) -> None:
        """Learn from one recorded exchange."""
        method, query, data = entry.get("method"), entry.get("query"), _data(entry)
        if data is None or not isinstance(query, dict):
            return
        country = str(query.get("country", ""))
        if method == "getcountries" and isinstance(data, list):
            for item in data:
                if isinstance(item, dict) and item.get("code"):
                    self.countries[str(item["code"])] = {k: item[k] for k in item if isinstance(item[k], str)}
        elif method == "get_default_services" and isinstance(data, list):
            for item in data:
                self._service(item)
        elif method in ("getdata", "getdataWithProviders") and country:
            items = data.get("services") if isinstance(data, dict) else data
            for item in items if isinstance(items, list) else []:
                self._offer(country, item)
        elif method in ("create", "create_multi") and country:
            for item in data if isinstance(data, list) else [data]:
                if isinstance(item, dict) and isinstance(item.get("ccode"), str):
                    self.number_forms[country] = "full" if item["ccode"] == "" else "national"
        elif method == "get_days_canada_paypal" and isinstance(data, list):
            self.paypal["canada_days"] = data
        elif method == "get_min_paypal_days" and isinstance(data, dict) and "Days" in data:
            self.paypal["min_days"] = _int(data["Days"], 30)

    def _service(self, item) -> str | None:
        if not isinstance(item, dict) or not item.get("service"):
            return None
        code = str(item["service"])
        known = self.services.setdefault(code, {"code": code, "name": code, "img": ""})
        if item.get("name"):
            known["name"] = str(item["name"])
        if item.get("img"):
            known["img"] = str(item["img"])
        return code

    def _offer(self, country: str, item) -> None:
        code = self._service(item)
        price = _price(item.get("price_day")) if code else None
        if price is None:
            return
        count = item.get("count")
        stock = ({str(p): _int(n) for p, n in count.items()} if isinstance(count, dict)
                 else {ANY_PROVIDER: _int(count)})
        self.providers.setdefault(country, set()).update(stock)
        self.offers.setdefault(country, {})[code] = {
            "price_day": price, "procent_days": _int(item.get("procent_days")), "procent": _int(item.get("procent")),
            "day_step": _int(item.get("day_step")), "stock": stock}

    def document(self) -> dict:
        """The catalogue file `rent-mock serve --catalogue` loads."""
        countries = []
        for code in sorted(set(self.countries) | set(self.offers)):
            iso = _iso(code)
            if iso is None:
                self.skipped.append(f"{code}: not an ISO 3166 country code the mock can dial")
                continue
            seen = self.countries.get(code, {})
            entry = {"code": code, "name": seen.get("name", code),
                     "rent_switch_type": seen.get("rent_switch_type", "NORMAL"),
                     "providers": [{"name": p, "lease_days": DEFAULT_LEASE_DAYS}
                                   for p in sorted(self.providers.get(code, ()))],
                     "services": self.offers.get(code, {})}
            for key in ("rent_avail_prolong", "url_country_name"):
                if key in seen:
                    entry[key] = seen[key]
            if iso != code:
                entry["iso"] = iso
            if code in self.number_forms:
                entry["number_form"] = self.number_forms[code]
            countries.append(entry)
        doc = {"version": 1, "services": [self.services[c] for c in sorted(self.services)], "countries": countries}
        if self.paypal:
            doc["paypal"] = {"canada_days": self.paypal.get("canada_days", []),
                             "min_days": self.paypal.get("min_days", 30)}
        return doc


def evidence_rows(entries: Iterable[dict]) -> list[str]:
    """Markdown rows proposed for docs/evidence.md: one per method and answer kind, first seen first."""
    rows, seen = [], set()
    for entry in entries:
        answer, verdict = entry.get("answer"), entry.get("verdict")
        if not isinstance(answer, dict) or not isinstance(entry.get("method"), str):
            continue
        kind = "success" if answer.get("status") == 1 else f"refusal {str(answer.get('msg', ''))[:40]!r}"
        found = verdict.get("fits") if isinstance(verdict, dict) else None
        fits = tuple(str(d) for d in found) if isinstance(found, list) else ()
        key = (entry["method"], kind, fits)
        if key in seen:
            continue
        seen.add(key)
        at = entry.get("at")
        when = (datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%d")
                if isinstance(at, (int, float)) and 0 <= at < 253402300800 else "undated")
        fits = ", ".join(fits) or "no dialect"
        recorded = json.dumps(answer, ensure_ascii=False)[:200].replace("|", "\\|")
        rows.append(f"| {entry['method']} {kind} | fits: {fits} | recording {when} | `{recorded}` |")
    return rows


def fetch(upstream: Upstream, countries: list[str] | None = None, apikey: str | None = None,
          pace: float = 0.0, sleep=time.sleep) -> list[dict]:
    """Entries for the upstream's catalogue read now (getcountries, services, each country's offers)."""
    def ask(query: dict) -> dict:
        if pace:
            sleep(pace)
        if apikey and query["method"] in ("getdataWithProviders", "getdata"):
            query = {**query, "apikey": apikey}
        answer = upstream.rent(query)
        entry = {"at": time.time(), "method": query["method"], "query": query, "answer": answer.payload}
        return entry if answer.error is None else {**entry, "upstream_error": answer.error}

    entries = [ask({"method": "getcountries"}), ask({"method": "get_default_services"})]
    data = _data(entries[0])
    codes = countries or [str(c.get("code")) for c in (data if isinstance(data, list) else []) if isinstance(c, dict)]
    entries += [ask({"method": "getdataWithProviders", "country": code}) for code in codes]
    entries += [ask({"method": "get_days_canada_paypal"}), ask({"method": "get_min_paypal_days"})]
    return entries
