"""Generated documents stay in step with the registry."""
from pathlib import Path

from contracts.docs import render

ROOT = Path(__file__).resolve().parent.parent


def test_api_reference_is_generated_from_the_registry():
    assert (ROOT / "docs" / "api.md").read_text(encoding="utf-8") == render(), \
        "docs/api.md is stale: run python -m contracts.docs > docs/api.md"
