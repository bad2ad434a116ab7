"""Judging one live answer in every dialect: which dialects it fits, what broke the reference, new facts."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import refusals
from ..registry import DIALECTS, METHODS
from ..validate import check_account, check_response


@dataclass
class Verdict:
    """What one answer showed: the dialects it fits, the reference's reasons, facts no dialect knows."""

    fits: list[str] = field(default_factory=list)
    reference: list[str] = field(default_factory=list)  # reasons it breaks the documented dialect
    facts: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """The verdict as the recording stores it."""
        return {"fits": self.fits, "reference": self.reference, "facts": self.facts}


def judge(method: str | None, http_status: int | None, payload: Any) -> Verdict:
    """Judge the answer to `method` in every dialect the registry knows."""
    verdict = Verdict()
    if method not in METHODS:
        return verdict
    if http_status != 200:
        verdict.facts.append(f"{method}: HTTP {http_status} (rent.php answers every call with HTTP 200)")
    if not isinstance(payload, dict):
        verdict.facts.append(f"{method}: the body is not a JSON object")
        return verdict
    for dialect in DIALECTS:
        reasons = check_response(method, payload, dialect)
        if not reasons:
            verdict.fits.append(dialect)
        if dialect == "documented":
            verdict.reference = reasons
    if payload.get("status") == 0:
        msg = str(payload.get("msg", ""))
        if msg and not refusals.documented(msg):
            verdict.facts.append(f"{method}: refusal text no dialect knows: {msg[:120]!r}")
    elif not verdict.fits:
        verdict.facts.append(f"{method}: an answer no dialect knows")
    return verdict


def judge_account(metod: str, payload: Any) -> Verdict:
    """Judge an answer of the balance API (/priemnik.php): one shape, the same in every dialect."""
    reasons = check_account(metod, payload)
    verdict = Verdict(fits=[] if reasons else ["account"], reference=reasons)
    if reasons:
        verdict.facts.append(f"balance:{metod}: an answer the registry does not know ({'; '.join(reasons)[:120]})")
    return verdict
