"""The image built from this tree and run as users run it: health, a rental, durability, stop, compose, CI services.

Needs a Docker daemon (`.ci/run` installs and starts one) and the base image (scripts/docker-base.sh);
without them every test here is skipped with the reason. Containers share the host's network only
(`--network host`), each on a free port; every container and volume made here is removed at the end.
"""
from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import pytest
import requests
import yaml

from tests.docker_helpers import (TOKEN, Container, NoBaseImage, build_image, cleanup, docker, free_port, run,
                                  unavailable, unique, wait_healthy)
from tests.test_readme import read_blocks

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "containers.md"
KEY = "docker-test-key"
AUTH = {"X-Mock-Token": TOKEN}


@pytest.fixture(scope="module")
def image():
    """The image of this tree (built, or taken from RENT_MOCK_DOCKER_IMAGE which .ci/run built)."""
    reason = unavailable()
    if reason:
        pytest.skip(f"no containers here: {reason}")
    named = os.environ.get("RENT_MOCK_DOCKER_IMAGE")
    try:
        tag = named if named and docker("image", "inspect", named, check=False).returncode == 0 else build_image()
    except NoBaseImage as exc:
        pytest.skip(str(exc))
    yield tag
    cleanup()


@pytest.fixture(scope="module")
def served(image):
    """One container with a state file on a fresh volume, read-only root, healthy: (container, volume)."""
    volume = unique("v")
    docker("volume", "create", volume)
    since = time.time()
    box = run(image, volume=volume, env={"RENT_MOCK_APIKEY": KEY})
    wait_healthy(box.name, since)
    yield box, volume


def world(box: Container, balance: str = "50") -> str:
    """A new world's funded apikey, so that each test sees only its own orders."""
    made = requests.post(f"{box.base}/_mock/worlds", json={"balance": balance}, headers=AUTH, timeout=10)
    assert made.status_code == 201, made.text
    return made.json()["apikey"]


def rent(box: Container, **params) -> dict:
    """One rent.php call from the host: its JSON."""
    return requests.get(f"{box.base}/api/rent.php", params=params, timeout=10).json()


def rent_one(box: Container, key: str) -> int:
    """A week of KZ opt16 (2.10) for `key`: the order id."""
    made = rent(box, method="create", apikey=key, dtype="week", dcount=1, country="KZ", service="opt16")
    assert made["status"] == 1, made
    return made["data"]["id"]


def balance(box: Container, key: str) -> Decimal:
    """The account API's balance, as a client reads it."""
    answer = requests.get(f"{box.base}/priemnik.php", params={"metod": "get_balance", "service": "opt16",
                                                               "apikey": key}, timeout=10).json()
    return Decimal(answer["balance"])


def last_state_line(box: Container) -> str:
    """The banner's `state :` line of the latest start."""
    return [line for line in box.logs().splitlines() if line.strip().startswith("state")][-1]


def test_healthy_as_a_user_without_root_on_a_read_only_root(served):
    box, _ = served
    state = box.state()
    assert state["Health"]["Status"] == "healthy" and state["Running"]
    assert docker("exec", box.name, "id", "-u").stdout.strip() == "10001"
    assert docker("inspect", "-f", "{{.HostConfig.ReadonlyRootfs}}", box.name).stdout.strip() == "true"
    wrote = docker("exec", box.name, "sh", "-c", "echo x > /usr/local/x", check=False)
    assert wrote.returncode != 0 and "Read-only file system" in wrote.stderr
    owner = docker("exec", box.name, "stat", "-c", "%u %n", "/data/state.db").stdout.strip()
    assert owner == "10001 /data/state.db"


def test_a_rental_round_trip_from_the_host(served):
    box, _ = served
    assert rent(box, method="orders", apikey=KEY) == {"status": 1, "data": []}  # RENT_MOCK_APIKEY's account
    key = world(box)
    order = rent_one(box, key)
    listed = rent(box, method="orders", apikey=key)["data"]
    assert [o["id"] for o in listed] == [order] and listed[0]["scode"] == "opt16"
    assert balance(box, key) == Decimal("47.90")
    refused = requests.get(f"{box.base}/_mock/accounts/{key}", timeout=10)
    assert refused.status_code == 401 and "admin token" in refused.json()["error"]


def test_kill_loses_no_acknowledged_write(served):
    box, _ = served
    key = world(box)
    order = rent_one(box, key)
    docker("kill", "-s", "KILL", box.name)
    assert box.wait() == 137
    box.start()
    assert [o["id"] for o in rent(box, method="orders", apikey=key)["data"]] == [order]
    assert balance(box, key) == Decimal("47.90")
    replayed = last_state_line(box)
    assert "/data/state.db" in replayed and "(0 logged calls replayed)" not in replayed  # from the log


def test_stop_checkpoints_and_exits_0_within_the_grace_period_and_start_keeps_state(served):
    box, _ = served
    key = world(box)
    order = rent_one(box, key)
    began = time.monotonic()
    docker("stop", "-t", "20", box.name, timeout=60)
    took = time.monotonic() - began
    assert box.state()["ExitCode"] == 0 and took < 10, took  # SIGKILL at 20 s would exit 137
    assert box.logs().rstrip().endswith("rent-mock stopped.")
    box.start()
    assert "(0 logged calls replayed)" in last_state_line(box)  # the final checkpoint held everything
    assert [o["id"] for o in rent(box, method="orders", apikey=key)["data"]] == [order]
    assert balance(box, key) == Decimal("47.90")


def test_without_a_token_the_container_refuses_to_start(image):
    # On the image's 0.0.0.0: it stops before it listens anywhere.
    box = run(image, volume=None, env={"RENT_MOCK_ADMIN_TOKEN": ""}, detach=False, host=None)
    assert box.wait() == 2
    assert "reaches beyond this machine: set --admin-token" in box.logs()


def test_an_empty_state_variable_serves_from_memory(image):
    since = time.time()
    box = run(image, volume=None, env={"RENT_MOCK_STATE": ""})
    wait_healthy(box.name, since)
    assert not [line for line in box.logs().splitlines() if line.strip().startswith("state")]
    assert docker("exec", box.name, "ls", "-A", "/data").stdout == ""
    assert rent_one(box, world(box)) >= 1


def test_a_state_file_named_on_the_volume_is_written_there(image):
    # The command of issue 31, which stopped at once ("the folder /data is not writable") before the image
    # owned its data folder; the option also moves the file from the image's default.
    volume = unique("v")
    since = time.time()
    box = run(image, volume=volume, args=("--state", "/data/moved.db"))
    wait_healthy(box.name, since)
    assert "state     : /data/moved.db (0 logged calls replayed)" in box.logs()
    files = docker("exec", box.name, "ls", "/data").stdout.split()
    assert "moved.db" in files and "state.db" not in files


def compose_command() -> list[str]:
    """`docker compose` (the plugin) or `docker-compose` (Debian's package)."""
    if docker("compose", "version", check=False).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.skip("no docker compose plugin and no docker-compose (apt-get install docker-compose; .ci/run does)")


def test_the_compose_file_comes_up_and_down(image, tmp_path):
    shipped = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text(encoding="utf-8"))
    service = shipped["services"]["rent-mock"]
    assert service["read_only"] is True and service["volumes"] == ["rent-mock-data:/data"]
    # The same service on the host's network (no published port) and of the image already built.
    port = free_port()
    service.pop("build")
    service.pop("ports")
    service |= {"image": image, "network_mode": "host"}
    (tmp_path / "compose.yaml").write_text(yaml.safe_dump(shipped), encoding="utf-8")
    compose = [*compose_command(), "-p", unique("p"), "-f", str(tmp_path / "compose.yaml")]
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "RENT_MOCK_PORT": str(port)}
    missing = subprocess.run([*compose, "config"], env=env, capture_output=True, text=True, timeout=60)
    assert missing.returncode != 0 and "set RENT_MOCK_ADMIN_TOKEN" in missing.stderr + missing.stdout
    env["RENT_MOCK_ADMIN_TOKEN"] = TOKEN
    since = time.time()
    up = subprocess.run([*compose, "up", "-d"], env=env, capture_output=True, text=True, timeout=180)
    try:
        assert up.returncode == 0, up.stderr
        [name] = subprocess.run([*compose, "ps", "-q"], env=env, capture_output=True, text=True,
                                timeout=60).stdout.split()
        wait_healthy(name, since)
        box = Container(name, port)
        assert rent_one(box, world(box)) >= 1
    finally:
        down = subprocess.run([*compose, "down", "-v"], env=env, capture_output=True, text=True, timeout=120)
    assert down.returncode == 0, down.stderr
    assert docker("ps", "-aq", "--filter", f"id={name}").stdout == ""


def page_block(lang: str, needle: str) -> str:
    """The one block of docs/containers.md in `lang` that contains `needle`."""
    [code] = [b.code for b in read_blocks(PAGE.read_text(encoding="utf-8"), "docs/containers.md")
              if b.lang == lang and needle in b.code]
    return code


def node_client(tmp_path: Path, env: dict[str, str], port: int) -> dict:
    """The page's Node client run as the CI job runs it, with the job's variables (the port made ours)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("no node here (Node.js 20 runs the page's client)")
    script = tmp_path / "rent-mock-client.mjs"
    script.write_text(page_block("js", "rent-mock-client.mjs"), encoding="utf-8")
    env = {k: v.replace(":8080", f":{port}").replace("//rent-mock:", "//127.0.0.1:") for k, v in env.items()}
    done = subprocess.run([node, str(script)], env={"PATH": "/usr/bin:/bin", **env}, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def assert_the_client_read_its_sms(result: dict) -> None:
    """What the page's client prints after a good run against a fresh world."""
    assert result["delivered"] is True
    assert [m["text"] for m in result["sms"]["SmsList"]] == ["Your code is 4321"]


def test_the_github_actions_service_as_the_runner_starts_it(image, tmp_path):
    workflow = yaml.safe_load(page_block("yaml", "runs-on:"))
    job = workflow["jobs"]["test"]
    service = job["services"]["rent-mock"]
    assert service["ports"] == ["8080:8080"]  # the image's default RENT_MOCK_PORT, published as is
    # As the runner does: `docker create` with the service's options and env, then wait for healthy; our
    # port replaces the published one (host networking only here).
    port = free_port()
    env = {str(k): str(v) for k, v in service["env"].items()} | {"RENT_MOCK_PORT": str(port)}
    since = time.time()
    box = run(image, volume=None, env=env, options=tuple(shlex.split(service["options"])), port=port)
    assert wait_healthy(box.name, since, timeout=60) < 30
    assert docker("exec", box.name, "ls", "-A", "/data").stdout == ""  # RENT_MOCK_STATE "": no file
    assert_the_client_read_its_sms(node_client(tmp_path, job["env"], port))


def test_the_gitlab_ci_service_as_the_runner_starts_it(image, tmp_path):
    pipeline = yaml.safe_load(page_block("yaml", "services:\n    - name:"))
    job = pipeline["test"]
    [service] = job["services"]
    assert service["alias"] == "rent-mock" and job["variables"]["RENT_MOCK_BASE_URL"] == "http://rent-mock:8080"
    port = free_port()
    env = {str(k): str(v) for k, v in service["variables"].items()} | {"RENT_MOCK_PORT": str(port)}
    since = time.time()
    box = run(image, volume=None, env=env, args=tuple(service.get("command", ())), port=port)
    wait_healthy(box.name, since)
    assert_the_client_read_its_sms(node_client(tmp_path, job["variables"], port))
