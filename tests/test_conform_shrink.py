"""A difference the model-based machine finds deep in a sequence is reported shrunk: the rule, what the model
predicted, what came, and the shortest sequence of calls that shows it (here two features meeting on one
order: add_service after a prolong charges a cent too much, planted in the in-process mock)."""
from decimal import Decimal

from contracts.conformance.machine import run_machine
from contracts.conformance.target import Settings, Target


def test_a_deep_difference_is_shrunk_to_the_calls_that_show_it(live_server, monkeypatch):
    from mockserver.core import rental
    prolonged: set[int] = set()
    real_prolong, real_add = rental.prolong, rental.add_service

    def prolong(world, apikey, order_id, *args, **kw):
        order = real_prolong(world, apikey, order_id, *args, **kw)
        prolonged.add(order.id)
        return order

    def add_service(world, apikey, order_id, *args, **kw):
        order = real_add(world, apikey, order_id, *args, **kw)
        if order.id in prolonged:  # the planted bug: only where the two features meet
            with world.change() as now:
                world.account(apikey).debit(now, "add_service", Decimal("0.01"), order.id)
        return order

    monkeypatch.setattr(rental, "prolong", prolong)
    monkeypatch.setattr(rental, "add_service", add_service)
    target = Target(Settings(live_server, dialect="documented"))
    findings = []
    try:
        note = run_machine(target, findings, examples=60)
    finally:
        target.close()
    # random sequences do not meet the two features; the directed ones do, and the difference is shrunk to one
    # order, what changed it last and the call after it
    assert "differences: PRICE-ADD-SERVICE in refusals of orders in many states (shrunk: prolong then " \
           "add_service_to_order on one order)" in note, note
    [broke] = [f for f in findings if not f.ok]
    assert broke.rule == "PRICE-ADD-SERVICE"
    assert broke.expected == 'priemnik.php?metod=get_balance → balance: "99991.09"', broke
    assert broke.got == 'balance: "99991.08"', broke
    steps = [c for c in broke.calls if c.startswith("t+")]
    # every step that changed the world, the two reads before the call that showed it, and that call
    assert [" ".join(s.split()[1:3]).split("?")[0] for s in steps] == [
        "main@main create", "clock advanced", "main@main prolong", "main@main add_service_to_order",
        "main@main orders", "main@root orders", "main@main priemnik.php"], steps
    assert broke.calls[-2].startswith("predicted: ") and broke.calls[-1].startswith("received:  "), broke.calls[-3:]
