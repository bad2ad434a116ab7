"""The broken variants stay applicable to today's mock, cover every rule area, and conform catches a handful of
them, the four kinds issue 18 names among them (the whole run is `python -m tests.mutants.run`)."""
import pytest

from contracts.conformance.rules import AREAS, BY_ID
from tests.mutants.run import ROOT, judge
from tests.mutants.variants import VARIANTS


def test_every_variant_applies_to_the_tree_exactly_once():
    for v in VARIANTS:
        text = (ROOT / v.path).read_text(encoding="utf-8")
        assert text.count(v.old) == 1, (v.id, v.path)
        compile(text.replace(v.old, v.new), v.path, "exec")  # the broken copy still parses
        assert v.rule in BY_ID, v.id


def test_a_variant_seen_only_in_some_dialects_names_them():
    from contracts.registry import DIALECTS
    for v in VARIANTS:
        assert set(v.dialects) <= set(DIALECTS), v.id
    assert not next(v for v in VARIANTS if v.id == "N05").visible_in("documented")  # full numbers: live only


def test_variants_spread_over_every_rule_area():
    assert len(VARIANTS) >= 25
    assert len({v.id for v in VARIANTS}) == len(VARIANTS)
    assert {BY_ID[v.rule].area for v in VARIANTS} == set(AREAS)


CI_RUNS = [("M26", "documented"), ("M35", "sdk"), ("N06", "sdk"), ("N01", "live"), ("N02", "live"), ("N03", "live"),
           ("N04", "live")]  # N06/sdk: the one the whole sdk run missed until refusal words were judged


@pytest.mark.parametrize("variant_id, dialect", CI_RUNS)
def test_conform_catches_the_variant(variant_id, dialect):
    variant = next(v for v in VARIANTS if v.id == variant_id)
    outcome = judge(variant, dialect, examples=0)
    broken = {r.rule for r in outcome.results if r.status == "broken"}
    assert variant.rule in broken, broken



def test_the_judging_page_states_how_many_variants_there_are():
    from tests.doc_helpers import page, spelled
    assert f"`tests/mutants/variants.py` holds {len(VARIANTS)} deliberately broken variants" in page("judging.md")
    assert f"CI runs {spelled(len(CI_RUNS))} of them (`tests/test_mutants.py`" in page("judging.md")


def test_the_readme_quotes_the_kill_rates_the_judging_page_measured():
    # the README states the rates next to their command; they must be the measured ones, of today's variants
    import re

    from tests.doc_helpers import ROOT, page
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    measured = re.findall(r"- (\w+), `python -m tests\.mutants\.run --dialect \1` at [0-9a-f]+: caught (\d+) of (\d+) \(",
                          page("judging.md"))
    assert [d for d, _, _ in measured] == ["live", "documented", "sdk"], measured
    for dialect, caught, runs in measured:
        assert f"{caught} of {runs} in {dialect}" in readme, dialect
        unseen = sum(1 for v in VARIANTS if not v.visible_in(dialect))
        assert int(runs) == len(VARIANTS) - unseen, dialect  # measured on today's set of variants
    assert f"Against {len(VARIANTS)} deliberately broken variants of the mock" in readme
