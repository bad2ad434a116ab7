"""Control operations on scenarios: load one into a world (POST /_mock/scenarios), list the shipped ones."""
from __future__ import annotations

from ..core.clock import make_clock
from ..core.script_load import ScenarioRefused, install
from ..http.faults import latency_problem, rule_problem
from ..scenarios.format import ScenarioError, from_body, library
from . import bodies
from .ops import ControlError, op

@op("scenarios.load", bodies.SCENARIO, mutates=True)
def load(rt, body, world):
    """Load a scenario (a shipped name, a TOML text or the scenario as JSON) into the world."""
    try:
        doc = from_body(body["scenario"])
    except ScenarioError as exc:
        raise ControlError(400, str(exc)) from None
    body["scenario"] = doc  # the log keeps the scenario itself: a replay must not depend on the library
    faults = [_fault_settings(doc["name"], i, f) for i, f in enumerate(doc["faults"])]
    settings = doc["world"]
    now = world.now()
    clock = None
    if "clock" in settings or "speed" in settings:
        mode = settings.get("clock", world.clock.mode)
        clock = make_clock(mode, now, rt.hub.wall, settings.get("speed", world.config.speed))
    try:
        loaded = install(world, doc, now, clock)
    except ScenarioRefused as exc:
        raise ControlError(400, f"{doc['name']}: {exc}") from None
    rules = [rt.faults.add(world.name, method, kind, **settings).id for method, kind, settings in faults]
    return {"world": world.name, **loaded, "faults": rules}, 200


def _fault_settings(name: str, index: int, fault: dict) -> tuple[str, str, dict]:
    """(method, kind, FaultBook settings) of a scenario's fault (refusals name it as the file's other fields are)."""
    method, kind = fault.get("method", "*"), fault["kind"]
    problem = rule_problem(method, kind)
    if problem:
        raise ControlError(400, f"{name}: faults[{index}]: {problem}")
    settings = {k: fault[k] for k in ("times", "probability", "msg", "http_status", "per_second", "skip") if k in fault}
    if "per_minute" in fault:
        settings.update(per_second=fault["per_minute"], window=60.0)
    latency = fault.get("latency_ms", 0)
    if kind == "latency":
        if latency_problem(latency):  # the file's schema bounds each value; the order is ours to check
            raise ControlError(400, f"{name}: faults[{index}].{latency_problem(latency)}")
        settings["latency_ms"] = tuple(latency) if isinstance(latency, list) else (latency, latency)
    return method, kind, settings


@op("scenarios.list")
def listing(rt, body, world):
    """The shipped scenarios, and those loaded into the world."""
    loaded = list(world.script.names) if world.script is not None else []
    return {"world": world.name, "loaded": loaded, "library": library()}, 200
