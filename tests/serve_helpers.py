"""Start a `rent-mock serve` process and wait for its banner: the one way every test (and the mutation run) that
needs the server as a real process starts it."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import dataclass

SERVE = [sys.executable, "-m", "mockserver.cli", "serve"]
BANNER_WAIT = 60  # seconds a server may take to print its banner before it is killed and the test fails


@dataclass
class Started:
    """A server process whose banner has been read (its first line to `Ctrl-C stops it.`)."""

    proc: subprocess.Popen
    lines: list[str]

    @property
    def info(self) -> dict[str, str]:
        """The banner's `name : value` lines: base URL, dashboard, apikey, balance, ..."""
        return {k.strip(): v.strip() for k, _, v in (line.partition(" : ") for line in self.lines[1:-1]) if v}

    @property
    def base(self) -> str:
        """The server's root URL."""
        return self.info["base URL"]


def start_server(cmd: list[str], **popen) -> Started:
    """Run `cmd` (a `rent-mock serve` command line; SERVE + options) and read its banner; a server that ends, or
    prints no banner within BANNER_WAIT seconds, fails the test with what it printed. `popen` overrides the
    Popen arguments (stderr apart, another env, cwd, a session of its own)."""
    options = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True,
               "env": {**os.environ, "PYTHONUNBUFFERED": "1"}, **popen}
    proc = subprocess.Popen(cmd, **options)
    watchdog = threading.Timer(BANNER_WAIT, proc.kill)  # a silent server would block readline() for ever
    watchdog.start()
    lines: list[str] = []
    try:
        while not lines or not lines[-1].startswith("Ctrl-C"):
            line = proc.stdout.readline()
            if not line:
                rest = proc.communicate(timeout=10)
                raise AssertionError(f"the server did not start (exit {proc.returncode}):\n"
                                     + "".join(lines) + "".join(part or "" for part in rest))
            lines.append(line)
    finally:
        watchdog.cancel()
    return Started(proc, lines)
