"""What the image weighs and how fast it is ready: its size beside its base's, and of a few `docker run`s the
seconds to the first answer, to `healthy` (the image's own health check, every 5 s) and from `docker stop`
to exit.

Usage: python benchmarks/docker_image.py [--runs 3] [--json]
Needs a Docker daemon and the base image (scripts/docker-base.sh). Builds the image from this tree (cached
layers), runs it with a state file on a fresh volume and `--network host` on a free port, and removes what
it made. Prints the figures docs/figures.md shows (with --json, one JSON object at the end).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' docker helpers, shared so both run the image the same way

from tests.docker_helpers import (BASE_IMAGE, TOKEN, build_image, cleanup, docker, run, unavailable,  # noqa: E402
                                  unique, wait_healthy)

TAG = "smspva-rent-mock:bench"


def first_answer(base: str, since: float, timeout: float = 60) -> float:
    """Seconds from `since` until /_mock/health answers (polled every 20 ms)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/_mock/health", headers={"X-Mock-Token": TOKEN}, timeout=1).ok:
                return time.time() - since
        except requests.RequestException:
            pass
        time.sleep(0.02)
    raise SystemExit(f"{base}: no answer within {timeout} s")


def one_run(image: str) -> tuple[float, float, float]:
    """(to first answer, to healthy, docker stop to exit) of one container on a fresh volume."""
    volume = unique("v")
    docker("volume", "create", volume)
    since = time.time()
    box = run(image, volume=volume)
    answered = first_answer(box.base, since)
    healthy = wait_healthy(box.name, since)
    began = time.monotonic()
    docker("stop", box.name)
    stopped = time.monotonic() - began
    if box.state()["ExitCode"] != 0:
        raise SystemExit(f"{box.name} exited {box.state()['ExitCode']} on docker stop:\n{box.logs()}")
    return answered, healthy, stopped


def megabytes(image: str) -> str:
    """An image's size as `docker images` counts it (10^6 bytes)."""
    return f"{int(docker('image', 'inspect', '-f', '{{.Size}}', image).stdout) / 1e6:.0f} MB"


def main() -> None:
    """Build, measure, print (and with --json, one JSON object last)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    why = unavailable()
    if why:
        raise SystemExit(f"no containers here: {why}")
    image = build_image(TAG)
    stand_in = "stand-in" in docker("image", "inspect", "-f", "{{.Comment}}", BASE_IMAGE).stdout
    base = f"{BASE_IMAGE}{' (the stand-in scripts/docker-base.sh makes)' if stand_in else ''}"
    try:
        runs = [one_run(image) for _ in range(args.runs)]
    finally:
        cleanup()
    median = [statistics.median(column) for column in zip(*runs)]
    figures = {
        "image: size": megabytes(image),
        f"image: its base, {base}": megabytes(BASE_IMAGE),
        f"image: docker run to the first answer (median of {args.runs})": f"{median[0]:.1f} s",
        f"image: docker run to healthy, health check every 5 s (median of {args.runs})": f"{median[1]:.1f} s",
        f"image: docker stop to exit 0, final checkpoint included (median of {args.runs})": f"{median[2]:.1f} s",
    }
    print("\n".join(f"{name}: {value}" for name, value in figures.items()))
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
