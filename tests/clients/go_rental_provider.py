"""The reads a Go rental client makes of rent.php, written anew in Python from its source (not copied).

Source: lien0219/modurelay (Go, package `service`; docs/evidence.md S18): `PurchaseRentalMulti` decodes
`create_multi`'s data into one struct `{id, pnumber, until int64}` and then calls `activate`; `AddRentalService`
sends the number without "+" and decodes `{id, pnumber, service, until int64}`, failing without an id;
`RentalHistory` reads `isAvailForRestore` (a missing key reads as false, and the caller then refuses to restore);
`RestoreRental` decodes `{id}`. It passes back the phone its own create returned, as the whole number. Go's decoder refuses a list or `true` where a struct is declared, so each read
below insists on an object. The clock is moved through the control API, as a test of that client would.
Exits 0 when every step went through, 1 naming the step that stopped it.
"""
import os
import sys

import requests

API = os.environ["RENT_MOCK_API_URL"]
KEY = os.environ["RENT_MOCK_APIKEY"]
CONTROL = os.environ["RENT_MOCK_CONTROL_URL"]
COUNTRY = os.environ.get("GO_COUNTRY", "RO")  # the test runs it where live writes numbers whole: RO, KZ
DAY = 86_400


class Stop(Exception):
    """A step the Go client could not get past."""


def rent(method: str, **params) -> object:
    body = requests.get(API, params={"method": method, "apikey": KEY, **params}, timeout=10).json()
    if body.get("status") != 1:
        raise Stop(f"{method}: {body.get('msg')}")
    return body.get("data")


def struct(method: str, data: object, *keys: str) -> dict:
    """What json.Unmarshal into a struct accepts: an object (missing keys read as zero values)."""
    if not isinstance(data, dict):
        raise Stop(f"{method}: cannot decode {type(data).__name__} into a struct")
    return {k: data.get(k) for k in keys}


def main() -> None:
    multi = struct("create_multi", rent("create_multi", dtype="week", dcount=1, country=COUNTRY,
                                        services="opt6,opt7"), "id", "pnumber", "until")
    if not multi["id"]:
        raise Stop("create_multi: no order id")
    rent("activate", id=multi["id"])
    added = struct("add_service_to_order", rent("add_service_to_order", id=multi["id"], service="opt16",
                                                pnumber=str(multi["pnumber"]).lstrip("+")),
                   "id", "pnumber", "service", "until")
    if not added["id"]:
        raise Stop("add_service_to_order: no order id")
    requests.post(CONTROL + "/clock", json={"advance": 8 * DAY}, timeout=10)  # the rental expires
    history = rent("get_rent_history", skip=0, take=20)
    if not any(h.get("orderId") == multi["id"] and h.get("isAvailForRestore") is True for h in history):
        raise Stop("get_rent_history: the order is not available for restore")
    quote = struct("restore_user_precalc", rent("restore_user_precalc", id=multi["id"]), "price", "orderid")
    if not quote["price"] or quote["price"] <= 0:
        raise Stop("restore_user_precalc: no valid price")
    restored = struct("restore_user", rent("restore_user", id=multi["id"]), "id")
    if not restored["id"]:
        raise Stop("restore_user: no order id")
    print(f"multi {multi['id']} on {multi['pnumber']}, added {added['service']}, restored {restored['id']}")


if __name__ == "__main__":
    try:
        main()
    except Stop as stop:
        print(f"stopped at {stop}")
        sys.exit(1)
