"""Number forms per country and dialect: how `pnumber` and `ccode` write a full number, and what a newly
drawn number may be (a valid mobile number of the country that no order of the world holds)."""
from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberType

from .expect import OneOf, Where

_MOBILE = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def is_mobile(full: str, dial: int) -> bool:
    """True when "+<full>" is a valid mobile number with dial code `dial`."""
    if not isinstance(full, str) or not full.isascii() or not full.isdigit():
        return False
    try:
        parsed = phonenumbers.parse("+" + full)
    except phonenumbers.NumberParseException:
        return False
    return (parsed.country_code == dial and phonenumbers.is_valid_number(parsed)
            and phonenumbers.number_type(parsed) in _MOBILE)


def forms(dialect: str, form: str | None) -> tuple[str, ...]:
    """The number forms `pnumber`/`ccode` may take: live writes the whole number (ccode "") unless the target's
    catalogue names the country's form (docs/evidence.md W17), the others national."""
    if dialect != "live":
        return ("national",)
    return (form or "full",)


def written(full: str, dial: int, form: str) -> dict:
    """{pnumber, ccode} of a known full number in `form`."""
    if form == "full":
        return {"pnumber": full, "ccode": ""}
    return {"pnumber": full[len(str(dial)):], "ccode": f"+{dial}"}


def fresh(dial: int, dialect: str, form: str | None, taken) -> object:
    """{pnumber, ccode} of a number not drawn yet: valid, mobile, held by no order of the world."""
    options = []
    for f in forms(dialect, form):
        if f == "full":
            pnumber = Where(lambda v: is_mobile(v, dial) and v not in taken,
                            f"a valid mobile number with its dial code {dial}, held by no order")
            options.append({"pnumber": pnumber, "ccode": ""})
        else:
            pnumber = Where(lambda v: is_mobile(f"{dial}{v}", dial) and f"{dial}{v}" not in taken,
                            f"a valid mobile number without its dial code {dial}, held by no order")
            options.append({"pnumber": pnumber, "ccode": f"+{dial}"})
    return options[0] if len(options) == 1 else OneOf(options)


def full_of(item: dict, dial: int) -> tuple[str, str]:
    """(full number, form) an answer's pnumber and ccode say."""
    pnumber, ccode = str(item.get("pnumber")), str(item.get("ccode"))
    if ccode == "":
        return pnumber, "full"
    return ccode.lstrip("+") + pnumber, "national"
