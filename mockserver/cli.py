"""The `rent-mock` command."""
from __future__ import annotations

import signal
import sqlite3
import sys

import click

from contracts.cli import fuzz, verify
from contracts.conformance.cli import conform
from contracts.paths import OutputFile
from contracts.proxy.cli import import_recording, proxy
from contracts.registry import BALANCE_DECIMALS, DEFAULT_DIALECT, DIALECTS
from simulator.cli import simulate
from simulator.load import load_command

from mockserver.serve import shadow  # noqa: F401  (offers the proxy its shadow mock: contracts cannot import it)
from mockserver.testing.check_client_cli import check_client
from mockserver.core.catalogue import CatalogueError
from mockserver.core.clock import MAX_TIME
from mockserver.core.hub import DEFAULT
from mockserver.core.money import money
from mockserver.testing.replay_cli import replay
from mockserver.scenarios.cli import scenarios
from mockserver.serve.server import ServeOptions, default_apikey, make_server
from mockserver.state.storage import StateError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})  # every subcommand inherits -h
@click.version_option(package_name="smspva-rent-mock", prog_name="rent-mock")
def main() -> None:
    """A stateful fake of the SMSPVA number-rental API (rent.php), with contracts and a simulator."""


def _text(most: int | None = None):
    """A click callback: the option's value is text (of at most `most` characters). A byte that is not UTF-8
    reaches Python as a lone surrogate: an apikey holding one made the state file unable to start again, a token
    holding one made every control call an HTTP 500."""
    def check(ctx, param, value: str | None) -> str | None:
        if value is None:
            return None
        if any("\ud800" <= c <= "\udfff" for c in value):
            raise click.BadParameter("holds bytes that are not UTF-8 text")
        if most is not None and len(value) > most:
            raise click.BadParameter(f"is {len(value)} characters; at most {most}")
        return value
    return check


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="RENT_MOCK_HOST",
              help="Address to listen on (env RENT_MOCK_HOST).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535), envvar="RENT_MOCK_PORT",
              help="Port (0 picks a free one; env RENT_MOCK_PORT).")
@click.option("--seed", type=int, help="Seed of the default world (default 1); it also fixes the demo apikey.")
@click.option("--clock", "clock_mode", type=click.Choice(["real", "manual"]), default="real", show_default=True,
              help="The default world's clock: real (runs, --speed times faster) or manual (moved by /_mock/clock).")
@click.option("--speed", default=1.0, show_default=True, type=click.FloatRange(0, 1_000_000, min_open=True),
              help="Real clock speed factor.")
@click.option("--dialect", type=click.Choice(DIALECTS), default=DEFAULT_DIALECT, show_default=True,
              help="live: as the live service answers (docs/evidence.md); documented: the reference page; "
                   "sdk: the official SDK's types")
@click.option("--catalogue", type=click.Path(exists=True, dir_okay=False), help="Catalogue JSON replacing the shipped one.")
@click.option("--apikey", envvar="RENT_MOCK_APIKEY", callback=_text(128),
              help="Apikey of the default world's funded account (default: derived from --seed if given, else "
                   "random; the banner prints it; env RENT_MOCK_APIKEY).")
@click.option("--balance", default="100", show_default=True, help="Starting balance of that account.")
@click.option("--start", type=click.IntRange(0, MAX_TIME), help="Unix time the default world starts at (default: now).")
@click.option("--admin-token", envvar="RENT_MOCK_ADMIN_TOKEN", callback=_text(),
              help="Token every /_mock/ call must send (env RENT_MOCK_ADMIN_TOKEN).")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 1024), help="Worker threads.")
# The image sets RENT_MOCK_STATE to a file on its volume; an empty value (click reads it as unset) turns it off.
@click.option("--state", type=OutputFile(), envvar="RENT_MOCK_STATE",
              help="SQLite file keeping every world across restarts (env RENT_MOCK_STATE; empty: none).")
@click.option("--journal-size", default=ServeOptions.journal_size, show_default=True, type=click.IntRange(1, 10**6),
              help="Requests kept per world in the journal.")
@click.option("--connection-limit", type=click.IntRange(1),
              help="Connections held at once, idle keep-alive ones included (default 4000, fewer if the open-file "
                   "limit is lower; a limit it does not allow is refused).")
@click.option("--idle-timeout", default=ServeOptions.idle_timeout, show_default=True, type=click.IntRange(1),
              help="Seconds an idle connection stays open.")
@click.option("--request-timeout", default=ServeOptions.request_timeout, show_default=True,
              type=click.FloatRange(0, min_open=True),
              help="Seconds a request has for its headers and body to arrive (then 408 and the connection closes).")
@click.option("--backlog", default=ServeOptions.backlog, show_default=True, type=click.IntRange(1),
              help="Connections waiting to be accepted.")
@click.option("--max-worlds", default=ServeOptions.max_worlds, show_default=True, type=click.IntRange(1),
              help="Worlds at once (POST /_mock/worlds refuses beyond).")
@click.option("--journal-max", type=click.IntRange(1, 10**6),
              help="Largest journal_size a world may ask for (default 10000, within --journal-total).")
@click.option("--journal-total", default=ServeOptions.journal_total, show_default=True, type=click.IntRange(1, 10**7),
              help="Requests kept in the journals of all worlds together (past it, the oldest go first).")
@click.option("--max-snapshot", default=ServeOptions.max_snapshot, show_default=True, type=click.IntRange(1),
              help="Largest snapshot PUT, in bytes.")
@click.option("--allowed-host", "allowed_hosts", multiple=True,
              help="A name besides loopback ones the control API accepts in Host (repeatable).")
@click.option("--scenario", "scenarios", multiple=True, metavar="NAME|FILE",
              help="A shipped scenario (rent-mock scenarios lists them) or a scenario file, loaded into the "
                   "default world (repeatable).")
@click.option("--log-requests", is_flag=True,
              help="Print a line per rent.php and account API call: time, method, apikey's last 4 characters, "
                   "HTTP status, envelope status, milliseconds.")
def serve(host, port, seed, clock_mode, speed, dialect, catalogue, apikey, balance, start, admin_token, threads,
          state, journal_size, connection_limit, idle_timeout, request_timeout, backlog, max_worlds, journal_max,
          journal_total, max_snapshot, allowed_hosts, scenarios, log_requests):
    """Start the mock server with its default world."""
    opts = ServeOptions(host, port, seed, clock_mode, speed, dialect, catalogue, apikey, balance, start,
                        admin_token, threads, state, journal_size, connection_limit=connection_limit,
                        idle_timeout=idle_timeout, request_timeout=request_timeout, backlog=backlog,
                        max_worlds=max_worlds, journal_max=journal_max, journal_total=journal_total,
                        max_snapshot=max_snapshot, allowed_hosts=tuple(allowed_hosts), scenarios=tuple(scenarios),
                        log_requests=log_requests)
    try:
        served = make_server(opts)
    except (CatalogueError, ValueError, OSError, sqlite3.Error) as exc:
        click.echo(f"rent-mock: {exc}", err=True)
        sys.exit(2)
    world = served.hub.worlds[DEFAULT]
    clash = _state_clash(click.get_current_context(), world.config, dialect, clock_mode)
    if clash:
        _close(served)
        click.echo(f"rent-mock: {clash}", err=True)
        sys.exit(2)
    # docker stop sends SIGTERM: stop as cleanly as on Ctrl-C (set before the banner tells anyone it runs)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        _banner(served, host, state)
        served.server.run()
    except KeyboardInterrupt:
        pass
    finally:
        stopped = _close(served)
    if stopped is not None:
        click.echo(f"rent-mock: {stopped}", err=True)
        sys.exit(1)
    click.echo("rent-mock stopped.")


def _close(served) -> str | None:
    """Stop the server; why its state file could not be closed cleanly, in one line (None when it could)."""
    try:
        served.close()
    except StateError as exc:
        return str(exc)
    return None


def _banner(served, host: str, state: str | None) -> None:
    """What the server serves, and how to reach it."""
    server, hub = served.server, served.hub
    key = default_apikey(hub)
    world = hub.worlds[DEFAULT]
    base = f"http://{host}:{server.effective_port}"
    # the truth, which with --state is the file's default world, not the options' defaults
    click.echo(f"smspva-rent-mock serving {base}/api/rent.php ({world.config.dialect} dialect, "
               f"{world.config.clock} clock)")
    click.echo(f"  base URL  : {base}")
    click.echo(f"  dashboard : {base}/")
    click.echo(f"  apikey    : {key}")
    places = BALANCE_DECIMALS[world.config.dialect]
    click.echo(f"  balance   : {money(world.accounts[key].balance):.{places}f}")  # as the account API writes it
    if state:
        click.echo(f"  state     : {state} ({served.replayed} logged calls replayed)")
        if served.rt.catalogue_note:
            click.echo(f"  catalogue : {served.rt.catalogue_note}")
    if world.script is not None:
        click.echo(f"  scenarios : {', '.join(world.script.names)} ({len(world.script.events)} events)")
    click.echo(f"  try       : curl '{base}/api/rent.php?method=orders&apikey={key}'")
    click.echo("Ctrl-C stops it.", nl=True)
    sys.stdout.flush()


def _state_clash(ctx: click.Context, config, dialect: str, clock: str) -> str | None:
    """With --state, the file's default world wins; an explicit --dialect/--clock that differs is refused."""
    given = {"dialect": (dialect, config.dialect), "clock": (clock, config.clock)}
    source = {"dialect": "dialect", "clock": "clock_mode"}
    for name, (asked, actual) in given.items():
        explicit = ctx.get_parameter_source(source[name]) is not click.core.ParameterSource.DEFAULT
        if explicit and asked != actual:
            return (f"--{name} {asked}: the state file's default world has the {actual} {name}; "
                    f"drop --{name}, or use a new --state file")
    return None


def _interrupt(signum, frame):
    raise KeyboardInterrupt


main.add_command(verify)
main.add_command(fuzz)
main.add_command(conform)
main.add_command(simulate)
main.add_command(load_command)
main.add_command(proxy)
main.add_command(import_recording)
main.add_command(scenarios)
main.add_command(check_client)
main.add_command(replay)


if __name__ == "__main__":
    main()
