"""`rent-mock proxy` and `rent-mock import`. The mock that --spy and --diff use comes from `backing` (the mock
offers it when installed: contracts never import it)."""
from __future__ import annotations

import json
import signal
import sys

import click
import requests

from ..fetch import Fetcher
from ..paths import OutputFile
from ..registry import DIALECTS
from ..target import budget, is_loopback_host, meet_rent_php, root_url
from ..verdict import CannotRun
from . import backing, importer
from .app import Settings
from .redact import MIN_LENGTH
from .report import print_summary
from .serve import build
from .upstream import MAX_ANSWER, Upstream

START_CHECK = 10.0  # seconds the start waits for the upstream's first answer (at most --timeout)


def _interrupt(*_args) -> None:
    raise KeyboardInterrupt


def _pairs(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for value in values:
        client, sep, real = value.partition("=")
        if not sep or not client or not real:
            raise click.BadParameter(f"expected CLIENT_KEY=UPSTREAM_KEY, got {value!r}", param_hint="--apikey-map")
        if min(len(client), len(real)) < MIN_LENGTH:
            # the redactor takes keys out of every text the proxy writes: a shorter one would match innocent words
            raise click.BadParameter(f"a key of fewer than {MIN_LENGTH} characters cannot be kept out of what the "
                                     f"proxy writes; use longer stand-in keys", param_hint="--apikey-map")
        out[client] = real
    return out


REMOTE_KEY_LENGTH = 20  # a client key other machines could guess in reach of the proxy guards a real account


def _exposure(host: str, keys: dict[str, str]) -> None:
    """Beyond loopback, mapped client keys are all that stands between other machines and the upstream account."""
    if is_loopback_host(host):
        return
    weak = [k for k in keys if len(k) < REMOTE_KEY_LENGTH]
    if weak:
        raise click.UsageError(
            f"--host {host} lets other machines reach the proxy, and a mapped client key then spends on the upstream "
            f"account: give client keys of at least {REMOTE_KEY_LENGTH} random characters (python3 -c 'import "
            f"secrets; print(secrets.token_hex(16))'), or listen on 127.0.0.1")


def _root(ctx, param, value: str) -> str:
    return root_url(value, "--upstream")


@click.command()
@click.option("--upstream", required=True, callback=_root,
              help="Root URL of the real rent.php service (or any server), e.g. https://smspva.com.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the proxy listens on.")
@click.option("--port", default=8081, show_default=True, type=click.IntRange(0, 65535), help="Port (0: a free one).")
@click.option("--apikey-map", "apikey_map", multiple=True,
              help="CLIENT_KEY=UPSTREAM_KEY: the client sends CLIENT_KEY, the upstream gets UPSTREAM_KEY.")
@click.option("--record", "record_path", type=OutputFile(),
              help="Append every exchange to this JSON-lines file (apikeys redacted).")
@click.option("--allow-spend", is_flag=True, help="Let spending calls reach the upstream (needs --max-spend).")
@click.option("--max-spend", help="Most money the proxy lets the upstream spend, estimated from its prices.")
@click.option("--spy", is_flag=True, help="Answer spending and account calls from a mock world instead.")
@click.option("--diff", is_flag=True, help="Also send each call to a shadow mock world and report differences.")
@click.option("--shadow-dialect", default="documented", show_default=True, type=click.Choice(DIALECTS),
              help="Dialect of the shadow mock world.")
@click.option("--countries", help="Comma-separated countries to seed the shadow with (default: all).")
@click.option("--timeout", default=20.0, show_default=True, type=click.FloatRange(0.1, 600),
              help="Seconds a client's whole call may take, every upstream read in it included.")
@click.option("--max-answer-bytes", default=MAX_ANSWER, show_default=True, type=click.IntRange(1024, 1 << 30),
              help="Largest upstream answer taken; a longer one is refused (HTTP 502) as it streams in.")
@click.option("--summary", "summary_path", type=OutputFile(), help="Write the summary as JSON on exit.")
def proxy(upstream, host, port, apikey_map, record_path, allow_spend, max_spend, spy, diff, shadow_dialect,
          countries, timeout, max_answer_bytes, summary_path):
    """Stand between a client and a rent.php service: judge, record, guard spending, spy or diff."""
    if spy and diff:
        raise click.UsageError("--spy and --diff exclude each other")
    cap = budget(allow_spend, max_spend)  # the same rule as every tool: spending only with a cap
    keys = _pairs(apikey_map)
    _exposure(host, keys)
    # a dead port or a wrong root is a slip to name now, not at the first call; what a live upstream answers
    # (slow, redirected, not JSON) is judged call by call
    meet_rent_php(upstream, Fetcher(deadline=min(timeout, START_CHECK)))
    settings = Settings(allow_spend=allow_spend, max_spend=cap, mode="spy" if spy else "diff" if diff else "forward",
                        apikey_map=keys)
    shadow = served = None
    if spy or diff:
        try:
            shadow, served = backing.start_shadow(Upstream(upstream, timeout), shadow_dialect,
                                          countries.split(",") if countries else None,
                                          next(iter(keys.values()), None))
        except (requests.RequestException, ValueError) as exc:
            raise click.ClickException(f"cannot seed the shadow mock from {upstream}: {exc}") from None
    try:
        record = open(record_path, "a", encoding="utf-8") if record_path else None
    except OSError as exc:
        raise click.BadParameter(f"{record_path} cannot be written: {exc.strerror}", param_hint="--record") from None
    try:
        running = build(upstream, settings, record, shadow, timeout, host, port, max_answer_bytes)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from None
    click.echo(f"rent-mock proxy on {running.url} -> {upstream} ({settings.mode}; "
               f"spending {'capped at ' + str(cap) if allow_spend else 'refused'})")
    click.echo(f"  summary while it runs: {running.url}/_mock/proxy")
    signal.signal(signal.SIGTERM, _interrupt)  # docker stop / kill: stop as cleanly as on Ctrl-C
    try:
        running.server.run()
    except KeyboardInterrupt:
        pass
    summary = running.close()
    if served is not None:
        served.close()
    if record is not None:
        record.close()
    print_summary(summary)
    if summary_path:
        with open(summary_path, "w", encoding="utf-8") as fh:
            json.dump(summary, fh, ensure_ascii=False, indent=2)


@click.command("import")
@click.argument("recording", type=click.Path(exists=True, dir_okay=False))
@click.option("--catalogue", "catalogue_path", required=True, type=OutputFile(),
              help="Write the catalogue file (for `rent-mock serve --catalogue`) here.")
@click.option("--evidence", "evidence_path", type=OutputFile(),
              help="Write proposed docs/evidence.md rows (Markdown) here.")
def import_recording(recording, catalogue_path, evidence_path):
    """Turn a proxy recording into a catalogue file and proposed evidence rows."""
    builder = importer.CatalogueBuilder()
    entries = list(importer.read_recording(recording))
    if not entries:  # as replay says it: an empty catalogue from a file of notes would help nobody
        raise CannotRun(f"{recording}: no recorded call (is it a recording of rent-mock proxy --record?)")
    for entry in entries:
        builder.add(entry)
    doc = builder.document()
    unusable = backing.check_catalogue(doc)
    if unusable:
        raise CannotRun(f"the recording gives no usable catalogue: {unusable}")
    with open(catalogue_path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=1)
    click.echo(f"{catalogue_path}: {len(doc['countries'])} countries, {len(doc['services'])} services "
               f"from {len(entries)} recorded calls")
    for reason in builder.skipped:
        click.echo(f"  skipped {reason}")
    if evidence_path:
        rows = importer.evidence_rows(entries)
        with open(evidence_path, "w", encoding="utf-8") as fh:
            fh.write("| fact | dialects | source | recorded answer |\n|---|---|---|---|\n")
            fh.write("\n".join(rows) + ("\n" if rows else ""))
        click.echo(f"{evidence_path}: {len(rows)} rows proposed for docs/evidence.md")
    sys.exit(0)
