"""Accounts: an apikey, a Decimal balance that never goes negative, and a ledger of every movement."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from . import errors as E
from .money import MAX_AMOUNT, money, wire

CREDIT_KINDS = ("initial", "topup", "refund")
# "withdrawal": money a scenario took (the account's funds spent elsewhere: "the balance runs out")
DEBIT_KINDS = ("create", "prolong", "add_service", "restore", "withdrawal")


@dataclass
class Entry:
    """One ledger line; `amount` is always positive, `kind` says which way it moved."""

    at: int
    kind: str
    amount: Decimal
    order: int | None = None

    def as_json(self) -> dict:
        """The entry as the control API shows it."""
        out = {"at": self.at, "kind": self.kind, "amount": wire(self.amount)}
        if self.order is not None:
            out["order"] = self.order
        return out


@dataclass
class Account:
    """A renter's account inside one world."""

    apikey: str
    balance: Decimal = Decimal("0.00")
    ledger: list[Entry] = field(default_factory=list)
    live: dict[int, None] = field(default_factory=dict)  # running order ids, in creation order
    archive: list[int] = field(default_factory=list)  # archived order ids, in closing order

    def can_hold(self, amount: Decimal) -> None:
        """Refuse a credit that would take the balance past MAX_AMOUNT (a state file refuses such a balance)."""
        if self.balance + amount > MAX_AMOUNT:
            raise E.DomainError(E.BALANCE_LIMIT.format(wire(amount), wire(self.balance), wire(MAX_AMOUNT)))

    def credit(self, at: int, kind: str, amount: Decimal, order: int | None = None) -> None:
        """Add money (initial funds, top-up, refund); never past MAX_AMOUNT."""
        amount = money(amount)
        if amount < 0 or kind not in CREDIT_KINDS:
            raise ValueError(f"bad credit {kind} {amount}")
        self.can_hold(amount)
        self.balance += amount
        self.ledger.append(Entry(at, kind, amount, order))

    def require(self, amount: Decimal) -> None:
        """Refuse when the balance cannot pay `amount`."""
        if self.balance < amount:
            raise E.refuse("NO_BALANCE", wire(amount), wire(self.balance))

    def debit(self, at: int, kind: str, amount: Decimal, order: int | None = None) -> None:
        """Take money for a purchase; refuses rather than go negative."""
        amount = money(amount)
        if kind not in DEBIT_KINDS:
            raise ValueError(f"bad debit kind {kind}")
        self.require(amount)
        self.balance -= amount
        self.ledger.append(Entry(at, kind, amount, order))

    def totals(self) -> dict[str, Decimal]:
        """Sums per ledger kind (for the money-conservation invariant)."""
        out: dict[str, Decimal] = {}
        for entry in self.ledger:
            out[entry.kind] = out.get(entry.kind, Decimal("0")) + entry.amount
        return out
