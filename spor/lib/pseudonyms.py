"""A pseudonym must not identify: it may not look like a CPR number, a phone number or an
e-mail address. One rule, on the model field, so forms, the import and the API share it."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CPR = re.compile(r"(?<!\d)\d{6}\s*[-/]?\s*\d{4}(?!\d)")
EMAIL = re.compile(r"\S@\S+\.\S")
SEPARATORS = re.compile(r"[\s\-./()]")
PHONE = re.compile(r"\d{8,}")


def validate_pseudonym(value: str) -> None:
    if CPR.search(value):
        raise ValidationError(_("This looks like a CPR number. A pseudonym is a first name "
                                "or a nickname."), code="cpr")
    if EMAIL.search(value):
        raise ValidationError(_("This looks like an e-mail address. A pseudonym is a first "
                                "name or a nickname."), code="email")
    if PHONE.search(SEPARATORS.sub("", value)):
        raise ValidationError(_("This looks like a phone number. A pseudonym is a first "
                                "name or a nickname."), code="phone")
