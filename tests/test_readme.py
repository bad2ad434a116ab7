"""Every shell and Python example of README.md and of every page under docs/ runs, as written, against a live mock.

The blocks are read from the pages themselves, so the examples cannot drift from what is tested. Each
runnable block (```sh, ```bash, ```python) gets a fresh mock, started as `rent-mock serve --clock
manual --seed 1` would start it (the README starts it so; the seed fixes the demo apikey), on a free
loopback port: `$BASE` is its root URL, `$APIKEY` the default
world's funded apikey (`$TOKEN` is unset: the mock has no admin token). The literal
`127.0.0.1:8080` and `localhost:8080` in a block are rewritten to that port, so examples can show
the default URL. Shell blocks run under `bash -eu` with `curl` failing on any HTTP error
(`--fail-with-body`); Python blocks run with the venv's python, or with pytest when they define
tests. A block preceded by `<!-- readme-test: skip (reason) -->` is not run; it is reported as
skipped with its reason, and a skip without a reason fails.
"""
from __future__ import annotations

import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from markdown_it import MarkdownIt

from mockserver.serve.server import ServeOptions, default_apikey
from tests.conftest import serving

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# the front page and every page of the docs site (docs/, built by mkdocs)
PAGES = [README, *sorted((ROOT / "docs").rglob("*.md"))]
RUN = {"sh": "bash", "bash": "bash", "python": "python"}
# Fence labels that look runnable but would escape the test: name them sh/bash/python, or text.
LOOKALIKES = {"shell", "console", "zsh", "shell-session", "py", "python3", "pycon", "ipython"}
MARKER = re.compile(r"<!--\s*readme-test:(.*?)-->")
SKIP = re.compile(r"\s*skip\s*(?:\((?P<reason>.*)\))?\s*$")
DEFAULT_URL = re.compile(r"\b(?:127\.0\.0\.1|localhost):8080\b")
# A block that listens on a fixed port or writes a fixed /tmp path would collide with the same block of a
# suite running at the same time on this machine: such blocks take a machine-wide lock.
SHARED = re.compile(r"--port[ =](?!0\b)\d+|\b(?:127\.0\.0\.1|localhost):(?!8080\b)\d+|(?<![\w.])/tmp/")
LOCK = Path(tempfile.gettempdir()) / "smspva-rent-mock-readme.lock"
TIMEOUT = 120  # seconds a block may run; the slowest today (verify against the mock) takes ~15 s


@dataclass
class Block:
    """One fenced block of the README."""

    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    skip: str | None  # the skip reason, "" when the marker gives none, None when the block runs
    page: str = "README.md"  # the page's path from the repository root

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}:{self.lang}"


def page_name(page: Path) -> str:
    """A page's path from the repository root, as block ids and messages show it."""
    return page.relative_to(ROOT).as_posix()


def read_blocks(text: str, page: str = "README.md") -> list[Block]:
    """Every fenced block of `text` with its language and the skip marker on the line before it."""
    lines = text.splitlines()
    blocks = []
    for token in MarkdownIt().parse(text):
        if token.type != "fence":
            continue
        start = token.map[0]
        above = lines[start - 1] if start > 0 else ""
        marker = MARKER.fullmatch(above.strip())
        skip = None
        if marker:
            found = SKIP.match(marker.group(1))
            skip = (found.group("reason") or "").strip() if found else ""
        blocks.append(Block(start + 1, token.info.strip().split(" ")[0], token.content, skip, page))
    return blocks


BLOCKS = [b for page in PAGES for b in read_blocks(page.read_text(encoding="utf-8"), page_name(page))]
RUNNABLE = [b for b in BLOCKS if b.lang in RUN]


def test_readme_has_runnable_examples():
    assert len([b for b in RUNNABLE if b.skip is None and b.page == "README.md"]) >= 5, \
        "the README's examples are no longer found"


def test_docs_pages_are_read_too():
    assert "docs/rules.md" in {page_name(p) for p in PAGES}


@pytest.mark.parametrize("page", PAGES, ids=page_name)
def test_every_skip_marker_has_a_reason_and_a_block(page):
    problems = []
    name = page_name(page)
    lines = page.read_text(encoding="utf-8").splitlines()
    fence_lines = {b.line: b for b in BLOCKS if b.page == name}
    for number, line in enumerate(lines, 1):
        marker = MARKER.fullmatch(line.strip())  # a marker is a line of its own; prose may quote one
        if not marker:
            continue
        found = SKIP.match(marker.group(1))
        if not found:
            problems.append(f"{name}:{number}: unknown marker {marker.group(0)!r}: use <!-- readme-test: skip (reason) -->")
        elif not (found.group("reason") or "").strip():
            problems.append(f"{name}:{number}: a skip needs a reason: <!-- readme-test: skip (reason) -->")
        block = fence_lines.get(number + 1)
        if block is None or block.lang not in RUN:
            problems.append(f"{name}:{number}: the skip marker must sit on the line just before a sh/bash/python fence")
    assert problems == []


def test_every_fence_is_labelled_and_none_escapes_the_test():
    problems = [f"{b.id}: label the fence (text for output)" for b in BLOCKS if not b.lang]
    problems += [f"{b.id}: {b.lang!r} is not run: use sh, bash or python (or text for output)"
                 for b in BLOCKS if b.lang in LOOKALIKES]
    assert problems == []


def test_readme_parser_reads_markers_languages_and_lines():
    text = ("intro\n\n```sh\necho a\n```\n\n<!-- readme-test: skip (starts a server) -->\n```bash\nserve\n```\n\n"
            "<!-- readme-test: skip -->\n```python\nx = 1\n```\n\n```text\nout\n```\n")
    blocks = read_blocks(text)
    assert [(b.line, b.lang, b.code, b.skip) for b in blocks] == [
        (3, "sh", "echo a\n", None), (8, "bash", "serve\n", "starts a server"), (13, "python", "x = 1\n", ""),
        (17, "text", "out\n", None)]


def test_blocks_with_fixed_ports_or_tmp_paths_take_the_machine_lock():
    assert SHARED.search("rent-mock proxy --port 8091 > /tmp/proxy.log")
    assert SHARED.search("curl http://127.0.0.1:8092/x") and SHARED.search("cat /tmp/x")
    assert not SHARED.search("curl http://127.0.0.1:8080/_mock/health; serve --port 0; ls work/tmp/x")
    assert not SHARED.search("curl localhost:8080/x")


def test_a_block_is_bounded_and_leaves_nothing_running(tmp_path):
    env = dict(os.environ)
    left = tmp_path / "left.pid"
    code, out = run_bounded(["bash", "-c", f"sleep 300 & echo $! > {left}; echo started"], tmp_path, env,
                            tmp_path / "a.txt", 30)
    assert (code, out) == (0, "started\n")
    status = Path(f"/proc/{left.read_text().strip()}/status")
    deadline = time.monotonic() + 10  # a killed process needs a moment to be scheduled and die
    while status.exists() and "State:\tZ" not in status.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not status.exists() or "State:\tZ" in status.read_text()  # the background sleep went with the block
    assert run_bounded(["sleep", "30"], tmp_path, env, tmp_path / "b.txt", 0.5) == (None, "")


@pytest.fixture
def fresh_mock():
    """A new mock for one block: (root URL, default apikey)."""
    with serving(ServeOptions(port=0, clock="manual", seed=1)) as (base, served):
        requests.get(base + "/_mock/health", timeout=10).raise_for_status()
        yield base, default_apikey(served.hub)


def block_dir(tmp_path: Path) -> Path:
    """A scratch directory that looks like the repository root (files the block writes stay here)."""
    work = tmp_path / "work"
    work.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in {".git", ".venv"}:
            (work / entry.name).symlink_to(entry)
    (work / ".venv").symlink_to(Path(sys.prefix))  # `.venv/bin/...` in an example is this venv
    return work


def shim_bin(tmp_path: Path) -> Path:
    """A bin directory whose `curl` fails on HTTP errors, so a broken call breaks the block."""
    shims = tmp_path / "bin"
    shims.mkdir()
    curl = shutil.which("curl")
    (shims / "curl").write_text(f'#!/bin/sh\nexec {curl} --fail-with-body -sS "$@"\n')
    (shims / "curl").chmod(0o755)
    return shims


def command_for(block: Block, code: str, work: Path) -> list[str]:
    """How to run a block: bash, python, or pytest when the Python block defines tests."""
    if RUN[block.lang] == "bash":
        return ["bash", "-eu", "-c", code]  # no pipefail: `curl … | head` is fine in a user's shell
    if re.search(r"^def test_", code, re.M):
        path = work / "test_readme_block.py"
        path.write_text(code)
        return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(work), str(path)]
    path = work / "readme_block.py"
    path.write_text(code)
    return [sys.executable, str(path)]


@pytest.mark.parametrize("block", RUNNABLE, ids=[b.id for b in RUNNABLE])
def test_readme_block_runs(block: Block, fresh_mock, tmp_path):
    if block.skip is not None:
        pytest.skip(f"{block.id}: {block.skip or 'NO REASON GIVEN (test_every_skip_marker_has_a_reason fails)'}")
    base, apikey = fresh_mock
    port = base.rsplit(":", 1)[1]
    code = DEFAULT_URL.sub(f"127.0.0.1:{port}", block.code)
    work = block_dir(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RENT_MOCK_", "SMSPVA_"))}
    env.pop("TOKEN", None)
    bindir = str(Path(sys.executable).parent)
    env.update(BASE=base, APIKEY=apikey, PATH=os.pathsep.join([str(shim_bin(tmp_path)), bindir, env.get("PATH", "")]))
    with LOCK.open("a") as lock:
        if SHARED.search(block.code):  # as written: the harness's own port is not fixed
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes; each holder is bounded by TIMEOUT
        returncode, out = run_bounded(command_for(block, code, work), work, env, tmp_path / "output.txt", TIMEOUT)
    assert returncode is not None, f"{block.id} ran over {TIMEOUT} s\n--- output ---\n{out}"
    assert returncode == 0, f"{block.id} exited {returncode}\n--- block ---\n{code}\n--- output ---\n{out}"


def run_bounded(cmd: list[str], cwd: Path, env: dict, log: Path, timeout: float) -> tuple[int | None, str]:
    """Run `cmd` for at most `timeout` s: (exit code, or None when it ran over; the output's tail)."""
    with log.open("w") as sink:  # a file, not a pipe: a server the block left running cannot hold it open
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            returncode = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            returncode = None
        finally:
            stop_group(proc)
    return returncode, log.read_text(errors="replace")[-4000:]


def stop_group(proc: subprocess.Popen) -> None:
    """Kill whatever the block started and left behind (background servers), then reap the shell."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def test_the_demo_key_the_pages_show_is_the_one_seed_1_gives():
    # a reader runs the blocks by hand with the key the README names: it must be the one `--seed 1` prints
    from mockserver.serve.server import demo_apikey
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for key in re.findall(r"\bdemo[0-9a-f]{28}\b", page.read_text(encoding="utf-8")):
            assert key == demo_apikey(1), (page.name, key)
    assert f"APIKEY={demo_apikey(1)}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_quick_subset_the_readme_names_is_files_of_this_suite():
    # its block is skipped (the suite runs those files itself): a renamed or removed file would break it unseen
    [quick] = [b for b in BLOCKS if b.page == "README.md" and "-m pytest -q tests/" in b.code]
    files = re.findall(r"tests/\S+\.py", quick.code)
    assert quick.skip and len(files) >= 10 and len(set(files)) == len(files)
    assert [f for f in files if not (ROOT / f).is_file()] == []
