"""The calls a public Telegram bot makes to rent a number, written anew from its source (not copied).

Source: sharafadeenhammed/telegram-bot @ a7f66df1e1de76cf4309389c0e94a15a3ee2f620, controllers/services.js
(`getRentalNumber`) and controllers/smspva.js (`getOtuPrice`, `getRentalNumber`, `actviveRentedNumber`). The bot
asks `/priemnik.php?metod=get_service_price` first and rents only when `response` is exactly the string "1"; it
prices a week at (price + 1) * 7, then calls `create` and `activate` and keeps `data.id`, `+data.pnumber` and
`data.until`. Its recorded live rental went through this path in PT (opt205, 2024-07; docs/evidence.md S2, W14).
Exits 0 when the rental went through, 1 with the step that stopped it otherwise.
"""
import os
import sys

import requests

BASE = os.environ["RENT_MOCK_BASE_URL"]
KEY = os.environ["RENT_MOCK_APIKEY"]
COUNTRY, SERVICE = os.environ.get("BOT_COUNTRY", "PT"), os.environ.get("BOT_SERVICE", "opt205")


def main() -> int:
    price = requests.get(BASE + "/priemnik.php", params={"metod": "get_service_price", "service": SERVICE,
                                                         "country": COUNTRY, "apikey": KEY}, timeout=10)
    try:
        body = price.json()
    except ValueError:
        print(f"get_service_price: not JSON: {price.text[:80]!r}")
        return 1
    if body.get("response") != "1":  # the bot's check is strict: "1", the string
        print(f"get_service_price: response {body.get('response')!r}")
        return 1
    week = (float(body["price"]) + 1) * 7
    rent = requests.get(BASE + "/api/rent.php", params={"method": "create", "service": SERVICE, "country": COUNTRY,
                                                        "apikey": KEY, "dtype": "week", "dcount": 1}, timeout=10).json()
    if str(rent.get("status")) != "1":  # the bot compares loosely: status == "1"
        print(f"create: {rent}")
        return 1
    data = rent["data"]
    requests.get(BASE + "/api/rent.php", params={"method": "activate", "apikey": KEY, "id": data["id"]}, timeout=10)
    print(f"rented +{data['pnumber']} (order {data['id']}, until {data['until']}000) for the bot's {week:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
