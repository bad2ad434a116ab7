"""Clocks: the real clock under freezegun (speed, jumps, never backwards) and the manual clock."""
import time
from decimal import Decimal

import pytest
from freezegun import freeze_time

from mockserver.core import rental
from mockserver.core.catalogue import load
from mockserver.core.clock import ManualClock, RealClock
from mockserver.core.hub import Hub
from mockserver.core.world import WorldConfig
from mockserver.serve.server import wall_time


def test_manual_clock_stands_still_and_never_goes_back():
    clock = ManualClock(100)
    assert clock.now() == 100 == clock.now()
    assert clock.advance(50) == 150
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_real_clock_follows_wall_time_times_speed():
    with freeze_time("2026-01-01 00:00:00") as frozen:
        clock = RealClock(start=1_000, wall=wall_time, speed=60)
        assert clock.now() == 1_000
        frozen.tick(10)
        assert clock.now() == 1_600  # 10 s of wall time at 60x
        clock.advance(400)
        assert clock.now() == 2_000


def test_real_clock_never_goes_backwards_when_the_wall_does():
    with freeze_time("2026-01-01 00:00:10") as frozen:
        clock = RealClock(start=5_000, wall=wall_time)
        frozen.tick(5)
        assert clock.now() == 5_005
        frozen.move_to("2026-01-01 00:00:00")  # wall clock stepped back (NTP)
        assert clock.now() == 5_005


def test_a_world_on_the_real_clock_activates_lazily():
    with freeze_time("2026-03-01 12:00:00") as frozen:
        hub = Hub(load(which="reference"), wall_time, WorldConfig(clock="real", start=int(time.time()), speed=10,
                                                 activation_delay=(600, 600), accounts={"k": Decimal(50)}))
        world = hub.worlds["default"]
        order = rental.create(world, "k", "week", 1, "RU", ["opt16"])[0]
        rental.activate(world, "k", order.id)
        frozen.tick(59)  # 590 virtual seconds
        world.now()
        assert order.state == 2
        frozen.tick(1)
        world.now()
        assert order.state == 1 and order.lastonline == order.begin + 600
