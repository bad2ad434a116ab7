"""Loading a scenario into a world: its settings, balance and catalogue tweaks, then its events.

Everything is checked before anything changes (a scenario refused leaves the world as it was); the
scenario arrives normalised by `mockserver.scenarios` (durations in seconds, money as strings)."""
from __future__ import annotations

from decimal import Decimal

from contracts.registry import DIALECTS, METHODS

from .bounds import range_problem
from .catalogue import change_offer, offer_problem
from .clock import Clock
from .money import money, parse_amount
from .script import Script, check_events
from .world import REFUND_POLICIES, World

SETTINGS = ("dialect", "activation_delay", "active_window", "hold_days", "refund", "overrides")
MAX_EVENTS = 1000  # events a world's script holds in all (scenarios loaded again and again stay bounded)


class ScenarioRefused(ValueError):
    """A scenario that cannot be loaded into this world; the message names the field."""


def install(world: World, doc: dict, at: int, clock: Clock | None = None) -> dict:
    """Load scenario `doc` into `world` at `at` (a new `clock` replaces the world's when the scenario
    sets one); returns what the world now runs: `{scenarios, events}`."""
    settings = doc.get("world", {})
    problems = _setting_problems(settings) + check_events(doc.get("events", []))
    held = len(world.script.events) if world.script is not None else 0
    if held + len(doc.get("events", [])) > MAX_EVENTS:
        problems.append(f"events: the world's script would hold {held + len(doc['events'])} events, over the "
                        f"limit of {MAX_EVENTS} (load it into a fresh world)")
    plan = _catalogue_plan(world, doc.get("catalogue", []), problems)
    if problems:
        raise ScenarioRefused(problems[0])
    for key in SETTINGS:
        if key in settings:
            value = settings[key]
            setattr(world.config, key, tuple(value) if key in ("activation_delay", "active_window") else value)
    if clock is not None:
        world.clock = clock
        world.config.clock, world.config.speed = clock.mode, float(clock.speed or 1.0)
    if "balance" in settings:
        _set_balances(world, money(settings["balance"]), at)
    for apply in plan:
        apply()
    script = world.script if world.script is not None else Script()
    first = len(script.events)
    script.names.append(doc.get("name", "scenario"))
    script.events.extend(dict(e) for e in doc.get("events", []))
    world.script = script
    world.touch()
    script.start(world, first, at)
    return {"scenarios": list(script.names), "events": len(script.events)}


def _setting_problems(settings: dict) -> list[str]:
    out = []
    if "dialect" in settings and settings["dialect"] not in DIALECTS:
        out.append(f"world.dialect: {settings['dialect']!r} is not one of {', '.join(DIALECTS)}")
    for key in ("activation_delay", "active_window"):
        why = range_problem("duration", settings.get(key, [0, 0]))
        if why:
            out.append(f"world.{key}: {why}")
    if "refund" in settings and settings["refund"] not in REFUND_POLICIES:
        out.append(f"world.refund: {settings['refund']!r} is not one of {', '.join(REFUND_POLICIES)}")
    for method, variant in settings.get("overrides", {}).items():
        if method not in METHODS or variant not in METHODS[method].shapes:
            out.append(f"world.overrides.{method}: unknown method or variant {variant!r}")
    if "balance" in settings:
        try:
            parse_amount(settings["balance"])
        except ValueError as exc:
            out.append(f"world.balance: {exc}")
    return out


def _set_balances(world: World, balance: Decimal, at: int) -> None:
    """Every account of the world to `balance`: a top-up, or a withdrawal, on its ledger."""
    for account in world.accounts.values():
        gap = balance - account.balance
        if gap > 0:
            account.credit(at, "topup", gap)
        elif gap < 0:
            account.debit(at, "withdrawal", -gap)


def _catalogue_plan(world: World, tweaks: list[dict], problems: list[str]) -> list:
    """The catalogue changes as closures to run once everything is checked (problems go into `problems`)."""
    plan = []
    cat = world.catalogue
    for i, tweak in enumerate(tweaks):
        where = f"catalogue[{i}]"
        codes = sorted(cat.countries) if tweak.get("country") == "*" else [tweak.get("country")]
        unknown = [c for c in codes if c not in cat.countries]
        if unknown:
            problems.append(f"{where}.country: unknown country {unknown[0]!r} "
                            f"(not in this {world.config.dialect} world's catalogue)")
            continue
        service = tweak.get("service")
        if service is None:
            if tweak.get("remove"):
                plan += [lambda c=c: cat.countries.pop(c, None) for c in codes]
            else:
                problems.append(f"{where}: name a service (or '*'), or remove = true for the whole country")
            continue
        if service != "*" and service not in cat.services:
            problems.append(f"{where}.service: unknown service {service!r}")
            continue
        for code in codes:
            country = cat.countries[code]
            names = sorted(country.offers) if service == "*" else [service]
            for name in names:
                step = _offer_step(cat, country, name, tweak, f"{where} ({code} {name})", problems)
                if step is not None:
                    plan.append(step)
    return plan


def _offer_step(cat, country, name: str, tweak: dict, where: str, problems: list[str]):
    """Checked against the country as it is; the step changes the world's own copy (see catalogue.py)."""
    if tweak.get("remove"):
        return lambda: country.code in cat.countries and cat.own_country(country.code).offers.pop(name, None)
    change = {key: value for key, value in tweak.items() if key not in ("country", "service")}
    problem = offer_problem(country, name, change)
    if problem:
        problems.append(f"{where}.{problem}")
        return None

    def step() -> None:
        if country.code in cat.countries:  # an earlier step may have removed it
            change_offer(cat, country.code, name, change)
    return step
