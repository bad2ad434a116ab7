"""The conformance suite as pytest tests, one per rule: broken rules fail with expected vs got and the calls,
rules the target cannot take are skipped with the reason. Point it at a server with --conform-base-url
(or RENT_MOCK_BASE_URL)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from ..target import TargetError
from ..verdict import HELD, NOT_APPLICABLE, NOT_JUDGED
from .rules import RULES
from .runner import run
from .target import Settings


@pytest.fixture(scope="session")
def outcome(request):
    """One run of every scenario against the target, shared by the per-rule tests."""
    opt = request.config.getoption
    base = opt("conform_base_url", default=None)
    if not base:
        pytest.skip("no target: pass --conform-base-url URL or set RENT_MOCK_BASE_URL")
    allow, cap = opt("conform_allow_spend"), opt("conform_max_spend")
    if allow and cap is None:
        pytest.fail("--conform-allow-spend needs --conform-max-spend: say the most the run may spend")
    settings = Settings(base, opt("conform_apikey"), opt("conform_alt_apikey"), opt("conform_admin_token"),
                        opt("conform_dialect") or "auto", allow, Decimal(cap) if cap else None, 0.0,
                        int(opt("conform_examples") or 25))
    try:
        return {r.rule: r for r in run(settings).results}
    except TargetError as exc:  # a dead port, a wrong root, a missing token: one line, not a traceback
        pytest.fail(exc.format_message(), pytrace=False)


@pytest.mark.parametrize("rule_id", [r.id for r in RULES])
def test_rule(outcome, rule_id):
    result = outcome[rule_id]
    if result.status in (NOT_APPLICABLE, NOT_JUDGED):
        pytest.skip(f"{result.status}: {result.reason}" + (f" (judge it with {result.flag})" if result.flag else ""))
    lines = [f"expected {f.expected}\n got {f.got}\n  " + "\n  ".join(f.calls) for f in result.broken]
    assert result.status == HELD, f"{rule_id} broken:\n" + "\n".join(lines)
