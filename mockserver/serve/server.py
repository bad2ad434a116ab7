"""Building a ready server: the default world, the hub, the app, and waitress to serve it."""
from __future__ import annotations

import errno
import hashlib
import sqlite3
import sys
import threading
import time
from dataclasses import dataclass

from contracts.registry import DEFAULT_DIALECT
from contracts.target import is_loopback_host

from mockserver.core import catalogue
from mockserver.core.hub import DEFAULT, Hub, new_apikey
from mockserver.core.money import parse_amount
from mockserver.core.world import WorldConfig
from mockserver.http.app import MAX_BODY, create_app
from mockserver.http.runtime import JOURNAL_MAX, JOURNAL_TOTAL, MAX_SNAPSHOT, MAX_WORLDS, Runtime
from mockserver.serve.listener import create_server, waitress_options
from mockserver.state.checkpoints import Checkpoints
from mockserver.state.recovery import restore
from mockserver.state.storage import StateError, Store


DEFAULT_SEED = 1  # the default world's seed when --seed is not given


def demo_apikey(seed: int) -> str:
    """The default world's ready apikey with --seed: stable for a seed, so scripts can rely on it."""
    return "demo" + hashlib.sha256(f"smspva-rent-mock:{seed}".encode()).hexdigest()[:28]


def default_world_key(opts: "ServeOptions") -> str:
    """--apikey, else the key --seed gives, else a random one.

    rent.php changes state on GET, as the service does: with a key anyone can predict, a web page could rent
    in the user's default world with an <img> tag. Only a seed or key the user chose makes it predictable.
    """
    if opts.apikey:
        return opts.apikey
    return demo_apikey(opts.seed) if opts.seed is not None else new_apikey()


def wall_time() -> float:
    """The wall clock real clocks read (looked up at call time, so freezegun can stand in for it)."""
    return time.time()


@dataclass
class ServeOptions:
    """Everything `rent-mock serve` takes."""

    host: str = "127.0.0.1"
    port: int = 8080
    seed: int | None = None  # None: seed DEFAULT_SEED and a random apikey
    clock: str = "real"
    speed: float = 1.0
    dialect: str = DEFAULT_DIALECT
    catalogue: str | None = None
    apikey: str | None = None
    balance: str = "100"
    start: int | None = None
    admin_token: str | None = None
    threads: int = 8
    state: str | None = None
    journal_size: int = 1000
    checkpoint_every: int = 20_000
    connection_limit: int | None = None  # connections held at once (idle keep-alive ones included); None:
    # CONNECTIONS, or fewer when the open-file limit is lower
    idle_timeout: int = 60  # seconds an idle connection stays open
    request_timeout: float = 10.0  # seconds a request has for its headers and body to arrive
    backlog: int = 2048  # connections waiting to be accepted
    max_worlds: int = MAX_WORLDS
    journal_max: int | None = None  # None: JOURNAL_MAX (at most journal_total, at least journal_size)
    journal_total: int = JOURNAL_TOTAL
    max_snapshot: int = MAX_SNAPSHOT
    allowed_hosts: tuple[str, ...] = ()
    scenarios: tuple[str, ...] = ()  # shipped names or files loaded into the default world (--scenario)
    log_requests: bool = False  # a line per rent.php / account API call on stdout (--log-requests)


def option_problem(opts: ServeOptions) -> str | None:
    """Why the options contradict each other, in one line (None when they do not): refused, never adjusted."""
    size, most, total = opts.journal_size, opts.journal_max, opts.journal_total
    if most is not None and most < size:
        return (f"--journal-max {most} is below --journal-size {size}: the server's own journals would be larger "
                "than any world may ask for; raise --journal-max or lower --journal-size")
    if size > total:
        return (f"--journal-size {size} is above --journal-total {total}, the entries all worlds keep together; "
                "raise --journal-total or lower --journal-size")
    if most is not None and most > total:
        return (f"--journal-max {most} is above --journal-total {total}, the entries all worlds keep together; "
                "raise --journal-total or lower --journal-max")
    return None


def journal_max(opts: ServeOptions) -> int:
    """The largest journal a world may ask for: --journal-max, else the default within the total."""
    if opts.journal_max is not None:
        return opts.journal_max
    return max(opts.journal_size, min(JOURNAL_MAX, opts.journal_total))


def build_hub(opts: ServeOptions) -> Hub:
    """The hub with its default world configured from `opts`."""
    cat = catalogue.load(opts.catalogue) if opts.catalogue else catalogue.shipped()
    start = opts.start if opts.start is not None else int(wall_time())
    try:
        balance = parse_amount(opts.balance)
    except ValueError as exc:
        raise ValueError(f"--balance: {exc}") from None
    seed = DEFAULT_SEED if opts.seed is None else opts.seed
    config = WorldConfig(seed=seed, clock=opts.clock, start=start, speed=opts.speed, dialect=opts.dialect,
                         accounts={default_world_key(opts): balance})
    return Hub(cat, wall_time, config)


def start_checkpoint(store: Store, hub: Hub) -> None:
    """The checkpoint after a replay (and the first one: the file then holds the default world); a failure
    is a StateError naming the file."""
    try:
        store.checkpoint(hub)
    except sqlite3.Error as exc:
        raise StateError(f"{store.path}: the checkpoint after loading could not be written ({type(exc).__name__}: "
                         f"{exc}); the file is as it was: every acknowledged write is in its log") from None


class Served:
    """A running server's parts: the waitress server, the hub, the runtime, the store (or None)."""

    def __init__(self, server, rt: Runtime, replayed: int):
        self.server, self.rt, self.hub, self.store, self.replayed = server, rt, rt.hub, rt.store, replayed
        self._stop = threading.Event()
        self._compactor = None
        if self.store is not None:
            self.checkpoints = Checkpoints(self.store, self.hub, rt.checkpoint_every, _to_stderr)
            self._compactor = threading.Thread(target=self.checkpoints.run, args=(self._stop,), daemon=True,
                                               name="rent-mock-checkpoint")
            self._compactor.start()

    def close(self) -> None:
        """Stop serving; with a store, write a final checkpoint. Raises StateError, naming the file, when
        that checkpoint cannot be written (the file is closed anyway: its log holds every write)."""
        self._stop.set()
        stop_waitress(self.server)
        if self.store is None:
            return
        self._compactor.join()  # a checkpoint it runs now finishes first
        try:
            self.store.checkpoint(self.hub)
        except Exception as exc:  # noqa: BLE001 - one line for whoever stopped the server
            raise StateError(f"{self.store.path}: the final checkpoint could not be written ({type(exc).__name__}: "
                             f"{exc}); every acknowledged write is in its log and is replayed at the next start") \
                from None
        finally:
            self.store.close()


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def stop_waitress(server) -> None:
    """Close a waitress server that runs in another thread, without writing into a reused descriptor.

    A worker thread that finishes a request pulls the server's trigger (it writes b"x" to a pipe).
    Closed first, that pipe's descriptor number can already belong to a new socket, which then gets
    a stray "x" (seen as `BadStatusLine('xHTTP/1.1 200 OK')`): stop the workers, then close.
    """
    server.task_dispatcher.shutdown(timeout=5)
    server.close()


def make_server(opts: ServeOptions) -> Served:
    """A waitress server for the options (port 0 picks a free port), its state restored from --state."""
    if not is_loopback_host(opts.host) and not opts.admin_token:
        raise ValueError(f"listening on {opts.host} reaches beyond this machine: set --admin-token")
    problem = option_problem(opts)
    if problem:
        raise ValueError(problem)
    hub = build_hub(opts)
    store = Store(opts.state) if opts.state else None
    rt = Runtime(hub, store, journal_size=opts.journal_size, journal_total=opts.journal_total)
    rt.checkpoint_every = opts.checkpoint_every
    rt.set_threads(opts.threads)
    rt.max_worlds, rt.max_snapshot = opts.max_worlds, opts.max_snapshot
    rt.journal_max = journal_max(opts)
    if opts.log_requests:
        from mockserver.http.request_log import RequestLog

        rt.request_log = RequestLog(sys.stdout)
    replayed = 0
    if store is not None:
        # Each log write releases the GIL; with the default 5 ms switch interval the writer then
        # waits behind busy threads (the convoy effect). A shorter interval keeps writes prompt.
        sys.setswitchinterval(0.0005)
        try:
            replayed = restore(rt, store, opts.catalogue)
            if replayed or not store.meta()["gen"]:  # else the checkpoint in force holds it all already
                start_checkpoint(store, hub)
            load_scenarios(rt, opts.scenarios)
        except BaseException:
            store.close()  # let go of the file and its lock
            raise
    else:
        load_scenarios(rt, opts.scenarios)
    app = create_app(hub, opts.admin_token, rt, opts.allowed_hosts)
    try:
        listening = waitress_options(opts.connection_limit, opts.idle_timeout, opts.backlog,
                                     max(MAX_BODY, opts.max_snapshot))
        server = create_server(app, opts.request_timeout, host=opts.host, port=opts.port, threads=opts.threads,
                               ident="smspva-rent-mock", **listening)
    except OSError as exc:
        if store is not None:
            store.close()
        if exc.errno == errno.EADDRINUSE:  # often 8080 on a first start: say where, and the way out
            raise ValueError(f"cannot listen on {opts.host}:{opts.port}: the address is in use (another server? "
                             "--port 0 picks a free port)") from None
        raise
    served = Served(server, rt, replayed)
    served.app = app  # the Flask app (waitress may wrap it in middleware of its own)
    return served


def load_scenarios(rt: Runtime, refs: tuple[str, ...]) -> None:
    """Load scenarios (shipped names or files) into the default world, as `POST /_mock/scenarios` would
    (so a state file logs them); with a state file whose default world runs them already, nothing."""
    if not refs:
        return
    from mockserver.control.ops import ControlError, run
    from mockserver.scenarios import read

    docs = [read(ref) for ref in refs]
    script = rt.hub.worlds[DEFAULT].script
    running = list(script.names) if script is not None else []
    if running:
        if running == [d["name"] for d in docs]:
            return
        raise ValueError(f"--scenario: the state file's default world already runs {', '.join(running)}; "
                         "give the same --scenario options, or use a new --state file")
    for doc in docs:
        try:
            run(rt, "scenarios.load", {"scenario": doc})
        except ControlError as exc:
            raise ValueError(f"--scenario {exc.message}") from None  # the message starts with the name


def default_apikey(hub: Hub) -> str:
    """The funded apikey of the default world."""
    return next(iter(hub.worlds[DEFAULT].config.accounts))
