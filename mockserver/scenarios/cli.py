"""`rent-mock scenarios`: the shipped library, one scenario's file, or the JSON Schema of the format."""
from __future__ import annotations

import json

import click

from contracts.registry import DEFAULT_DIALECT, DIALECTS

from mockserver.scenarios import ScenarioError, format as fmt


@click.command("scenarios")
@click.argument("name", required=False)
@click.option("--schema", is_flag=True, help="Print the JSON Schema of a scenario file.")
@click.option("--check", "check", metavar="FILE",
              help="Check a scenario file (its format, then loaded into a fresh world); print it as the mock reads it.")
@click.option("--dialect", default=DEFAULT_DIALECT, show_default=True, type=click.Choice(DIALECTS),
              help="With --check: the dialect of the world it is tried in (its catalogue decides which countries exist).")
def scenarios(name, schema, check, dialect):
    """List the shipped scenarios, or print one (NAME), the format's schema, or a checked file."""
    if schema:
        click.echo(json.dumps(fmt.schema(), indent=2, ensure_ascii=False))
        return
    if check:
        try:
            doc = fmt.read(check)
        except ScenarioError as exc:
            raise click.ClickException(str(exc)) from None
        _try_loading(doc, dialect)
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    if name:
        try:
            path = fmt.find(name) if name in fmt.names() else None
        except ScenarioError:
            path = None
        if path is None:
            raise click.ClickException(f"unknown scenario {name!r}: the shipped ones are {', '.join(fmt.names())}")
        click.echo(path.read_text(encoding="utf-8"), nl=False)
        return
    for item in fmt.library():
        click.echo(f"{item['name']:<24} {item['description']}")
        rests = ", ".join(item["rests_on"]) or f"nothing of the service's own ({item['basis'].split(':')[0]})"
        click.echo(f"{'':<24} rests on: {rests}")


def _try_loading(doc: dict, dialect: str) -> None:
    """Load the scenario into a fresh world as `serve --scenario` would: what only a world can refuse (a country
    its catalogue lacks, a latency range least last) is found by --check too."""
    from mockserver.control.ops import ControlError, run
    from mockserver.http.runtime import Runtime
    from mockserver.serve.server import ServeOptions, build_hub

    hub = build_hub(ServeOptions(clock="manual", dialect=dialect))
    try:
        run(Runtime(hub), "scenarios.load", {"scenario": doc})
    except ControlError as exc:
        raise click.ClickException(f"{exc.message} (tried in a fresh {dialect} world)") from None
