"""Phone numbers: valid mobile numbers of a country, drawn from a seeded generator, unique in a world."""
from __future__ import annotations

import random
from functools import lru_cache
from typing import Container

import phonenumbers
from phonenumbers import PhoneNumberType

_MOBILE = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
_TRIES = 200


class NumberExhausted(RuntimeError):
    """No fresh valid number could be drawn (the country's ranges are nearly used up)."""


def is_mobile(full_digits: str) -> bool:
    """True when "+<digits>" is a valid mobile number per phonenumbers."""
    try:
        parsed = phonenumbers.parse("+" + full_digits)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed) and phonenumbers.number_type(parsed) in _MOBILE


@lru_cache(maxsize=None)
def _example(iso: str) -> phonenumbers.PhoneNumber | None:
    """phonenumbers' example mobile number of a region, parsed once (phonenumbers parses it on every call)."""
    return phonenumbers.example_number_for_type(iso, PhoneNumberType.MOBILE)


def draw_mobile(iso: str, rng: random.Random, taken: Container[str]) -> tuple[str, str]:
    """A fresh (full digits without +, national number) pair of `iso` not in `taken`.

    Starts from phonenumbers' example mobile number of the region and redraws its trailing digits
    until the result is a valid mobile number, so numbers follow real numbering plans.
    """
    example = _example(iso)
    if example is None:
        raise NumberExhausted(f"phonenumbers has no mobile example for {iso}")
    national = str(example.national_number)
    keep = max(2, len(national) - 7)
    for _ in range(_TRIES):
        tail = "".join(rng.choice("0123456789") for _ in range(len(national) - keep))
        candidate = phonenumbers.PhoneNumber(country_code=example.country_code,
                                             national_number=int(national[:keep] + tail))
        if example.italian_leading_zero:
            candidate.italian_leading_zero = True
        full = phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.E164)[1:]
        if full in taken:
            continue
        # number_type is UNKNOWN for an invalid number, so a mobile type alone says valid and mobile
        # (is_valid_number first would find the number's region and match its patterns a second time)
        if phonenumbers.number_type(candidate) in _MOBILE:
            dial = str(example.country_code)
            return full, full[len(dial):]
    raise NumberExhausted(f"no fresh mobile number found for {iso} after {_TRIES} draws")
