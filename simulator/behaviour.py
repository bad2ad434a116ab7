"""What renters and the supply side do, as event handlers `fn(sim, ...)` scheduled by the engine."""
from __future__ import annotations

from mockserver.core import rental, restore, supply
from mockserver.core.clock import DAY
from mockserver.core.orders import ACTIVE, LOST

from .draws import gap, pick

MINUTE = 60
CHECK_AFTER = 15 * MINUTE  # the renter looks again once the usual activation delay has passed


def rent(sim, renter) -> None:
    """A renter takes a new number, then plans its life; and plans the next rental."""

    spec, rng = sim.sc.renters, renter.rng
    sim.at(sim.world.clock.now() + gap(rng, spec.rentals_per_month / 30), rent, renter)
    picks = sim.picks
    country, service, period = pick(rng, picks["countries"]), pick(rng, picks["services"]), pick(rng, picks["periods"])
    made, refusal = sim.afford(renter, rental.create, period, 1, country, [service])
    if refusal:
        sim.metrics.refusal("create", refusal)
        return
    order = made[0]
    renter.orders.append(order.id)
    sim.metrics.count("rentals")
    plan(sim, renter, order, period)


def plan(sim, renter, order, period: str) -> None:
    """Schedule what happens to a running rental: codes, prolong decision, early delete, lapse, supply."""

    spec, rng, now = sim.sc.renters, renter.rng, sim.world.clock.now()
    if rng.random() < spec.activate_probability:
        sim.at(now + gap(rng, spec.activations_per_day), want_code, renter, order)
    sim.at(max(now, order.until - 6 * DAY), decide_prolong, renter, order, period)
    if rng.random() < spec.delete_probability:
        sim.at(rng.uniform(now, order.until), delete, renter, order)
    sim.at(order.until, lapse, renter, order)
    srng = sim.supply_rng
    sim.at(now + gap(srng, sim.sc.supply.stray_sms_per_day), stray_sms, order)
    sim.at(now + gap(srng, sim.sc.supply.offline_per_day), go_offline, order)


def want_code(sim, renter, order) -> None:
    """The renter needs a code: activate, and look again later."""

    if not order.live:
        return
    sim.at(sim.world.clock.now() + gap(renter.rng, sim.sc.renters.activations_per_day), want_code, renter, order)
    _, refusal = sim.attempt(rental.activate, sim.world, renter.apikey, order.id)
    if refusal:
        sim.metrics.refusal("activate", refusal)
        return
    sim.metrics.count("activations")
    sim.at(sim.world.clock.now() + CHECK_AFTER, check, renter, order, sim.world.clock.now())


def check(sim, renter, order, asked: int) -> None:
    """If the number is online, the renter asks the site for a code: SMS are on their way."""
    if not order.live or order.state != ACTIVE:
        sim.metrics.count("activation_not_ready")
        return
    # already online when asked (a FAST country, or asked again within the active window): no wait
    sim.metrics.wait(max(0, order.lastonline - asked))
    low, high = sim.sc.supply.sms_per_code
    srng = sim.supply_rng
    for _ in range(srng.randint(low, high)):
        sim.at(sim.world.clock.now() + srng.uniform(*sim.sc.supply.sms_delay_minutes) * MINUTE,
               deliver, renter, order)


def deliver(sim, renter, order) -> None:
    """An SMS for the rental's service arrives; the renter reads it a little later."""
    if _send(sim, order, "code"):
        delay = renter.rng.uniform(*sim.sc.renters.read_delay_minutes) * MINUTE
        sim.at(sim.world.clock.now() + delay, read, renter, order)


def _send(sim, order, kind: str) -> bool:
    result = supply.send_sms(sim.world, order.id, f"{kind} {sim.supply_rng.randint(1000, 9999)}", "SIM")
    sim.metrics.sms(result.delivered, result.reason)
    return result.delivered


def read(sim, renter, order) -> None:
    """The renter reads the order's SMS."""
    own, _ = rental.read_sms(sim.world, renter.apikey, order.id)
    sim.metrics.count("sms_read_calls")


def stray_sms(sim, order) -> None:
    """An unsolicited SMS (lost unless the number happens to be online)."""

    if not order.live:
        return
    _send(sim, order, "stray")
    sim.at(sim.world.clock.now() + gap(sim.supply_rng, sim.sc.supply.stray_sms_per_day), stray_sms, order)


def go_offline(sim, order) -> None:
    """The provider loses the number (state −1) for a while."""
    if not order.live or order.state == LOST:
        return
    supply.force_state(sim.world, order.id, -1)
    sim.metrics.count("numbers_offline")
    hours = sim.supply_rng.uniform(*sim.sc.supply.back_after_hours)
    sim.at(sim.world.clock.now() + hours * 3600, come_back, order)


def come_back(sim, order) -> None:
    """The number is back (state 0), and may drop out again later."""

    if not order.live or order.state != LOST:
        return
    supply.force_state(sim.world, order.id, 0)
    sim.metrics.count("numbers_back")
    sim.at(sim.world.clock.now() + gap(sim.supply_rng, sim.sc.supply.offline_per_day), go_offline, order)


def decide_prolong(sim, renter, order, period: str) -> None:
    """In the last days the renter decides once whether to keep the number."""
    if not order.live or renter.rng.random() >= sim.sc.renters.prolong_probability:
        return
    _, refusal = sim.afford(renter, rental.prolong, order.id, period, 1)
    if refusal:
        sim.metrics.refusal("prolong", refusal)
        return
    sim.metrics.count("prolongations")
    sim.at(max(sim.world.clock.now(), order.until - 6 * DAY), decide_prolong, renter, order, period)


def delete(sim, renter, order) -> None:
    """The renter gives the number up early."""
    if not order.live:
        return
    _, refused = sim.attempt(rental.delete, sim.world, renter.apikey, order.id)
    if not refused:
        sim.metrics.count("deleted")


def lapse(sim, renter, order) -> None:
    """At `until`: still running (prolonged) → look again later; expired → maybe restore later."""
    if order.live:
        sim.at(order.until, lapse, renter, order)
        return
    if order.deleted:
        return
    sim.metrics.count("expired")
    spec = sim.sc.renters
    if renter.rng.random() < spec.restore_probability:
        sim.at(sim.world.clock.now() + renter.rng.uniform(*spec.restore_after_days) * DAY, try_restore, renter, order)


def try_restore(sim, renter, order) -> None:
    """Ask the price, then restore; every outcome is counted by its code."""
    _, refusal = sim.attempt(restore.quote, sim.world, renter.apikey, order.id)
    if refusal is None:
        _, refusal = sim.afford(renter, restore.restore, order.id)
    sim.metrics.restore(refusal or "ok")
    if refusal is None:
        plan(sim, renter, order, "month")
