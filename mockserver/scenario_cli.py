"""`rent-mock scenarios`: the shipped library, one scenario's file, or the JSON Schema of the format."""
from __future__ import annotations

import json

import click

from .scenarios import ScenarioError, format as fmt


@click.command("scenarios")
@click.argument("name", required=False)
@click.option("--schema", is_flag=True, help="Print the JSON Schema of a scenario file.")
@click.option("--check", "check", metavar="FILE", help="Check a scenario file; print it as the mock reads it.")
def scenarios(name, schema, check):
    """List the shipped scenarios, or print one (NAME), the format's schema, or a checked file."""
    if schema:
        click.echo(json.dumps(fmt.schema(), indent=2, ensure_ascii=False))
        return
    if check:
        try:
            click.echo(json.dumps(fmt.read(check), indent=2, ensure_ascii=False))
        except ScenarioError as exc:
            raise click.ClickException(str(exc)) from None
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
