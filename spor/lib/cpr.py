"""Danish CPR numbers: format and date only.

No modulus-11 check: numbers issued since 2007 need not pass it.
Never log a CPR number; pass it only to `Client.set_cpr`.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CPR_RE = re.compile(r"^\s*(\d{2})(\d{2})(\d{2})-?(\d{4})\s*$")


def century(yy: int, digit7: int) -> int:
    """The century of a CPR birth date from the two-digit year and the 7th digit."""
    if digit7 <= 3:
        return 1900
    if digit7 in (4, 9):
        return 2000 if yy <= 36 else 1900
    return 2000 if yy <= 57 else 1800


def parse(value: str) -> tuple[str, datetime.date]:
    """Return the CPR as ten digits and its birth date, or raise ValidationError."""
    match = CPR_RE.match(value or "")
    if not match:
        raise ValidationError(_("Enter a CPR number as DDMMYY-NNNN."), code="format")
    dd, mm, yy, serial = match.groups()
    year = century(int(yy), int(serial[0])) + int(yy)
    try:
        born = datetime.date(year, int(mm), int(dd))
    except ValueError:
        raise ValidationError(_("The CPR number does not start with a real date."),
                              code="date") from None
    return f"{dd}{mm}{yy}{serial}", born


def looks_like_cpr(text: str) -> bool:
    return bool(CPR_RE.match(text or ""))


def masked(digits: str) -> str:
    return f"{digits[:6]}-xxxx" if digits else ""


def formatted(digits: str) -> str:
    return f"{digits[:6]}-{digits[6:]}" if digits else ""
