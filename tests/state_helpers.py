"""Helpers for the state-file tests: a `rent-mock serve --state` process, and the same in-process."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import requests

from mockserver.http.app import create_app
from mockserver.http.runtime import Runtime
from mockserver.replay import restore
from mockserver.server import ServeOptions, build_hub
from mockserver.storage import Store

START = 1_700_000_000


def serve_cmd(path: str, *extra: str) -> list[str]:
    """The command line of a manual-clock server on a free port keeping its state in `path`."""
    return [sys.executable, "-m", "mockserver.cli", "serve", "--port", "0", "--clock", "manual", "--start",
            str(START), "--state", path, "--apikey", "demo", "--balance", "1000", *extra]


def serve(path: str, *extra: str) -> tuple[subprocess.Popen, str]:
    """Start a server on `path`; returns the process and its base URL once it answers."""
    proc = subprocess.Popen(serve_cmd(path, *extra), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines = []
    while not lines or not lines[-1].startswith("Ctrl-C"):
        line = proc.stdout.readline()
        if not line:
            proc.wait(10)
            raise AssertionError("server did not start:\n" + "".join(lines))
        lines.append(line)
    base = next(line.split(": ", 1)[1].strip() for line in lines if "base URL" in line)
    requests.get(f"{base}/_mock/health", timeout=10).raise_for_status()  # serving (Ctrl-C now stops it cleanly)
    return proc, base


def refused(path: str, *extra: str) -> subprocess.CompletedProcess:
    """Run a server on `path` that is expected to refuse to start."""
    return subprocess.run(serve_cmd(path, *extra), capture_output=True, text=True, timeout=60)


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL: no checkpoint, no clean-up, the lock released by the OS."""
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)


def stop(proc: subprocess.Popen) -> None:
    """A clean stop (Ctrl-C): the final checkpoint is written."""
    proc.send_signal(signal.SIGINT)
    out = proc.communicate(timeout=60)[0]
    assert proc.returncode == 0, out


class InProcess:
    """A hub restored from `path`, its runtime and a Flask test client; `crash()` drops it unclean."""

    def __init__(self, path: str, **opts):
        opts = {"clock": "manual", "start": START, "apikey": "demo", "balance": "1000", **opts}
        self.hub = build_hub(ServeOptions(**opts))
        self.store = Store(path)
        self.rt = Runtime(self.hub, self.store)
        self.replayed = restore(self.rt, self.store)
        self.store.checkpoint(self.hub)
        self.client = create_app(self.hub, runtime=self.rt).test_client()

    def rent(self, **query) -> dict:
        """A rent.php call as demo (unless apikey is given)."""
        return self.client.get("/api/rent.php", query_string={"apikey": "demo", **query}).get_json()

    def crash(self) -> None:
        """Drop everything without a checkpoint (what kill -9 leaves: the committed log)."""
        self.store.close()

    def stop(self) -> None:
        """A clean stop: a final checkpoint, then close."""
        self.store.checkpoint(self.hub)
        self.store.close()
