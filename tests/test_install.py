"""The lean install: the base serves the mock; plots, Locust and fuzzing are extras that a command asks for
in one line when missing; the [test] extra still brings everything."""
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXTRAS = ("matplotlib", "locust", "gevent", "schemathesis", "hypothesis")

# runs rent-mock as if the extras were not installed: importing one of them fails
WITHOUT_EXTRAS = f"""
import sys
class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {EXTRAS!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}")
sys.meta_path.insert(0, Blocked())
import importlib.util
found = importlib.util.find_spec
importlib.util.find_spec = lambda name, *a: None if name.split(".")[0] in {EXTRAS!r} else found(name, *a)
from mockserver.cli import main
main(prog_name="rent-mock")
"""


def rent_mock_without_extras(*args, cwd=None):
    return subprocess.run([sys.executable, "-c", WITHOUT_EXTRAS, *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd or ROOT)


def test_base_dependencies_hold_no_plots_locust_or_fuzzing_and_test_brings_every_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    base = " ".join(project["dependencies"])
    assert not [m for m in EXTRAS if m in base]
    extras = project["optional-dependencies"]
    assert extras["sim"] == ["matplotlib>=3.8"] and extras["load"] == ["locust>=2.20"]
    assert extras["docs"] == ["mkdocs>=1.6", "mkdocs-material>=9.5"]
    assert "smspva-rent-mock[sim,load,fuzz,docs]" in extras["test"]


def test_the_mock_and_its_help_work_without_the_extras(live_server):
    assert rent_mock_without_extras("--help").returncode == 0
    verify = rent_mock_without_extras("verify", "--base-url", live_server)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_commands_that_need_an_extra_say_which_in_one_line(live_server, tmp_path):
    # run from this checkout, the hint is the editable install that works here (exit 2: the tool cannot run)
    load = rent_mock_without_extras("load", "--base-url", live_server)
    assert (load.returncode, load.stderr) == (2, "Error: rent-mock load needs the [load] extra: "
                                                 f"pip install -e '.[load]' (in {ROOT})\n")
    fuzz = rent_mock_without_extras("fuzz", "--base-url", live_server)
    assert fuzz.stderr == f"Error: rent-mock fuzz needs the [fuzz] extra: pip install -e '.[fuzz]' (in {ROOT})\n"
    sim = rent_mock_without_extras("simulate", "small", "--days", "1", "--out", str(tmp_path))
    assert sim.stderr == ("Error: rent-mock simulate's plots needs the [sim] extra: "
                          f"pip install -e '.[sim]' (in {ROOT}) (or pass --no-plots)\n")
    plain = rent_mock_without_extras("simulate", "small", "--days", "1", "--out", str(tmp_path), "--no-plots")
    assert plain.returncode == 0, plain.stderr


def test_installed_from_the_index_the_hint_names_the_package(monkeypatch, tmp_path):
    from contracts import extras

    assert extras.from_checkout() and extras.install_hint("fuzz") == f"pip install -e '.[fuzz]' (in {ROOT})"
    monkeypatch.setattr(extras, "_CHECKOUT", tmp_path)  # site-packages: no pyproject.toml beside the package
    assert not extras.from_checkout() and extras.install_hint("fuzz") == "pip install 'smspva-rent-mock[fuzz]'"


def test_conform_without_hypothesis_names_the_extra_to_install(live_server):
    # the console reads "[fuzz]" as markup unless told not to: the hint printed "pip install -e '.'"
    conform = rent_mock_without_extras("conform", "--base-url", live_server, "--examples", "1")
    assert conform.returncode == 0, conform.stdout + conform.stderr
    hint = f"model-based machine skipped (needs hypothesis: pip install -e '.[fuzz]' (in {ROOT}))"
    assert hint in " ".join(conform.stdout.split()), conform.stdout
