"""Every mutant that survived benchmarks/mutation.py's sample, classified by reading the code: "equivalent" (no
client of rent.php or the account API can tell the mutant from the mock: the reason says why) or "gap" (a
client could: what it would take, and whether conform closed it). Keys are benchmarks/mutation.py's
(path:line:index) at the commit docs/judging.md names; a mutant whose line moved is classified afresh."""
from __future__ import annotations

OUTSIDE = "gap, left open: "  # a survivor in what conform uses as a tool (the control API), not in what it judges

VERDICTS: dict[str, tuple[str, str]] = {
    "mockserver/core/catalogue.py:156:0": (
        "equivalent", "own_services_dict defaults to False: a catalogue built without saying copies its services "
                      "dict before its first change (copy on write) instead of owning it; every constructor that "
                      "shares a dict passes False itself, so answers are the same"),
    "mockserver/core/catalogue.py:156:1": (
        "equivalent", "compare=True adds own_services_dict to Catalogue equality; no request compares catalogues "
                      "(parse compares documents, not Catalogue objects)"),
    "mockserver/core/catalogue.py:238:1": (
        "gap", OUTSIDE + "POST /_mock/catalogue/offers accepts price_day 0; the control API's own validation "
                         "(tests/test_control*.py), which conform only calls with valid changes"),
    "mockserver/core/catalogue.py:41:0": (
        "gap", OUTSIDE + "the catalogue file schema no longer pins version 1; only a catalogue file or a PUT of one "
                         "with another version tells, never a rent.php answer"),
    "mockserver/core/errors.py:26:0": (
        "equivalent", "errors.NOBALANCE is never used by the mock (restore answers BALANCE_NOT_ENOUGH's texts)"),
    "mockserver/core/errors.py:40:0": (
        "equivalent", "the text when order ids run out past 2^53-1: no sequence of calls issues that many ids"),
    "mockserver/core/errors.py:55:1": (
        "gap", OUTSIDE + "the text refusing a top-up past MAX_AMOUNT (10^12): only the control API's accounts reach "
                         "that balance; rent.php never credits more than a refund of what was paid"),
    "mockserver/core/orders.py:46:1": (
        "equivalent", "Order.deleted defaults to None instead of False: every read of it is a truth test and "
                      "closing an order sets it; only a state file would show null"),
    "mockserver/http/account.py:16:1": (
        "gap", "closed in 8883ad3: the account API's JSON answers went out as another media type and every rule "
               "held; conform now judges the Content-Type of both its JSON answers and its refusal pages"),
}
