"""The shared verdict: exit codes from the coverage ledger, its JSON and JUnit forms; output paths checked
when the options are read."""
import os
from xml.etree import ElementTree as ET

import click
import pytest
from click.testing import CliRunner

from contracts.paths import OutputDir, OutputFile, output_dir_problem, output_file_problem
from contracts.verdict import (BROKEN, HELD, NOT_APPLICABLE, NOT_JUDGED, Ledger, partial_ok_option)


def ledger() -> Ledger:
    led = Ledger("methods")
    led.held("getcountries", group="catalogue")
    led.not_applicable("sms (SmsList)", "not a shape of the documented dialect")
    led.not_judged("create", "spends money and the server is not the mock", "--apikey KEY --allow-spend --max-spend X")
    return led


def test_exit_codes():
    led = ledger()
    assert (led.exit_code(), led.exit_code(partial_ok=True)) == (3, 0)
    assert led.summary() == "1 held, 0 broken, 1 not applicable, 1 NOT JUDGED of 3 methods"
    assert led.verdict_line() == ("1 held, 0 broken, 1 not applicable, 1 NOT JUDGED of 3 methods: held, but 1 "
                                  "applicable methods were NOT JUDGED (--partial-ok accepts that) (exit 3)")
    assert led.verdict_line(True).endswith("held; 1 methods NOT JUDGED, accepted by --partial-ok (exit 0)")
    led.held("create")
    assert led.exit_code() == 0
    assert led.verdict_line().endswith("everything that applies was judged and held (exit 0)")
    led.broken("orders", "data[0]['id']: '4' is not of type 'integer'")
    assert (led.exit_code(), led.exit_code(partial_ok=True)) == (1, 1)


def test_a_stronger_verdict_stands():
    led = Ledger("methods")
    led.broken("orders", "first")
    led.held("orders")
    led.not_judged("orders", "x", "--y")
    led.broken("orders", "second", details=["more"])
    assert led.entries["orders"].status == BROKEN and led.entries["orders"].reason == "first"
    assert led.entries["orders"].details == ["more"]
    led.not_judged("sms", "no order to read", "--apikey")
    led.held("sms")
    assert led.entries["sms"].status == HELD and led.entries["sms"].flag == ""
    led.not_applicable("x", "not owed")
    led.not_judged("x", "owed after all", "--z")
    assert led.entries["x"].status == NOT_JUDGED


def test_every_junit_report_has_one_form(tmp_path):
    # verify, conform, fuzz and load wrote a bare <testsuite>; check-client and replay a <testsuites> with an XML
    # declaration, each by its own code: now contracts.verdict.write_junit writes them all
    from contracts.conformance.report import write as write_conform
    from contracts.conformance.runner import Outcome
    from contracts.report import write as write_verify
    from contracts.verify import Verdict
    ledger().write(str(tmp_path / "fuzz.xml"), "fuzz", {}, False)
    write_verify(Verdict("http://x", [], "live", ["live"], []), str(tmp_path / "verify.xml"))
    write_conform(Outcome("http://x", "live", False, {}), str(tmp_path / "conform.xml"))
    for name, suite in [("fuzz", "fuzz"), ("verify", "rent.php contract (live)"),
                        ("conform", "rent.php conformance (live)")]:
        text = (tmp_path / f"{name}.xml").read_text(encoding="utf-8")
        assert text.startswith("<?xml version='1.0' encoding='utf-8'?>\n<testsuites><testsuite "), name
        root = ET.fromstring(text.split("?>", 1)[1])
        assert (root.tag, [s.get("name") for s in root]) == ("testsuites", [suite])


def test_json_and_junit_forms():
    led = ledger()
    assert led.as_json()["counts"] == {HELD: 1, BROKEN: 0, NOT_APPLICABLE: 1, NOT_JUDGED: 1, "failed as expected": 0}
    assert led.as_json()["items"][2] == {
        "name": "create", "status": "NOT JUDGED", "reason": "spends money and the server is not the mock",
        "flag": "--apikey KEY --allow-spend --max-spend X", "group": "", "details": []}
    suite = ET.fromstring(ET.tostring(led.junit("verify")))
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "0", "2")
    skipped = suite.findall("testcase/skipped")
    assert [s.get("type") for s in skipped] == ["not applicable", "NOT JUDGED"]
    assert skipped[1].get("message") == ("NOT JUDGED create: spends money and the server is not the mock "
                                         "(judge it with --apikey KEY --allow-spend --max-spend X)")


def test_output_paths(tmp_path):
    assert output_file_problem(str(tmp_path / "r.json")) is None
    assert output_file_problem(str(tmp_path / "no" / "r.json")) == (f"cannot be written: the folder "
                                                                    f"{tmp_path / 'no'} does not exist")
    assert output_file_problem(str(tmp_path)) == "is a folder, not a file"
    assert output_dir_problem(str(tmp_path / "a" / "b")) is None
    (tmp_path / "f").write_text("")
    assert output_dir_problem(str(tmp_path / "f")) == "is a file, not a folder"
    assert output_dir_problem(str(tmp_path / "f" / "sub")) == f"cannot be made: {tmp_path / 'f'} is not a folder"
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        assert output_file_problem(str(locked / "r.json")) == f"cannot be written: the folder {locked} is not writable"


def test_options_are_checked_before_the_command_runs(tmp_path):
    ran = []

    @click.command()
    @click.option("--report", type=OutputFile())
    @click.option("--out", type=OutputDir())
    @partial_ok_option
    def cmd(report, out, partial_ok):
        ran.append((report, out, partial_ok))

    bad = CliRunner().invoke(cmd, ["--report", str(tmp_path / "missing" / "r.xml")])
    assert bad.exit_code == 2 and ran == []
    assert (f"Invalid value for '--report': {tmp_path}/missing/r.xml cannot be written: the folder "
            f"{tmp_path}/missing does not exist") in bad.output
    good = CliRunner().invoke(cmd, ["--report", str(tmp_path / "r.xml"), "--out", str(tmp_path / "o"), "--partial-ok"])
    assert good.exit_code == 0 and ran == [(str(tmp_path / "r.xml"), str(tmp_path / "o"), True)]


def test_a_failure_the_user_expected_is_its_own_verdict():
    # check-client --xfail counted such a scenario as "not applicable", which means "not owed by the dialect"
    from contracts.verdict import XFAILED
    led = Ledger("scenarios")
    led.held("happy-path")
    led.record("number-lost", XFAILED, "--xfail: the client exited 1")
    assert led.exit_code() == 0
    assert led.summary() == "1 held, 0 broken, 1 failed as expected, 0 not applicable, 0 NOT JUDGED of 2 scenarios"
    suite = led.junit("matrix")
    assert (suite.get("failures"), suite.get("skipped")) == ("0", "1")
    assert suite.find("testcase[@name='number-lost']/skipped").get("type") == "failed as expected"
    led.held("number-lost")  # it survived after all: held is the stronger verdict
    assert led.entries["number-lost"].status == "held"
