"""Phone numbers, wherever they are entered: stored as digits with an optional leading +."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PHONE = re.compile(r"^\+?\d{8,15}$")


def normalise_phone(value: str) -> str:
    """Digits with an optional leading +; "00" becomes "+". Raises on anything else."""
    value = re.sub(r"[\s\-.()/]", "", value or "")
    if value.startswith("00"):
        value = "+" + value[2:]
    if not PHONE.match(value):
        raise ValidationError(_("Enter a phone number of 8 digits (or with +country code)."))
    return value


def clean_phone(obj, errors: dict, field: str = "phone") -> None:
    """For a model's clean(): normalise obj.<field> in place, or put the error under it."""
    value = getattr(obj, field)
    if value:
        try:
            setattr(obj, field, normalise_phone(value))
        except ValidationError as e:
            errors[field] = e.messages


def format_phone(value: str) -> str:
    """Danish numbers in pairs (12 34 56 78), others as stored."""
    digits = value.removeprefix("+45") if len(value) == 11 else value
    if len(digits) == 8 and digits.isdigit():
        return " ".join(digits[i:i + 2] for i in range(0, 8, 2))
    return value
