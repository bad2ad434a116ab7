"""The model's world: accounts and their ledgers, orders with their presence, the archive, SMS per number,
held numbers and stock, and time passing (expiry at until, the end of a hold) in time order."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterator

from .arithmetic import DAY, WorldParams
from .catalogue import Catalogue, Country
from .presence import Presence, lost
from .probe import edge

ZERO = Decimal("0")


@dataclass
class Sms:
    """One delivered SMS: addressed to `service` of the number, for the renter `apikey`."""

    text: str
    sender: str
    date: int
    service: str
    apikey: str
    read: bool = False


@dataclass
class Order:
    """One rental as the model knows it; `provider` is None until the stock the target shows tells it."""

    id: int | None  # None until the target shows it
    apikey: str
    country: str
    service: str
    number: str  # the full number, digits without +
    begin: int
    until: int
    days: int
    presence: Presence
    candidates: tuple[str, ...] = ()  # providers it may be on while `provider` is unknown
    provider: str | None = None
    lease_until: int | None = None  # canprolonguntil, when known
    extra: list[str] = field(default_factory=list)
    paid: Decimal = ZERO  # charged for this order in total (create, prolong, add_service, restore)
    refunded: Decimal = ZERO
    closed: int | None = None
    end: int | None = None
    deleted: bool = False
    held_until: int | None = None
    state_rule: str = "STATE-CREATE"  # the rule that set the state the order is in
    until_rule: str = "STATE-CREATE"  # the rule that set `until`
    seq: int = 0  # when its expiry was last scheduled (ties at one moment apply in that order)

    @property
    def services(self) -> list[str]:
        """Every service whose SMS the order receives."""
        return [self.service, *self.extra]

    @property
    def live(self) -> bool:
        """True while the order is in `orders`."""
        return self.closed is None


@dataclass
class Closure:
    """One archive line's dates and days (the latest closing of an order)."""

    begin: int
    end: int
    closed: int
    days: int


@dataclass
class Account:
    """A renter: balance, running orders (in the order they entered `orders`) and archive (closing order)."""

    apikey: str
    balance: Decimal
    live: list[int] = field(default_factory=list)
    archive: list[int] = field(default_factory=list)


class World:
    """One world of the target as the model predicts it."""

    def __init__(self, name: str | None, dialect: str, params: WorldParams, catalogue: Catalogue, now: int,
                 strict: bool = True):
        self.name, self.dialect, self.params, self.catalogue = name, dialect, params, catalogue
        self.now = now
        self.strict = strict  # the target is the mock: our own words and choices are predicted exactly
        self.accounts: dict[str, Account] = {}
        self.orders: dict[int, Order] = {}
        self.closures: dict[int, Closure] = {}
        self.holders: dict[str, set[int]] = {}
        self.sms: dict[str, list[Sms]] = {}
        self.issued: set[int] = set()  # every order id the target issued (any world): a new id is none of them
        self.overrides: dict[str, str] = {}  # method -> variant, where the world departs from its dialect
        self.pending: list[Order] = []  # orders whose provider the stock has not shown yet
        self.unnamed: list[Order] = []  # orders made whose id the answer did not show (create_multi's first alone)
        self.money_rule = "PRICE-PERIOD"  # the rule behind the latest change of a balance
        self._seq = 0

    # -- accounts ---------------------------------------------------------------------------------
    def open_account(self, apikey: str, balance: Decimal) -> Account:
        """An account the target opened with `balance`."""
        self.accounts[apikey] = Account(apikey, Decimal(balance))
        return self.accounts[apikey]

    def owned(self, apikey: str, order_id: int, live_only: bool = True) -> Order | None:
        """The order if `apikey` owns it (and it runs, unless `live_only` is False)."""
        order = self.orders.get(order_id)
        if order is None or order.apikey != apikey or (live_only and not order.live):
            return None
        return order

    def country_of(self, order: Order) -> Country | None:
        """The order's country while the catalogue still has it."""
        return self.catalogue.countries.get(order.country)

    def fast(self, country: str) -> bool | None:
        """Whether `country`'s numbers are always active (None: unknown)."""
        land = self.catalogue.countries.get(country)
        return land.fast if land else False

    def scheduled(self, order: Order) -> None:
        """Note that the order's expiry was (re)scheduled now: ties at one moment go in this order."""
        self._seq += 1
        order.seq = self._seq

    def pending_order(self, order: Order) -> None:
        """A new order: its provider is pinned now when only one was possible, else by the next stock read."""
        if len(order.candidates) == 1:
            self.pin(order, order.candidates[0])
        else:
            self.pending.append(order)

    def adopt(self, order: Order, order_id: int) -> None:
        """An order made earlier whose id the target has now shown."""
        self.unnamed.remove(order)
        order.id = order_id
        self.open(order)
        self.pending_order(order)

    def pin(self, order: Order, provider: str) -> None:
        """The order is on `provider`: its stock is taken there, its lease limit known if the lease is."""
        order.provider, order.candidates = provider, (provider,)
        if order in self.pending:
            self.pending.remove(order)
        offer = self.catalogue.offer(order.country, order.service)
        if offer is not None:
            offer.stock[provider] = offer.stock.get(provider, 0) - 1
        land = self.catalogue.countries.get(order.country)
        if land is not None and provider in land.leases and order.lease_until is None:
            order.lease_until = order.begin + land.leases[provider] * DAY

    # -- time -------------------------------------------------------------------------------------
    def advance(self, now: int) -> None:
        """Move to `now`: every expiry and end of hold on the way, in time order."""
        for order in self.orders.values():
            if order.live:
                edge("expiry", now - order.until)
        before = self.now
        while True:
            due = sorted(self._due(now), key=lambda e: e[:2])
            if not due:
                break
            at, _, kind, order = due[0]
            if kind == "expire":
                self.close(order, at, deleted=False)
            else:
                self.release(order)
        for order in self.orders.values():  # holds that ended on the way, or end soon (expired ones included)
            if not order.live and order.held_until is not None and order.held_until > before:
                edge("hold-end", now - order.held_until)
        self.now = max(self.now, now)

    def _due(self, now: int) -> Iterator[tuple[int, int, str, Order]]:
        for order in self.orders.values():
            if order.live and order.until <= now:
                yield order.until, order.seq, "expire", order
            elif not order.live and order.held_until is not None and order.held_until <= now \
                    and order.id in self.holders.get(order.number, ()):
                yield order.held_until, order.seq, "release", order

    # -- life of an order -------------------------------------------------------------------------
    def open(self, order: Order) -> None:
        """Put an order (new or restored) into `orders`."""
        self.orders[order.id] = order
        self.issued.add(order.id)
        self.scheduled(order)
        self.accounts[order.apikey].live.append(order.id)
        self.holders.setdefault(order.number, set()).add(order.id)

    def close(self, order: Order, at: int, deleted: bool) -> None:
        """Move an order into the archive; a deleted one frees its number at once, an expired one holds it."""
        account = self.accounts[order.apikey]
        account.live.remove(order.id)
        order.presence = order.presence.closed(at)
        order.closed, order.end, order.deleted = at, order.until, deleted
        self.closures[order.id] = Closure(order.begin, order.until, at, order.days)
        account.archive.append(order.id)
        order.held_until = at if deleted else at + self.params.hold_days * DAY
        self.scheduled(order)  # its end of hold
        if deleted:
            self.release(order)

    def release(self, order: Order) -> None:
        """End the order's hold: its number's stock comes back (a lost number never does)."""
        self.holders.get(order.number, set()).discard(order.id)
        if not self.holders.get(order.number):
            self.holders.pop(order.number, None)
        if lost(order.presence) or order.provider is None:
            return
        offer = self.catalogue.offer(order.country, order.service)
        if offer is not None:
            offer.stock[order.provider] = offer.stock.get(order.provider, 0) + 1

    def held(self, number: str) -> bool:
        """True while an order (running or on hold) holds the number."""
        return bool(self.holders.get(number))

    def own_sms(self, order: Order) -> tuple[list[Sms], list[Sms]]:
        """(SMS for the order's services, SMS for the number's other services) since it began, its renter's."""
        own, other = [], []
        for sms in self.sms.get(order.number, ()):
            if sms.apikey == order.apikey and sms.date >= order.begin:
                (own if sms.service in order.services else other).append(sms)
        return own, other

    def siblings(self, order: Order) -> list[Order]:
        """Running orders on the same number (create_multi; the order itself included)."""
        return [self.orders[i] for i in self.holders.get(order.number, ()) if self.orders[i].live]

    def lost(self, order: Order) -> bool:
        """True when the order's number is not in the system."""
        return lost(order.presence)
