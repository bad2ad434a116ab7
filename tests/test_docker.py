"""docker/ checked statically, and the image's health check run against a live mock (no daemon needed).

tests/test_docker_run.py builds the image and runs it where a Docker daemon runs."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mockserver.serve.healthcheck import check, health_url
from mockserver.serve.server import ServeOptions
from tests.conftest import serving
from tests.docker_helpers import free_port

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "docker" / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    found = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def test_the_image_runs_as_a_user_without_root():
    steps = instructions()
    users = [(i, arg) for i, (word, arg) in enumerate(steps) if word == "USER"]
    assert users, "no USER: the server would run as root"
    last, user = users[-1]
    uid = user.split(":")[0]
    assert uid.isdigit() and uid != "0"  # numeric, so that runAsNonRoot-style checks can verify it
    assert all(word != "RUN" for word, _ in steps[last:]), "USER must come after the last RUN"
    assert any(word == "RUN" and "useradd" in arg and f"--uid {uid}" in arg and f"chown {uid}:" in arg
               for word, arg in steps)


def test_the_image_installs_the_base_package_only():
    runs = " ".join(arg for word, arg in instructions() if word == "RUN")
    assert "['project']['dependencies']" in runs and "optional-dependencies" not in runs
    assert re.search(r"pip install --prefix=/install --no-deps \.(\s|$)", runs), runs


def test_the_base_is_a_build_argument_defaulting_to_the_official_slim_image():
    steps = instructions()
    assert steps[0] == ("ARG", "BASE=python:3.11-slim")
    assert [arg for word, arg in steps if word == "FROM"] == ["${BASE} AS build", "${BASE}"]


def test_the_state_lives_on_a_volume_by_default_and_pid_1_is_the_server():
    steps = instructions()
    env = " ".join(arg for word, arg in steps if word == "ENV")
    assert "RENT_MOCK_STATE=/data/state.db" in env and "RENT_MOCK_PORT=8080" in env
    assert ("VOLUME", "/data") in steps
    assert any(word == "RUN" and "mkdir /data" in arg for word, arg in steps)
    [entry] = [arg for word, arg in steps if word == "ENTRYPOINT"]
    assert json.loads(entry) == ["rent-mock", "serve"]  # exec form: SIGTERM reaches the server itself


def test_serve_reads_the_variables_the_image_sets():
    from mockserver.cli import serve

    envvars = {p.name: p.envvar for p in serve.params if p.envvar}
    assert envvars == {"host": "RENT_MOCK_HOST", "port": "RENT_MOCK_PORT", "apikey": "RENT_MOCK_APIKEY",
                       "admin_token": "RENT_MOCK_ADMIN_TOKEN", "state": "RENT_MOCK_STATE"}


def test_no_admin_token_has_a_default():
    compose = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text(encoding="utf-8"))
    env = compose["services"]["rent-mock"]["environment"]
    assert env["RENT_MOCK_ADMIN_TOKEN"] == "${RENT_MOCK_ADMIN_TOKEN:?set RENT_MOCK_ADMIN_TOKEN}"
    assert all(word != "ENV" or "TOKEN" not in arg for word, arg in instructions())
    assert "change-me" not in DOCKERFILE.read_text() + (ROOT / "docker" / "compose.yaml").read_text()


def test_the_build_context_leaves_out_what_the_image_does_not_need():
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    ignored = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    assert {".git", ".venv", "tests", "docs", "**/__pycache__", "artifacts", "*.egg-info"} <= ignored
    # every source of every COPY from the build context (not those from the build stage)
    copied = [src for word, arg in instructions() if word == "COPY" and not arg.startswith("--from")
              for src in arg.split()[:-1]]
    assert {"pyproject.toml", "README.md", "mockserver", "contracts", "simulator"} == set(copied)
    assert not ignored & set(copied)  # nothing the image copies is left out


def healthcheck() -> list[str]:
    """The HEALTHCHECK's exec-form command."""
    [arg] = [arg for word, arg in instructions() if word == "HEALTHCHECK"]
    assert re.search(r"--interval=\S+ .*--timeout=\S+", arg)
    return json.loads(arg[arg.index("CMD") + 3:])


@pytest.fixture
def guarded_mock():
    """A mock that asks for an admin token, as the container's does: its port."""
    with serving(ServeOptions(port=0, admin_token="s3cret")) as (base, _):
        yield int(base.rsplit(":", 1)[1])


def test_the_health_check_passes_with_the_token_and_fails_without(guarded_mock):
    assert healthcheck() == ["python", "-m", "mockserver.serve.healthcheck"]
    env = {"RENT_MOCK_PORT": str(guarded_mock), "RENT_MOCK_HOST": "0.0.0.0"}
    good = subprocess.run([sys.executable, "-m", "mockserver.serve.healthcheck"],
                          env=env | {"RENT_MOCK_ADMIN_TOKEN": "s3cret"}, capture_output=True, text=True, timeout=30)
    assert good.returncode == 0, good.stderr
    bad = subprocess.run([sys.executable, "-m", "mockserver.serve.healthcheck"],
                         env=env | {"RENT_MOCK_ADMIN_TOKEN": "wrong"}, capture_output=True, text=True, timeout=30)
    assert bad.returncode == 1
    assert bad.stderr.strip() == f"unhealthy: http://127.0.0.1:{guarded_mock}/_mock/health: HTTP 401"


def test_the_health_check_asks_where_serve_listens():
    assert health_url({}) == "http://127.0.0.1:8080/_mock/health"
    assert health_url({"RENT_MOCK_HOST": "::", "RENT_MOCK_PORT": "9"}) == "http://127.0.0.1:9/_mock/health"
    assert health_url({"RENT_MOCK_HOST": "::1", "RENT_MOCK_PORT": "9"}) == "http://[::1]:9/_mock/health"
    assert health_url({"RENT_MOCK_HOST": "10.0.0.5"}) == "http://10.0.0.5:8080/_mock/health"


def test_the_health_check_says_why_nothing_answers():
    port = free_port()
    assert check({"RENT_MOCK_PORT": str(port)}).startswith(f"http://127.0.0.1:{port}/_mock/health: ")
