"""Scenario files: TOML checked against the shipped JSON Schema (schema.json), then normalised for the
domain (durations to seconds, money to exact strings, `extends` resolved)."""
from __future__ import annotations

import json
import math
import re
import tomllib
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator

from ..core.bounds import range_problem
from ..core.money import parse_amount
from ..core.script import check_events

HERE = Path(__file__).resolve().parent
SCHEMA_PATH = HERE / "schema.json"
LIBRARY = HERE / "library"
_DURATION = re.compile(r"([0-9]+)([dhms])")
_UNITS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
DURATIONS = {"world": ("activation_delay", "active_window"), "event": ("after", "delay", "by", "past_until")}
MAX_TEXT = 256 * 1024  # bytes of a scenario file or body


class ScenarioError(ValueError):
    """A scenario that cannot be read; the message names the file (or body) and the field."""


@lru_cache(maxsize=1)
def schema() -> dict:
    """The JSON Schema of a scenario file (shipped as mockserver/scenarios/schema.json)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def seconds(value: int | str) -> int:
    """A duration in whole seconds: an integer, or a text such as "90s", "10m", "2h", "1d", "1h30m"."""
    if isinstance(value, int):
        return value
    return sum(int(n) * _UNITS[unit] for n, unit in _DURATION.findall(value))


def _not_finite(doc: object, where: str = "") -> list[str]:
    """Every NaN or infinity in `doc` (TOML has `nan` and `inf`; a schema's bounds let NaN through)."""
    if isinstance(doc, float) and not math.isfinite(doc):
        return [f"{where or 'scenario'}: must be a finite number, got {doc!r}"]
    if isinstance(doc, dict):
        return [p for k, v in doc.items() for p in _not_finite(v, f"{where}.{k}".lstrip("."))]
    if isinstance(doc, list):
        return [p for i, v in enumerate(doc) for p in _not_finite(v, f"{where}[{i}]")]
    return []


def problems(doc: object) -> list[str]:
    """Every way `doc` breaks the schema, each naming its field (`events[2].after: ...`)."""
    out = []
    for err in Draft202012Validator(schema()).iter_errors(doc):
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path).lstrip(".")
        message = _plain(err)
        message = message if len(message) < 300 else message[:300] + "..."
        out.append(f"{where}: {message}" if where else message)
    return _not_finite(doc) + sorted(out)  # a NaN first: the schema's own words on it mislead


def _plain(err) -> str:
    """An error in plain words: a field of several allowed forms ("oneOf") says which forms, from the
    schema's own description, not "is not valid under any of the given schemas"."""
    if err.validator in ("oneOf", "anyOf"):
        shown = json.dumps(err.instance, ensure_ascii=False, default=str)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        form = (err.schema.get("description") or "").rstrip(".")
        return f"{shown} is not of the form this field takes: {form}" if form else \
            f"{shown} is not of any form this field takes"
    return err.message


def parse_toml(text: str, source: str) -> dict:
    """A scenario file's TOML as a dict (a syntax error names the file, line and column)."""
    if len(text.encode("utf-8")) > MAX_TEXT:
        raise ScenarioError(f"{source}: longer than {MAX_TEXT} bytes")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: not TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per nested array or table
        raise ScenarioError(f"{source}: not TOML this mock reads: arrays or tables nested too deeply") from None


def read(ref: str | Path, base: Path | None = None, depth: int = 0) -> dict:
    """The normalised scenario a reference names: a shipped scenario's name, or a .toml file (`depth`: how many
    scenarios extend it)."""
    path = find(ref, base)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc})") from None
    return normalise(parse_toml(text, str(path)), str(path), path.parent, depth)


def find(ref: str | Path, base: Path | None = None) -> Path:
    """The file a reference names: `NAME` of a shipped scenario, or a path (relative to `base`)."""
    text = str(ref)
    if re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", text) and (LIBRARY / f"{text}.toml").is_file():
        return LIBRARY / f"{text}.toml"
    path = Path(text)
    if base is not None and not path.is_absolute():
        path = base / path
    if path.is_file():
        return path
    raise ScenarioError(f"unknown scenario {text!r}: not a shipped one (rent-mock scenarios lists them) "
                        "nor a file")


def normalise(doc: object, source: str, base: Path | None = None, depth: int = 0, files: bool = True) -> dict:
    """A scenario document checked and made ready for the domain; `extends` merged in (parent first):
    a shipped scenario, or with `files` also a file next to this one."""
    found = problems(doc)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise ScenarioError(f"{source}: {found[0]}{more}")
    assert isinstance(doc, dict)
    out = {"name": doc["name"], "description": doc["description"], "rests_on": list(doc.get("rests_on", [])),
           "basis": doc.get("basis", ""), "world": {}, "catalogue": [], "events": [], "faults": [], "expect": {}}
    if "extends" in doc:
        if depth >= 8:
            raise ScenarioError(f"{source}: extends goes deeper than 8 scenarios (a cycle?)")
        parent = read(doc["extends"], base, depth + 1) if files else read_shipped(doc["extends"])
        out["world"] = dict(parent["world"])
        for key in ("catalogue", "events", "faults"):
            out[key] = list(parent[key])
        out["expect"] = {k: v for k, v in parent["expect"].items() if k != "note"}  # a note speaks of its own file
    out["world"].update(_world(doc.get("world", {}), source))
    out["expect"].update(doc.get("expect", {}))
    out["catalogue"] += [dict(t) for t in doc.get("catalogue", [])]
    for i, tweak in enumerate(out["catalogue"]):
        if "price_day" in tweak:
            tweak["price_day"] = _amount(tweak["price_day"], f"{source}: catalogue[{i}].price_day")
    out["events"] += [_event(e, f"{source}: events[{i}]") for i, e in enumerate(doc.get("events", []))]
    out["faults"] += [dict(f) for f in doc.get("faults", [])]
    bad = check_events(out["events"])
    if bad:
        raise ScenarioError(f"{source}: {bad[0]}")
    return out


def _amount(value: object, where: str) -> str:
    """A money field as its canonical text; the schema checks its form, money's own bounds are checked here."""
    try:
        return str(parse_amount(value))
    except ValueError as exc:
        raise ScenarioError(f"{where}: {exc}") from None


def _world(world: dict, source: str) -> dict:
    out = dict(world)
    for key in DURATIONS["world"]:
        if key in out:
            out[key] = [seconds(v) for v in out[key]]
            why = range_problem("duration", out[key])  # "99999999999d" fits the schema's pattern
            if why:
                raise ScenarioError(f"{source}: world.{key}: {why}")
    if "balance" in out:
        out["balance"] = _amount(out["balance"], f"{source}: world.balance")
    if "speed" in out:
        out["speed"] = float(out["speed"])
    return out


def _event(event: dict, where: str) -> dict:
    out = dict(event)
    for key in DURATIONS["event"]:
        if key in out:
            out[key] = seconds(out[key])
    if "leave" in out:
        out["leave"] = _amount(out["leave"], f"{where}.leave")
    return out


def from_body(value: object) -> dict:
    """The scenario a control body names: a shipped name (str), a TOML text (str with a newline or `=`),
    or the scenario as a JSON object."""
    if isinstance(value, str):
        if "\n" in value or "=" in value:
            return normalise(parse_toml(value, "scenario"), "scenario", files=False)
        return read_shipped(value)
    return normalise(value, "scenario", files=False)


def read_shipped(name: str) -> dict:
    """A shipped scenario by name (never a path: a control body must not read the server's files)."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", name) or not (LIBRARY / f"{name}.toml").is_file():
        raise ScenarioError(f"unknown scenario {name[:70]!r}: the shipped ones are {', '.join(names())}")
    return read(name)


def names() -> list[str]:
    """The shipped scenarios' names, in library order (the happy path first, then by name)."""
    found = sorted(p.stem for p in LIBRARY.glob("*.toml"))
    return sorted(found, key=lambda n: (n != "happy-path", n))


@lru_cache(maxsize=None)
def shipped(name: str) -> dict:
    """A shipped scenario, normalised (cached: the library does not change while the process runs)."""
    return read(name)


def library() -> list[dict]:
    """Every shipped scenario: name, description, what it rests on."""
    return [{"name": n, "description": shipped(n)["description"], "rests_on": shipped(n)["rests_on"],
             "basis": shipped(n)["basis"], "expect": shipped(n)["expect"]} for n in names()]


CODE_WORDS = {"yes": "gets a code, exits 0", "no": "no code can come: gives up, exits non-zero",
              "either": "a code or a clean give-up"}
LEFT_WORDS = {"none": "leaves nothing running", "with-code": "deletes what it gives up on",
              "any": "may leave orders running"}


def expectation(expect: dict) -> str:
    """A scenario's expect table in words: `gets a code, exits 0; rent-again; deletes what it gives up on`."""
    if not expect.get("code"):
        return "not stated (the outcome is NOT JUDGED)"
    parts = [CODE_WORDS[expect["code"]]]
    if expect.get("react", "none") != "none":
        parts.append(f"react: {expect['react']}")
    parts.append(LEFT_WORDS[expect.get("left", "with-code")])
    return "; ".join(parts)


def library_table() -> str:
    """The shipped scenarios as a Markdown table (docs/scenarios.md carries it; a test keeps it current)."""
    rows = ["| scenario | what the service does | what a correct client does (`expect`) | rests on | why |",
            "|---|---|---|---|---|"]
    for item in library():
        rests = ", ".join(f"`{r}`" for r in item["rests_on"]) or "-"
        said = expectation(item["expect"])
        note = item["expect"].get("note", "")
        rows.append(f"| `{item['name']}` | {item['description']} | {note} ({said}) | {rests} | {item['basis']} |")
    return "\n".join(rows) + "\n"
