"""Scenario files (TOML): who rents what, how they behave, and what the supply side does."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path


class ScenarioError(ValueError):
    """A scenario that cannot run; the message names the field."""


@dataclass
class WorldSpec:
    """The simulated world's rules."""

    start: int = 1_700_000_000
    hold_days: int = 30
    refund: str = "lost_only"
    activation_delay: tuple[int, int] = (600, 900)
    active_window: tuple[int, int] = (600, 1800)


@dataclass
class RenterSpec:
    """The population of renters and their habits (rates are per renter)."""

    count: int = 100
    balance: tuple[float, float] = (20.0, 200.0)
    topup_probability: float = 0.5  # when short of money, chance to top up instead of giving up
    topup_amount: float = 50.0
    countries: dict[str, float] = field(default_factory=lambda: {"RU": 1.0})
    services: dict[str, float] = field(default_factory=lambda: {"opt16": 1.0})
    periods: dict[str, float] = field(default_factory=lambda: {"week": 3.0, "month": 1.0})
    rentals_per_month: float = 1.0
    activate_probability: float = 0.9  # chance a rental is ever activated
    activations_per_day: float = 0.5  # while a rental runs, how often its renter wants a code
    read_delay_minutes: tuple[float, float] = (1.0, 30.0)
    prolong_probability: float = 0.5  # decided once a rental enters its last 7 days
    delete_probability: float = 0.05  # chance a rental is deleted early
    restore_probability: float = 0.3  # after a rental lapses, chance its renter tries to restore it
    restore_after_days: tuple[float, float] = (1.0, 40.0)


@dataclass
class SupplySpec:
    """The supply side: SMS, numbers going offline, stock."""

    sms_per_code: tuple[int, int] = (1, 2)  # SMS a site sends when the renter asks for a code
    sms_delay_minutes: tuple[float, float] = (0.5, 20.0)  # from asking to the SMS arriving
    stray_sms_per_day: float = 0.1  # unsolicited SMS per running rental (lost unless active)
    offline_per_day: float = 0.002  # chance per running rental per day that its number drops out (−1)
    back_after_hours: tuple[float, float] = (1.0, 48.0)
    stock: int | None = None  # per provider and service; None keeps the catalogue's


@dataclass
class Scenario:
    """A whole scenario."""

    name: str = "scenario"
    days: int = 30
    world: WorldSpec = field(default_factory=WorldSpec)
    renters: RenterSpec = field(default_factory=RenterSpec)
    supply: SupplySpec = field(default_factory=SupplySpec)


def _section(cls, data: dict, where: str):
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ScenarioError(f"{where}: unknown field {unknown[0]!r}")
    values = {}
    for key, value in data.items():
        default = getattr(cls(), key)
        if isinstance(default, tuple):
            if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value)
                    and value[0] <= value[1]):
                raise ScenarioError(f"{where}.{key}: expected [low, high], got {value!r}")
            value = (type(default[0])(value[0]), type(default[1])(value[1]))
        elif isinstance(default, dict):
            if not isinstance(value, dict) or not value or any(not isinstance(w, (int, float)) or w < 0
                                                               for w in value.values()):
                raise ScenarioError(f"{where}.{key}: expected a table of non-negative weights")
        elif isinstance(default, float) and isinstance(value, int):
            value = float(value)
        elif default is None:  # optional counts (stock)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ScenarioError(f"{where}.{key}: expected a non-negative integer, got {value!r}")
        elif isinstance(value, bool) or not isinstance(value, type(default)):
            raise ScenarioError(f"{where}.{key}: expected {type(default).__name__}, got {value!r}")
        if key.endswith("probability") and not 0 <= value <= 1:
            raise ScenarioError(f"{where}.{key}: a probability is between 0 and 1")
        values[key] = value
    return cls(**values)


def parse(data: dict) -> Scenario:
    """A scenario from its TOML tables."""
    unknown = sorted(set(data) - {"name", "days", "world", "renters", "supply"})
    if unknown:
        raise ScenarioError(f"unknown section {unknown[0]!r}")
    days = data.get("days", 30)
    if not isinstance(days, int) or not 1 <= days <= 3650:
        raise ScenarioError(f"days: expected 1..3650, got {days!r}")
    return Scenario(name=str(data.get("name", "scenario")), days=days,
                    world=_section(WorldSpec, data.get("world", {}), "world"),
                    renters=_section(RenterSpec, data.get("renters", {}), "renters"),
                    supply=_section(SupplySpec, data.get("supply", {}), "supply"))


def load(path: str | Path) -> Scenario:
    """Read a scenario file."""
    try:
        return parse(tomllib.loads(Path(path).read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not TOML ({exc})") from None


SHIPPED = Path(__file__).resolve().parent / "scenarios"
