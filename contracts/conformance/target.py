"""The server under judgement: what it offers (capabilities), and one session per scenario (a fresh world
of its own on the mock, else the accounts given), with the calls scenarios make."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..client import Exchange, RentClient, SpendGuard, speaks
from ..fetch import DEADLINE, FetchError
from ..registry import DIALECTS
from ..target import Target as Met, body_json, connect
from ..model.arithmetic import WorldParams, cents

# the flag that would give a capability (none: only a server with that extension, e.g. smspva-rent-mock, has it)
FLAGS = {"apikey": ("--apikey KEY",), "spend": ("--apikey KEY", "--allow-spend", "--max-spend AMOUNT"),
         "balance": (), "clock": (), "catalogue": (), "alt": ("--alt-apikey KEY2",)}
START_BALANCE = "100000"  # a world's account on the mock: enough for every scenario's charges


@dataclass
class Settings:
    """How to reach the target and what the run may do there (the CLI's options, pytest's too)."""

    base_url: str
    apikey: str | None = None
    alt_apikey: str | None = None
    admin_token: str | None = None
    dialect: str = "auto"
    allow_spend: bool = False
    max_spend: Decimal | None = None
    pace: float = 0.0
    examples: int = 25  # state-machine examples (0: no state machine)
    timeout: float = DEADLINE  # seconds a whole call may take
    exhaustive: bool = False  # every directed sequence, however long (else those still needed, within a budget)


class Target:
    """Meets the server once (contracts.target.connect: it answers, the mock's token, a rent.php root) and
    learns what it offers: the mock's control API, the balance API, the dialect to judge by."""

    def __init__(self, settings: Settings, met: Met | None = None):
        self.s = settings
        self.met = met or connect(settings.base_url, settings.admin_token, settings.timeout)
        self.root = self.met.base
        self.fetcher = self.met.fetcher
        self.mock_dialect = self.met.mock_dialect
        self.dialect = settings.dialect if settings.dialect != "auto" else (self.mock_dialect or self._speaks())
        if self.dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {self.dialect!r} (known: {', '.join(DIALECTS)})")
        self.worlds: list[str] = []
        self.spent = Decimal("0")
        probe_key = settings.apikey if self.mock_dialect is None else self._probe_world_key()
        self.balance_api = probe_key is not None and self.api_balance(probe_key) is not None
        self.caps = self._capabilities()

    # -- probing ----------------------------------------------------------------------------------
    def _speaks(self) -> str:
        """The dialect a server without the control extension speaks, from its free catalogue answers."""
        return speaks(RentClient(self.root, fetcher=self.fetcher))[0]

    def _probe_world_key(self) -> str | None:
        made = self.new_world()
        return made["apikey"]

    def _capabilities(self) -> dict[str, str | None]:
        """Each capability mapped to None when offered, else the reason it is not."""
        mock = self.mock_dialect is not None
        s = self.s
        return {
            "apikey": None if mock or s.apikey else "no --apikey given",
            "spend": None if mock else (None if s.allow_spend and s.apikey else "costs real money, and spending "
                                        "was not allowed"),
            "balance": None if mock or self.balance_api else "no balance API (/priemnik.php) answered",
            "clock": None if mock else "no /_mock/ clock, SMS and state extension",
            "catalogue": None if mock else "no /_mock/catalogue extension",
            "alt": None if mock or s.alt_apikey else "no --alt-apikey given",
        }

    def missing(self, needs: tuple[str, ...]) -> str | None:
        """Why a rule or scenario needing `needs` cannot run here: every capability it lacks (None: it can)."""
        lacking = [f"{cap}: {self.caps[cap]}" for cap in dict.fromkeys(needs) if self.caps.get(cap)]
        return "; ".join(lacking) or None

    def flag(self, needs: tuple[str, ...]) -> str:
        """The flags that would give every capability `needs` lacks here ("" when no flag can)."""
        lacking = [cap for cap in needs if self.caps.get(cap)]
        if any(not FLAGS[cap] for cap in lacking):
            return ""
        return " ".join(dict.fromkeys(flag for cap in lacking for flag in FLAGS[cap]))

    # -- the mock's worlds ------------------------------------------------------------------------
    def control(self, verb: str, path: str, body: dict | None = None, **query) -> Any:
        """One control call; ControlRefused on a non-2xx answer (the suite's own world set-up must work)."""
        return self.met.control(verb, path, body, query or None)

    def new_world(self) -> dict:
        """A fresh world in the judged dialect with one well-funded account."""
        made = self.control("POST", "/worlds", {"dialect": self.dialect, "balance": START_BALANCE})
        self.worlds.append(made["world"])
        return made

    def close(self) -> None:
        """Delete every world this run made."""
        for name in self.worlds:
            try:
                self.fetcher.request("DELETE", self.root + f"/_mock/worlds/{name}", json_body={},
                                     headers=self.met.headers)
            except FetchError:
                pass
        self.worlds.clear()

    def api_balance(self, apikey: str) -> Decimal | None:
        """The balance from the balance API beside rent.php, None when the server has no such API."""
        try:
            r = self.fetcher.get(self.root + "/priemnik.php",
                                 {"metod": "get_balance", "service": "opt4", "apikey": apikey})
        except FetchError:
            return None
        doc = body_json(r)
        if not isinstance(doc, dict) or str(doc.get("response")) != "1" or "balance" not in doc:
            return None
        return cents(doc["balance"])

    def session(self) -> "Session":
        """A session for one scenario: its own world on the mock, else the given accounts."""
        if self.mock_dialect is None:
            guard = SpendGuard(allow=self.s.allow_spend, max_spend=self._budget_left())
            main = RentClient(self.root, self.s.apikey, guard, self.s.pace, fetcher=self.fetcher)
            alt = RentClient(self.root, self.s.alt_apikey, guard, self.s.pace, fetcher=self.fetcher) \
                if self.s.alt_apikey else None
            return Session(self, main, alt, None, WorldParams.from_world({}, self.dialect))
        made = self.new_world()
        base = self.root + made["base_path"]
        guard = SpendGuard(allow=True)
        alt_key = self.control("POST", "/accounts", {"world": made["world"], "balance": START_BALANCE})["apikey"]
        doc = self.control("GET", f"/worlds/{made['world']}")
        return Session(self, RentClient(base, made["apikey"], guard, fetcher=self.fetcher),
                       RentClient(base, alt_key, guard, fetcher=self.fetcher),
                       made["world"], WorldParams.from_world(doc, self.dialect))

    def _budget_left(self) -> Decimal | None:
        return None if self.s.max_spend is None else self.s.max_spend - self.spent


@dataclass
class Session:
    """One scenario's accounts (main and alt), world and parameters; every call is kept for the report."""

    target: Target
    main: RentClient
    alt: RentClient | None
    world: str | None
    params: WorldParams
    calls: list[Exchange] = field(default_factory=list)
    extra: dict[str, RentClient] = field(default_factory=dict)
    dialect: str = ""

    def __post_init__(self):
        self.dialect = self.target.dialect

    def client(self, who: str) -> RentClient:
        """The client of `who`: "main", "alt", "nokey" (main's, without its key) or an account opened here."""
        if who in ("main", "nokey"):
            return self.main
        if who == "alt":
            return self.alt
        return self.extra[who]

    def call(self, method: str, who: str = "main", **params) -> Exchange:
        """One rent.php call as `who`."""
        ex = self.client(who).call(method, with_key=who != "nokey", **params)
        self.calls.append(ex)
        return ex

    def open_account(self, who: str, balance: object) -> str:
        """Open another account in this world (mock only) with `balance`; later calls name it `who`."""
        made = self.target.control("POST", "/accounts", {"world": self.world, "balance": str(balance)})
        self.extra[who] = RentClient(self.main.base, made["apikey"], self.main.guard, fetcher=self.target.fetcher)
        return made["apikey"]

    def now(self) -> int:
        """The server's time (the mock's world clock; elsewhere the wall clock)."""
        if self.world is None:
            return int(time.time())
        return int(self.target.control("GET", "/clock", world=self.world)["now"])

    def advance(self, seconds: int) -> int:
        """Move the world's clock forward; returns the new now."""
        return int(self.target.control("POST", "/clock", {"world": self.world, "advance": int(seconds)})["now"])

    def set_clock(self, at: int) -> int:
        """Move the world's clock to `at` (never backwards)."""
        return int(self.target.control("POST", "/clock", {"world": self.world, "set": int(at)})["now"])

    def send_sms(self, order: int, text: str, sender: str = "CONFORM") -> dict:
        """Send an SMS to an order's number through the control API."""
        return self.target.control("POST", "/sms", {"world": self.world, "order": order, "text": text,
                                                    "sender": sender})

    def set_state(self, order: int, state: int) -> dict:
        """Force an order's state (−1 lost, 0, 1) through the control API."""
        return self.target.control("POST", f"/orders/{order}/state", {"world": self.world, "state": state})

    def drop(self, country: str, service: str | None = None) -> None:
        """Take a service (or a whole country) out of the world's catalogue."""
        if service is None:
            self.target.control("DELETE", f"/catalogue/countries/{country}", {"world": self.world})
        else:
            self.target.control("DELETE", "/catalogue/offers", {"world": self.world, "country": country,
                                                                "service": service})

    def balance(self, who: str = "main") -> Decimal:
        """The account's balance: the balance API when the server has it, else the mock's accounts."""
        key = self.client(who).apikey
        if self.target.balance_api:
            got = self.target.api_balance(key)
            if got is not None:
                return got
        return cents(self.target.control("GET", f"/accounts/{key}")["balance"])

    def apikey(self, who: str = "main") -> str | None:
        """The apikey of `who`."""
        return self.client(who).apikey
