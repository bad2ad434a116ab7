"""The supply side, driven by the control API or a simulation: SMS arriving, numbers lost and back."""
from __future__ import annotations

from dataclasses import dataclass

from . import errors as E
from .orders import ACTIVE, LOST, NOT_ACTIVE, Order, Sms
from .world import World


@dataclass
class Delivery:
    """Outcome of sending an SMS to a rented number."""

    delivered: bool
    reason: str | None = None


def send_sms(world: World, order_id: int, text: str, sender: str = "", service: str | None = None) -> Delivery:
    """Deliver an SMS to the order's number; only a number in state 1 receives, otherwise it is lost."""
    with world.change() as now:
        order = world.orders.get(order_id)
        if order is None:
            raise E.DomainError(E.ORDER_NOT_FOUND)
        return deliver(world, order, text, sender, service, now)


def deliver(world: World, order: Order, text: str, sender: str, service: str | None, at: int) -> Delivery:
    """The SMS reaches the order's number at `at` if it is running and in state 1; otherwise it is lost."""
    if not order.live:
        return Delivery(False, E.ORDER_NOT_RUNNING)
    if order.state != ACTIVE:
        return Delivery(False, E.NOT_ACTIVE_NUMBER.format(order.state))
    sms = Sms(text, sender or "SMSPVA", at, service or order.service, order.apikey)
    world.sms.setdefault(order.number, []).append(sms)
    return Delivery(True)


def force_state(world: World, order_id: int, state: int) -> Order:
    """Set a running order's state: -1 number lost, 0 back/offline, 1 online now (for its active window)."""
    with world.change() as now:
        order = world.orders.get(order_id)
        if order is None or not order.live:
            raise E.DomainError(E.ORDER_NOT_FOUND)
        if state not in (LOST, NOT_ACTIVE, ACTIVE):
            raise ValueError("state must be -1, 0 or 1")
        world.set_state(order, state, now)
        country = world.catalogue.countries.get(order.country)
        if state == ACTIVE and not (country and country.always_active):
            world.schedule(now + world.draw(world.config.active_window), "deactivated", order)
        return order
