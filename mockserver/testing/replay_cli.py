"""`rent-mock replay RECORDING.jsonl [--base-url URL]`: a proxy recording replayed against any server (a
fresh local mock by default), every answer compared with the recorded one (contracts.replay)."""
from __future__ import annotations

import json
import sys
import threading
from contextlib import ExitStack, contextmanager
from typing import Iterator

import click

from contracts.client import RentClient
from contracts.paths import OutputFile
from contracts.registry import DIALECTS
from contracts.replay import Recording, Replayer, guard_for, read
from contracts.target import budget, connect, one_line_errors, temporary_world
from contracts.verdict import BROKEN, HELD, partial_ok_option, write_junit

from mockserver.serve.server import ServeOptions, make_server


REPLAY_HOLD = 400 * 86_400  # seconds: a replayed order changes state only as the recording says it did


@contextmanager
def local_mock(dialect: str) -> Iterator[str]:
    """A mock on a free loopback port for the length of the replay; yields its root URL."""
    served = make_server(ServeOptions(port=0, clock="manual", dialect=dialect))
    thread = threading.Thread(target=served.server.run, daemon=True, name="replay-mock")
    thread.start()
    try:
        yield f"http://127.0.0.1:{served.server.effective_port}"
    finally:
        served.close()


@click.command("replay")
@click.argument("recording", type=click.Path(exists=True, dir_okay=False))
@click.option("--base-url", help="Root URL of the server to replay against (default: a fresh local mock).")
@click.option("--admin-token", envvar="RENT_MOCK_ADMIN_TOKEN", help="The mock's control token, when it has one.")
@click.option("--timeout", default=20.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds a whole call may take.")
@click.option("--apikey", help="The target's apikey (not needed on the mock: the replay makes a world of its own).")
@click.option("--dialect", type=click.Choice(DIALECTS), default="live", show_default=True,
              help="Dialect of the mock world the replay runs in (a recording of the live service: live).")
@click.option("--allow-spend", is_flag=True, help="Let recorded spending calls run on a server that is not the mock.")
@click.option("--max-spend", metavar="AMOUNT", help="Most money the replay may spend (required with --allow-spend).")
@click.option("--report", "report_path", type=OutputFile(), help="Write every call's verdict as JSON.")
@click.option("--junit", "junit_path", type=OutputFile(), help="Write the verdict as JUnit XML.")
@partial_ok_option
@one_line_errors
def replay(recording, base_url, admin_token, timeout, apikey, dialect, allow_spend, max_spend, report_path,
           junit_path, partial_ok):
    """Replay a proxy recording against a server and report every answer that differs from the recorded one."""
    cap = budget(allow_spend, max_spend)
    calls = read(recording)
    with ExitStack() as stack:
        root = base_url or stack.enter_context(local_mock(dialect))
        target = connect(root, admin_token, timeout)
        if target.is_mock:
            replayer = _on_mock(stack, target, calls, dialect, timeout)
            where = f"a world of its own on the mock at {target.base} (clock moved as recorded)"
        else:
            target.check_apikey("--apikey", apikey)
            client = RentClient(target.base, apikey, guard_for(False, allow_spend, cap), timeout=timeout,
                                fetcher=target.fetcher)
            replayer = Replayer(client, target)
            where = f"{target.base} (not the mock: its clock cannot be moved; answers that depend on time may differ)"
        book = replayer.run(calls)
    for entry in book.entries.values():
        mark = {HELD: "✓", BROKEN: "✗"}.get(entry.status, "-")
        click.echo(f"{mark} {entry.line()}")
        for detail in entry.details[:5]:
            click.echo(f"    {detail}")
    click.echo(f"replayed {len(calls.calls)} calls of {recording} to {where}; the clock moved "
               f"{replayer.moved} times; {replayer.reproduced} changes between calls reproduced")
    code = book.exit_code(partial_ok)
    click.echo(book.verdict_line(partial_ok))
    if report_path:
        with open(report_path, "w", encoding="utf-8") as fh:
            json.dump({"recording": recording, "target": target.base, "mock": target.is_mock,
                       "clock_moves": replayer.moved, "reproduced": replayer.reproduced, "coverage": book.as_json(), "exit_code": code}, fh, indent=2,
                      ensure_ascii=False)
    if junit_path:
        write_junit(junit_path, book.junit(f"rent-mock replay {recording}"))
    sys.exit(code)


def _on_mock(stack: ExitStack, target, calls: Recording, dialect: str, timeout: float) -> Replayer:
    """A manual-clock world starting at the recording's first moment (or the upstream's own clock, where its
    answers show it earlier), funded with its first balance. When the recording says what changed between
    calls, states change only as it says (activation and active window last the whole replay)."""
    settings: dict = {"clock": "manual"}
    first = min((c.at for c in calls.calls if c.at is not None), default=None)
    if first is not None:
        shown = [c.upstream_now - (c.at - first) for c in calls.calls if c.upstream_now is not None and c.at]
        settings["start"] = min([first, *shown])
    if calls.reveals:
        settings["activation_delay"] = settings["active_window"] = [REPLAY_HOLD, REPLAY_HOLD]
    if calls.balance is not None:
        settings["balance"] = str(calls.balance)
    world = stack.enter_context(temporary_world(target, dialect, **settings))
    client = RentClient(target.base + world["base_path"], world["apikey"], guard_for(True, False, None),
                        timeout=timeout, fetcher=target.fetcher)
    return Replayer(client, target, world=world["world"])
