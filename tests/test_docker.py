"""docker/: checked statically (no Docker daemon in CI), and the image's health check run against a live mock."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mockserver.serve.server import ServeOptions
from tests.conftest import serving

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
    assert user.split(":")[0] not in {"root", "0"}
    assert all(word != "RUN" for word, _ in steps[last:]), "USER must come after the last RUN"
    assert any(word == "RUN" and "useradd" in arg and user in arg for word, arg in steps)


def test_the_image_installs_the_base_package_only():
    runs = " ".join(arg for word, arg in instructions() if word == "RUN")
    assert re.search(r"pip install \.(\s|$)", runs), runs
    assert "[" not in runs  # no extras: the server needs neither plots nor Locust


def test_no_admin_token_has_a_default():
    compose = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text(encoding="utf-8"))
    env = compose["services"]["rent-mock"]["environment"]
    assert env["RENT_MOCK_ADMIN_TOKEN"] == "${RENT_MOCK_ADMIN_TOKEN:?set RENT_MOCK_ADMIN_TOKEN}"
    assert all(word != "ENV" or "TOKEN" not in arg for word, arg in instructions())
    assert "change-me" not in DOCKERFILE.read_text() + (ROOT / "docker" / "compose.yaml").read_text()


def test_the_build_context_leaves_out_what_the_image_does_not_need():
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".git", ".venv", "tests", "docs", "**/__pycache__", "artifacts", "*.egg-info"} <= ignored
    copied = [arg.split()[0] for word, arg in instructions() if word == "COPY"]
    assert copied and not ignored & set(copied)  # nothing the image copies is left out


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
    cmd = healthcheck()
    assert cmd[:2] == ["python", "-c"] and "/_mock/health" in cmd[2]
    script = cmd[2].replace("127.0.0.1:8080", f"127.0.0.1:{guarded_mock}")
    good = subprocess.run([sys.executable, "-c", script], env={"RENT_MOCK_ADMIN_TOKEN": "s3cret"},
                          capture_output=True, text=True, timeout=30)
    assert good.returncode == 0, good.stderr
    bad = subprocess.run([sys.executable, "-c", script], env={"RENT_MOCK_ADMIN_TOKEN": "wrong"},
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode == 1 and "HTTP Error 401" in bad.stderr
