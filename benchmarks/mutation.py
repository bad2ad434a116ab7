"""conform's mutation score: mutmut (the `[mutation]` extra) mutates the mock's rent.php behaviour mechanically,
a seeded sample of the mutants is served one at a time, `rent-mock conform` judges each, and every survivor is
classified (benchmarks/mutation_verdicts.py: equivalent, with the reason, or a gap).

    nice -n 10 python benchmarks/mutation.py --sample 60 --seed 28            # the headline run (docs/judging.md)
    python benchmarks/mutation.py --list                                      # how many mutants each file has
    python benchmarks/mutation.py --only 'mockserver/core/rental.py:120:0'    # replay some mutants by key

A mutant is killed when conform exits non-zero against it (1: a rule broke; 2 or 3: the run could not judge
what it judges on the real mock) or the mutated mock does not start or answer within the time limit;
the score is killed / (sampled - equivalent).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.mutants.run import COPIED, served  # noqa: E402  (the same copy-and-serve as the hand variants)
from tests.serve_helpers import start_server  # noqa: E402

# the modules that make rent.php's and the account API's answers; the rest of mockserver/core and
# mockserver/http is left out on purpose (the reason beside each), so the score is about what conform judges
MUTATED = (
    "mockserver/core/accounts.py", "mockserver/core/catalogue.py", "mockserver/core/clock.py",
    "mockserver/core/errors.py", "mockserver/core/money.py", "mockserver/core/numbers.py",
    "mockserver/core/orders.py", "mockserver/core/rental.py", "mockserver/core/restore.py",
    "mockserver/core/supply.py", "mockserver/core/world.py", "mockserver/http/account.py",
    "mockserver/http/catalog_views.py", "mockserver/http/order_views.py", "mockserver/http/rent.py",
    "mockserver/http/responses.py", "mockserver/http/context.py",
)
LEFT_OUT = {
    "mockserver/core/hub.py": "the registry of worlds behind the control API (conform's tool, not its subject)",
    "mockserver/core/invariants.py": "the mock's self-checks (raise only when the mock is already wrong)",
    "mockserver/core/schema.py": "the scenario file schema (judged by tests/test_scenarios*.py)",
    "mockserver/core/script.py": "scenario scripts (rent-mock scenario, not rent.php)",
    "mockserver/core/script_actions.py": "scenario scripts",
    "mockserver/core/script_load.py": "scenario scripts",
    "mockserver/core/snapshot.py": "state files and checkpoints (judged by tests/test_state*.py)",
    "mockserver/http/faults.py": "fault injection, off unless a fault is asked for",
    "mockserver/http/wire_faults.py": "fault injection on the wire, off unless asked for",
    "mockserver/http/journal.py": "the request journal (an operator's view)",
    "mockserver/http/request_log.py": "the request log (an operator's view)",
    "mockserver/http/runtime.py": "process plumbing (threads, the control token)",
    "mockserver/http/wsgi.py": "the WSGI entry and /_mock/ routing (a mutant there stops every tool alike)",
    "mockserver/http/app.py": "the app factory",
}
TIME_LIMIT = 240  # seconds for one conform run; a mutant that makes the mock hang past it counts as killed


@dataclass
class Mutant:
    """One mechanical mutation: its file, the line it changes (as mutmut names it) and what became of it."""

    key: str  # path:line_number:index, stable while the file does not change
    path: str
    line: str
    diff: str = ""
    verdict: str = ""  # killed / survived / timeout / no start
    exit_code: int | None = None
    broken: str = ""  # the rules conform found broken, or why it could not run
    seconds: float = 0.0


def mutants() -> list[tuple[Mutant, object]]:
    """Every mutant mutmut makes of the mutated files, with mutmut's id of it."""
    from mutmut import Context, list_mutations
    out = []
    for path in MUTATED:
        source = (ROOT / path).read_text(encoding="utf-8")
        for mid in list_mutations(Context(source=source, filename=path)):
            out.append((Mutant(f"{path}:{mid.line_number + 1}:{mid.index}", path, mid.line.strip()), mid))
    return out


# the unmutated mock under coverage.py: its start-up in one context, the requests it answers in another
SERVE_MEASURED = """
import os, signal, sys, coverage
cov = coverage.Coverage(data_file=sys.argv[1], context="start-up")
cov.start()
from mockserver.serve.server import ServeOptions, make_server
served = make_server(ServeOptions(port=0, clock="manual", dialect=sys.argv[2]))
cov.switch_context("requests")
def stop(*_):
    cov.stop(); cov.save(); os._exit(0)
signal.signal(signal.SIGTERM, stop)
print("rent-mock (measured)\\nbase URL : http://127.0.0.1:%s\\nCtrl-C stops it." % served.server.effective_port, flush=True)
served.server.run()
"""


def reached(dialect: str, examples: int) -> dict[str, set[int]]:
    """The lines of the mutated files that the unmutated mock runs while it answers conform's calls (coverage.py,
    as mutmut's --use-coverage, but leaving out the functions only its start-up runs: loading the shipped
    catalogue and checking it is not an answer), and the data the answers are made of (`data_lines`)."""
    import coverage
    with tempfile.TemporaryDirectory(prefix="mutmut-cov-") as tmp:
        data = Path(tmp) / "data"
        started = start_server([sys.executable, "-c", SERVE_MEASURED, str(data), dialect], cwd=ROOT,
                               start_new_session=True)
        try:
            subprocess.run([sys.executable, "-m", "mockserver.cli", "conform", "--base-url", started.base,
                            "--dialect", dialect, "--examples", str(examples)], cwd=ROOT, capture_output=True,
                           timeout=TIME_LIMIT, check=False)
        finally:
            os.killpg(started.proc.pid, signal.SIGTERM)
            started.proc.wait(timeout=60)
        cov = coverage.CoverageData(basename=str(data))
        cov.read()
        cov.set_query_contexts(["requests"])
        return {path: set(cov.lines(str(ROOT / path)) or ()) | data_lines(ROOT / path) for path in MUTATED}


def data_lines(path: Path) -> set[int]:
    """The lines of a module's and its classes' own assignments (texts, limits, field defaults): run once at
    import, but what the answers are made of."""
    import ast
    out: set[int] = set()
    bodies = [ast.parse(path.read_text(encoding="utf-8")).body]
    while bodies:
        for node in bodies.pop():
            if isinstance(node, ast.ClassDef):
                bodies.append(node.body)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                out |= set(range(node.lineno, node.end_lineno + 1))
    return out


def apply(mutant: Mutant, mid: object, tree: Path) -> None:
    """Copy the project's packages into `tree` and mutate the one file."""
    from mutmut import Context, mutate
    for name in COPIED:
        shutil.copytree(ROOT / name, tree / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    source = (ROOT / mutant.path).read_text(encoding="utf-8")
    new, count = mutate(Context(source=source, filename=mutant.path, mutation_id=mid))
    if count != 1:
        raise ValueError(f"{mutant.key}: mutmut made {count} mutations")
    (tree / mutant.path).write_text(new, encoding="utf-8")
    old_lines, new_lines = source.splitlines(), new.splitlines()
    changed = [i for i, (a, b) in enumerate(zip(old_lines, new_lines)) if a != b]
    i = changed[0] if changed else mid.line_number
    mutant.diff = f"- {old_lines[i].strip()}\n+ {new_lines[i].strip()}" if changed else "(lines removed)"


def judge(mutant: Mutant, mid: object, dialect: str, examples: int) -> None:
    """Serve the mutant and run conform against it; fill in the verdict."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mutmut-") as tmp:
        tree = Path(tmp)
        apply(mutant, mid, tree)
        report = tree / "conform.json"
        try:
            with served(tree, dialect) as base:
                done = subprocess.run([sys.executable, "-m", "mockserver.cli", "conform", "--base-url", base,
                                       "--dialect", dialect, "--examples", str(examples), "--report", str(report)],
                                      cwd=ROOT, capture_output=True, text=True, timeout=TIME_LIMIT, check=False)
        except subprocess.TimeoutExpired:
            mutant.verdict, mutant.broken = "timeout", f"conform did not finish in {TIME_LIMIT} s"
        except (RuntimeError, AssertionError) as exc:  # the mutated mock did not start
            mutant.verdict, mutant.broken = "no start", str(exc)
        else:
            mutant.exit_code = done.returncode
            mutant.verdict = "survived" if done.returncode == 0 else "killed"
            if report.exists():
                doc = json.loads(report.read_text(encoding="utf-8"))
                mutant.broken = ", ".join(r["id"] for r in doc["rules"] if r["status"] == "broken") or \
                    ", ".join(f"{r['id']} NOT JUDGED" for r in doc["rules"] if r["status"] == "NOT JUDGED")[:300]
            else:
                mutant.broken = " ".join(done.stdout.split()[-30:] + done.stderr.split()[-30:])[-300:]
    mutant.seconds = round(time.monotonic() - started, 1)


def commit() -> str:
    """The commit the mutants were made from (a dirty tree says so)."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()
    return git("rev-parse", "--short", "HEAD") + ("+dirty" if git("status", "--porcelain", "--", "mockserver") else "")


def main() -> None:
    """Sample, judge and score; print a line per mutant, then the score and every survivor's class."""
    from mutation_verdicts import VERDICTS  # the survivors' classes, written by hand from the code
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=60, help="mutants drawn (0: all of them)")
    parser.add_argument("--seed", type=int, default=28, help="the sample's seed")
    parser.add_argument("--dialect", default="live", help="the mock's dialect (conform judges in it)")
    parser.add_argument("--examples", type=int, default=25, help="conform's --examples (its default)")
    parser.add_argument("--only", help="comma-separated mutant keys instead of a sample")
    parser.add_argument("--list", action="store_true", help="count the mutants per file and stop")
    parser.add_argument("--all-lines", action="store_true",
                        help="sample from every mutant, not only those on lines a conform run makes the mock run")
    parser.add_argument("--json", dest="json_path", help="write every mutant's verdict here")
    args = parser.parse_args()
    everything = mutants()
    lines = None if args.all_lines or args.only else reached(args.dialect, args.examples)
    pool = everything if lines is None else [x for x in everything if int(x[0].key.split(":")[1]) in lines[x[0].path]]
    if args.list:
        for path in MUTATED:
            print(f"{sum(m.path == path for m, _ in pool):5} of {sum(m.path == path for m, _ in everything):5} {path}")
        print(f"{len(pool)} of {len(everything)} mutants on lines conform makes the mock run, in {len(MUTATED)} files; "
              "left out: " + "; ".join(f"{p} ({why})" for p, why in LEFT_OUT.items()))
        return
    if args.only:
        keys = args.only.split(",")
        chosen = [x for x in everything if x[0].key in keys]
    elif args.sample and args.sample < len(pool):
        chosen = sorted(random.Random(args.seed).sample(pool, args.sample), key=lambda x: x[0].key)
    else:
        chosen = pool
    started = time.monotonic()
    for mutant, mid in chosen:
        judge(mutant, mid, args.dialect, args.examples)
        print(f"{mutant.verdict:8} {mutant.seconds:6.0f} s  {mutant.key}  {mutant.diff.splitlines()[-1][:90]}"
              f"  [{mutant.broken[:80]}]", flush=True)
    done = [m for m, _ in chosen]
    survivors = [m for m in done if m.verdict == "survived"]
    equivalent = [m for m in survivors if VERDICTS.get(m.key, ("",))[0] == "equivalent"]
    judged = len(done) - len(equivalent)
    killed = len(done) - len(survivors)
    print(f"\nmutation score: {killed} of {judged} non-equivalent mutants killed ({killed / max(judged, 1):.0%}); "
          f"{len(done)} sampled of {len(pool)} (seed {args.seed}, {args.dialect}, --examples {args.examples}) "
          f"at {commit()}, {time.monotonic() - started:.0f} s")
    for m in survivors:
        kind, why = VERDICTS.get(m.key, ("UNCLASSIFIED", "no verdict written yet"))
        print(f"  {kind:12} {m.key}  {m.diff.splitlines()[-1][:80]}\n               {why}")
    if args.json_path:
        Path(args.json_path).write_text(json.dumps([asdict(m) for m in done], indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
