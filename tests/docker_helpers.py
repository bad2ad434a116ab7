"""Running the project's image for tests and benchmarks: the docker CLI, bounded, with host networking only.

Every container shares the host's network (`--network host`: traffic stays on loopback, and no bridge or
NAT is needed), listens on a free port given by RENT_MOCK_PORT, and is named with a prefix so that a test's
cleanup removes exactly what it made. Waits read `docker events` (replayed from a moment before the start,
so no event is missed) under a deadline, never a sleep.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "docker" / "Dockerfile"
BASE_IMAGE = "python:3.11-slim"
TEST_IMAGE = "smspva-rent-mock:test"
# Names made in this run start with PREFIX, so that cleanup() leaves another run's containers alone.
PREFIX = f"rent-mock-test-{uuid.uuid4().hex[:6]}-"
TOKEN = "docker-s3cret"


def docker(*args: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess:
    """`docker ARGS`, bounded; a failure raises with its stderr when `check`."""
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args)} exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    return done


def unavailable() -> str | None:
    """Why no container can run here (None when a daemon answers)."""
    reason = os.environ.get("RENT_MOCK_DOCKER_SKIP")  # .ci/run says why it could not start a daemon
    if reason:
        return reason
    if shutil.which("docker") is None:
        return "no docker command (apt-get install docker.io; .ci/run does)"
    try:
        info = docker("info", "--format", "{{.ServerVersion}}", timeout=30, check=False)
    except subprocess.TimeoutExpired:
        return "the Docker daemon did not answer `docker info` within 30 s"
    if info.returncode != 0:
        return f"no Docker daemon answers: {info.stderr.strip()[:300]} (start dockerd; .ci/run does)"
    return None


class NoBaseImage(RuntimeError):
    """The Dockerfile's base image is not here (and making it takes minutes: not a test's job)."""


def build_image(tag: str = TEST_IMAGE, timeout: float = 1200) -> str:
    """The image built from this tree (cached layers make a rebuild of unchanged sources take seconds)."""
    if docker("image", "inspect", BASE_IMAGE, check=False).returncode != 0:
        raise NoBaseImage(f"no {BASE_IMAGE} image here: bash scripts/docker-base.sh makes one (as .ci/run does)")
    docker("build", "--network", "host", "-q", "-f", str(DOCKERFILE), "-t", tag, str(ROOT), timeout=timeout)
    return tag


def free_port() -> int:
    """A port nobody listens on now, on loopback (the container then binds it on the host's network)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unique(kind: str) -> str:
    """A name for a container or volume that cleanup() recognises as ours."""
    return f"{PREFIX}{kind}-{uuid.uuid4().hex[:8]}"


@dataclass
class Container:
    """A container of the image, on the host's network at `port`."""

    name: str
    port: int

    @property
    def base(self) -> str:
        """The mock's root URL from the host."""
        return f"http://127.0.0.1:{self.port}"

    def state(self) -> dict:
        """`docker inspect`'s State of the container."""
        return json.loads(docker("inspect", "-f", "{{json .State}}", self.name).stdout)

    def logs(self) -> str:
        """What the container printed, stdout and stderr together."""
        done = docker("logs", self.name, check=False)
        return done.stdout + done.stderr

    def wait(self, timeout: float = 60) -> int:
        """The exit code, once the container has stopped (`docker wait`)."""
        return int(docker("wait", self.name, timeout=timeout).stdout.strip())

    def start(self, timeout: float = 90) -> float:
        """`docker start`, then the seconds until it turned healthy."""
        since = time.time()
        docker("start", self.name)
        return wait_healthy(self.name, since, timeout)


def run(image: str, *, volume: str | None, env: dict[str, str] | None = None, args: tuple[str, ...] = (),
        options: tuple[str, ...] = ("--read-only",), detach: bool = True, port: int | None = None,
        host: str | None = "127.0.0.1") -> Container:
    """`docker run` of the image with the admin token, a free port and (if given) the volume at /data.

    On the host's network the server listens on loopback only (RENT_MOCK_HOST), unless `host` is None: then
    on the image's 0.0.0.0."""
    port = port or free_port()
    name = unique("c")
    cmd = ["run", "--name", name, "--network", "host", *options, "-e", f"RENT_MOCK_PORT={port}"]
    if host:
        cmd += ["-e", f"RENT_MOCK_HOST={host}"]
    if detach:
        cmd.append("-d")
    if volume:
        cmd += ["-v", f"{volume}:/data"]
    for key, value in ({"RENT_MOCK_ADMIN_TOKEN": TOKEN} | (env or {})).items():
        cmd += ["-e", f"{key}={value}"]
    docker(*cmd, image, *args, timeout=120, check=detach)
    return Container(name, port)


def wait_healthy(name: str, since: float, timeout: float = 90) -> float:
    """Seconds from `since` until the container's health turned healthy; raises if it died or the time ran out."""
    events = subprocess.Popen(
        ["docker", "events", "--since", f"{since:.3f}", "--filter", f"container={name}",
         "--filter", "event=health_status", "--filter", "event=die", "--format", "{{.Status}}"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    timer = threading.Timer(timeout, events.kill)  # ends the read below at the deadline
    timer.start()
    seen = []
    try:
        for line in events.stdout:
            seen.append(line.strip())
            if line.strip() == "health_status: healthy":
                return time.time() - since
            if line.strip() == "die":
                break
    finally:
        timer.cancel()
        events.kill()
        events.wait(timeout=10)
    logs = docker("logs", "--tail", "30", name, check=False)
    raise AssertionError(f"{name} not healthy within {timeout} s (events: {seen}); its output:\n"
                         f"{logs.stdout}{logs.stderr}")


def cleanup() -> None:
    """Remove every container and volume a test made (by their prefix), running or not."""
    names = docker("ps", "-aq", "--filter", f"name={PREFIX}", timeout=30, check=False).stdout.split()
    if names:
        docker("rm", "-f", "-v", *names, timeout=120, check=False)
    volumes = docker("volume", "ls", "-q", "--filter", f"name={PREFIX}", timeout=30, check=False).stdout.split()
    if volumes:
        docker("volume", "rm", "-f", *volumes, timeout=60, check=False)
