"""Helpers for the state-file tests: a `rent-mock serve --state` process, and the same in-process."""
from __future__ import annotations

import os
import signal
import subprocess
import traceback

import requests

from mockserver.http.app import create_app
from mockserver.http.runtime import Runtime
from mockserver.state import checkpoints
from mockserver.state.recovery import restore
from mockserver.serve.server import ServeOptions, build_hub, make_server
from mockserver.state.storage import StateError, Store
from tests.serve_helpers import SERVE, start_server

START = 1_700_000_000


def serve_cmd(path: str, *extra: str) -> list[str]:
    """The command line of a manual-clock server on a free port keeping its state in `path` (documented: its worlds
    start from the reference catalogue, whose RU the state tests rent)."""
    return [*SERVE, "--port", "0", "--clock", "manual", "--start",
            str(START), "--state", path, "--apikey", "demo", "--balance", "1000", "--dialect", "documented", *extra]


def serve(path: str, *extra: str) -> tuple[subprocess.Popen, str]:
    """Start a server on `path`; returns the process and its base URL once it answers."""
    started = start_server(serve_cmd(path, *extra))
    proc, base = started.proc, started.base
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


def with_order(snap: dict, oid: int, apikey: str = "demo") -> dict:
    """A world's snapshot with one more running order, id `oid`, of `apikey` (RU, MTS, a week from now)."""
    number, now = "79000000000", snap["clock"]["now"]
    while number in snap["holders"]:
        number = str(int(number) + 1)
    snap["orders"].append({"id": oid, "apikey": apikey, "country": "RU", "provider": "MTS", "service": "opt16",
                           "number": number, "pnumber": number[1:], "ccode": "+7", "begin": now,
                           "until": now + 7 * 86_400, "lease_until": now + 90 * 86_400, "state": 0, "lastonline": 0,
                           "token": 0, "extra_services": [], "days": 7, "closed": None, "end": None,
                           "deleted": False, "held_until": None})
    next(a for a in snap["accounts"] if a["apikey"] == apikey)["live"].append(oid)
    snap["holders"][number] = [oid]
    return snap


class InProcess:
    """A hub restored from `path`, its runtime and a Flask test client; `crash()` drops it unclean."""

    def __init__(self, path: str, **opts):
        opts = {"clock": "manual", "start": START, "apikey": "demo", "balance": "1000", "dialect": "documented", **opts}
        self.hub = build_hub(ServeOptions(**opts))
        self.store = Store(path)
        self.rt = Runtime(self.hub, self.store)
        try:
            self.replayed = restore(self.rt, self.store, opts.get("catalogue"))
            self.store.checkpoint(self.hub)
        except BaseException:
            self.store.close()
            raise
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


class Forked:
    """A server process forked from this one (no interpreter start-up: rounds stay fast); SIGKILL it or stop it."""

    def __init__(self, path: str, catalogue: str | None = None, every: float | None = None, **options):
        read, write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the server: it never returns into the test
            code = 1
            try:
                os.close(read)
                if every is not None:  # how often its checkpointer looks at the log (options: checkpoint_every)
                    checkpoints.EVERY = every
                served = make_server(ServeOptions(port=0, clock="manual", start=START, apikey="demo", balance="1000",
                                                  state=path, dialect="documented", catalogue=catalogue, **options))
                os.write(write, f"{served.server.effective_port}\n".encode())
                try:
                    served.server.run()  # waitress returns from here on Ctrl-C
                except KeyboardInterrupt:
                    pass
                served.close()
                code = 0
            except StateError:
                code = 2  # refused to start (the file in use, another catalogue): what `refused()` expects
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        os.close(write)
        self._ready = read
        self.status: int | None = None

    def wait_ready(self) -> str:
        """The base URL once the server listens (raises if it died first)."""
        with os.fdopen(self._ready) as pipe:
            port = pipe.readline().strip()
        if not port:
            self.wait()
            raise AssertionError(f"server exited with status {self.status} before listening")
        base = f"http://127.0.0.1:{port}"
        requests.get(f"{base}/_mock/health", timeout=10).raise_for_status()
        return base

    def refused(self) -> int:
        """The exit status of a server expected not to start (2 when the state file refused it); one that
        started anyway is killed at once (its status then says so), never waited for."""
        started = os.read(self._ready, 64)  # the port if it listens; nothing once it has exited
        os.close(self._ready)
        if started:
            os.kill(self.pid, signal.SIGKILL)
        self.wait()
        return self.status

    def kill(self) -> None:
        """SIGKILL, then reap."""
        if self.status is None:
            os.kill(self.pid, signal.SIGKILL)
            self.wait()

    def stop(self) -> None:
        """Ctrl-C: the final checkpoint, exit 0."""
        os.kill(self.pid, signal.SIGINT)
        self.wait()
        assert self.status == 0, self.status

    def close(self) -> None:
        """Let go of the pipe it would have told its port on (a server killed before it listened)."""
        try:
            os.close(self._ready)
        except OSError:
            pass

    def wait(self) -> None:
        """Reap the process."""
        if self.status is None:
            self.status = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
