"""Every tool and feature the README names has a heading of its own on its page, so the site's table of
contents lists it and a link can reach it; every link from the README into docs/ lands on a heading.
(mkdocs checks the links between pages of the site; nothing else checks the README's.)"""
from __future__ import annotations

import re

from markdown.extensions.toc import slugify

from tests.doc_helpers import ROOT

LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def headings(page: str) -> list[str]:
    """The text of every heading of a docs page (fenced blocks left out: a shell comment is no heading),
    code spans shown as their text, as the table of contents shows them."""
    text = FENCE.sub("", (ROOT / "docs" / page).read_text(encoding="utf-8"))
    return [h.replace("`", "").strip() for h in re.findall(r"^#{1,6} (.+)$", text, re.M)]


def github_slug(title: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, each space a hyphen (not collapsed)."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def anchors(page: str) -> set[str]:
    """The anchors a heading of the page has both on the site (mkdocs) and on GitHub, where the README is read."""
    return {slugify(h, "-") for h in headings(page)} & {github_slug(h) for h in headings(page)}


def readme_table(title: str) -> list[list[str]]:
    """The body rows of the first table under the README heading `title`, as lists of cells."""
    section = re.split(r"^## ", (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.M)
    [body] = [s for s in section if s.startswith(title + "\n")]
    rows = [line for line in body.splitlines() if line.startswith("|")][2:]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows]


def words(text: str) -> set[str]:
    """The words of a name or a heading, lower case, code marks dropped (`/_mock/` and `rent-mock` are one word)."""
    return set(re.findall(r"[\w/-]+", text.replace("`", "").lower())) - {"the", "a", "and", "its"}


def test_headings_and_anchors_are_read_as_the_site_and_github_make_them():
    assert github_slug("Conformance (rent-mock conform)") == "conformance-rent-mock-conform"
    assert github_slug("Spy (--spy)") == "spy---spy" != slugify("Spy (--spy)", "-")  # such a heading has no anchor
    assert "the-pytest-plugin-the-rent_mock-fixture" in anchors("testing-clients.md")
    assert "durability" in anchors("state.md") and "set-up" in anchors("index.md")


def test_every_readme_link_into_the_docs_reaches_a_heading():
    # the README's links to a feature went to the top of its page: "the guard's rule" to docs/proxy.md
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    broken = [target for _, target in LINK.findall(text) if target.startswith("docs/") and "#" in target
              and target.split("#")[1] not in anchors(target.split("#")[0].removeprefix("docs/"))]
    assert broken == []
    assert len([t for _, t in LINK.findall(text) if t.startswith("docs/") and "#" in t]) > 20


def test_every_feature_of_the_documentation_table_is_a_link_to_its_heading():
    # the proxy's spy, diff, import and replay, the control API's fault kinds and journal, the matrix, the
    # pytest plugin and `load` were bold paragraphs on pages with one heading: no contents, nothing to link
    checked = 0
    for page_cell, holds in readme_table("The documentation"):
        pages = LINK.findall(page_cell)
        # a row of several pages (rules, evidence, figures) names pages, not features; the reference has a
        # heading per method, generated from the registry
        if len(pages) != 1 or pages[0][1] == "docs/api.md":
            continue
        page = pages[0][1]
        assert LINK.sub("", holds).strip(" ,") == "", f"{page}: name each feature as a link to its heading: {holds}"
        for name, target in LINK.findall(holds):
            assert target.startswith(page + "#"), f"{name}: {target} is not a heading of {page}"
            checked += 1
    assert checked >= 25


def test_every_tool_of_the_tool_table_has_a_heading_on_its_page():
    # "simulator and load" had a heading for the simulator only
    missing = []
    for _job, tools, _start, page_cell in readme_table("Which tool for which job"):
        titles = [words(h) for _, target in LINK.findall(page_cell)
                  for h in headings(target.split("#")[0].removeprefix("docs/"))]
        missing += [tool for tool in tools.split(", ") if not any(words(tool) <= title for title in titles)]
    assert missing == []
