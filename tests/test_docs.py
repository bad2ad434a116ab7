"""Generated documents stay in step with the registry."""
from pathlib import Path

from contracts.docs import render

ROOT = Path(__file__).resolve().parent.parent


def test_api_reference_is_generated_from_the_registry():
    assert (ROOT / "docs" / "api.md").read_text(encoding="utf-8") == render(), \
        "docs/api.md is stale: run python -m contracts.docs > docs/api.md"


def test_shipped_schemas_and_openapi_are_current():
    from contracts.generate import DATA, documents

    for rel, text in documents().items():
        assert (DATA / rel).read_text(encoding="utf-8") == text, f"{rel} is stale: run python -m contracts.generate"


def test_openapi_keys_each_method_by_a_fragment_path_with_links():
    from contracts.openapi import openapi
    from contracts.registry import METHODS

    doc = openapi()
    assert doc["openapi"] == "3.1.0"
    assert set(doc["paths"]) == {f"/api/rent.php#{m}" for m in METHODS}
    create = doc["paths"]["/api/rent.php#create"]["get"]
    assert create["parameters"][0] == {"name": "method", "in": "query", "required": True,
                                       "schema": {"type": "string", "enum": ["create"]}}
    assert create["security"] == [{"apikey": []}]
    assert doc["components"]["securitySchemes"]["apikey"] == {"type": "apiKey", "in": "query", "name": "apikey"}
    links = create["responses"]["200"]["links"]
    assert {v["operationId"] for v in links.values()} == {"activate", "sms", "prolong", "delete"}
    assert all(v["parameters"] == {"id": "$response.body#/data/id"} for v in links.values())


def test_validators_return_reasons_and_are_strict_about_integers():
    from contracts.validate import check_response

    good = {"status": 1, "data": {"id": 5, "pnumber": "9", "ccode": "+7", "service": "opt1", "until": 10}}
    assert check_response("create", good) == []
    bad = {"status": 1, "data": {"id": "5", "pnumber": "9", "ccode": "+7", "service": "opt1", "until": 1.5}}
    assert check_response("create", bad) == ["data['id']: '5' is not of type 'integer'",
                                             "data['until']: 1.5 is not of type 'integer'"]
    assert check_response("create", {"status": True, "data": {}}) == ["body['status']: expected an integer, got True"]
    assert check_response("orders", {"status": 0}) == ["body: 'msg' is a required property"]


def test_the_project_stands_alone():
    """Nothing in the repository points at files outside it (a build machine's paths, the design notes the
    project started from): the rules it follows are docs/rules.md, its sources are cited by public address."""
    import subprocess

    outside = ["/" + "work/", "../" + "shared", "DESIGN" + " §", "DESIGN" + " section", "DESIGN" + "'s",
               "rent-api-" + "seed"]
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    found = []
    for name in files:
        path = ROOT / name
        if path.suffix in {".png", ".db"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{name}: {word}" for word in outside if word in text]
    assert found == []


def test_every_evidence_row_has_an_id_of_its_own():
    # two rows were both W12 (the account API's shape and the live 'Balance is not enough'); citations were ambiguous
    import re
    from pathlib import Path
    ids = re.findall(r"^\| ([A-Z]\d+[a-z]?) \|", (Path(__file__).parent.parent / "docs" / "evidence.md").read_text(
        encoding="utf-8"), re.M)
    assert len(ids) > 20 and len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
