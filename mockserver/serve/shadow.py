"""The mock standing in for the upstream in `rent-mock proxy --spy` and `--diff`: an in-process mock seeded
with the upstream's catalogue, prices and balance. Importing this module offers it to the proxy
(`contracts.proxy.backing`), which cannot import the mock itself."""
from __future__ import annotations

import json
import tempfile
import threading

import requests

from contracts.proxy import backing, importer
from contracts.proxy.app import Shadow
from contracts.proxy.guard import read_balance
from contracts.proxy.upstream import Upstream
from contracts.target import TargetError

from mockserver.core.catalogue import CatalogueError, parse
from mockserver.serve.server import ServeOptions, make_server


def _balance(upstream: Upstream, apikey: str | None) -> str:
    """The upstream account's balance (the shadow world starts with it), or 100 when it cannot be read."""
    amount = read_balance(upstream, apikey)[0] if apikey else None  # what the spending guard reads, the same way
    return str(amount) if amount is not None else "100"


def start_shadow(upstream: Upstream, dialect: str, countries: list[str] | None, apikey: str | None):
    """An in-process mock seeded with the upstream's catalogue and prices; returns (Shadow, served mock)."""
    builder = importer.CatalogueBuilder()
    entries = importer.fetch(upstream, countries, apikey)
    for entry in entries:
        builder.add(entry)
    doc = builder.document()
    if not doc["countries"]:
        first = entries[0]
        said = first.get("upstream_error") or f"it answered {json.dumps(first['answer'], ensure_ascii=False)[:80]}"
        raise TargetError(f"the upstream {upstream.base} showed no catalogue to seed the mock from "
                          f"(getcountries: {said})")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False)
    served = make_server(ServeOptions(port=0, catalogue=fh.name, clock="real", dialect=dialect))
    threading.Thread(target=served.server.run, daemon=True, name="rent-mock-shadow").start()
    base = f"http://127.0.0.1:{served.server.effective_port}"
    made = requests.post(base + "/_mock/worlds", json={"dialect": dialect, "clock": "real",
                                                       "balance": _balance(upstream, apikey)}, timeout=10).json()
    return Shadow(Upstream(base + made["base_path"]), made["apikey"]), served


def check_catalogue(doc: dict) -> None:
    """Raise ValueError naming what is wrong when the mock could not serve catalogue `doc`."""
    try:
        parse(doc)
    except CatalogueError as exc:
        raise ValueError(str(exc)) from None


backing.provide(start_shadow, check_catalogue)
