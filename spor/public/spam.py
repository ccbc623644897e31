"""Spam protection that needs no third party: a honeypot field and a signed time stamp
that proves the form was open for a few seconds. The views add a limit of posts per
address per hour (`spor.lib.ratelimit`, which keeps addresses only as a keyed hash).
"""

import time

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

SALT = "spor.public.stamp"
STAMP_MAX_AGE = 12 * 3600  # a phone tab left open over the afternoon still works


def new_stamp() -> str:
    return signing.dumps(time.time(), salt=SALT)


def stamp_age(value: str) -> float | None:
    """Seconds since the stamp was made; None when it is missing, forged or too old."""
    try:
        made = signing.loads(value or "", salt=SALT, max_age=STAMP_MAX_AGE)
        age = time.time() - float(made)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    return age if age <= STAMP_MAX_AGE else None


class HoneypotInput(forms.TextInput):
    def __init__(self):
        super().__init__(attrs={"autocomplete": "off", "tabindex": "-1"})


class SpamChecked(forms.Form):
    """Mixin for public forms. The view asks is_bot() before is_valid()."""

    # Hidden from people by the page's style; programs that fill every field fill it.
    website = forms.CharField(label=_("Leave this field empty"), required=False,
                              widget=HoneypotInput())
    stamp = forms.CharField(required=False, widget=forms.HiddenInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stamp"].initial = new_stamp()
        # The page speaks to young people: not Django's formal "This field is required."
        for field in self.fields.values():
            field.error_messages["required"] = _("This one is missing – fill it in and "
                                                 "press the button again.")

    def is_bot(self) -> bool:
        return bool(self.data.get("website"))

    def clean(self):
        data = super().clean()
        if self.errors:  # the form comes back anyway: one kind message per field is enough
            return data
        age = stamp_age(self.data.get("stamp", ""))
        if age is None:
            self.add_error(None, _("The form was open for a long time. Please press the "
                                   "button again."))
        elif age < settings.SPOR_PUBLIC_MIN_FILL_SECONDS:
            self.add_error(None, _("That was quick! Please check what you wrote and press "
                                   "the button again."))
        return data

    def fresh_stamp(self) -> None:
        """Before showing a sent form again: a new stamp, so the next try can pass."""
        if self.is_bound:
            self.data = self.data.copy()
            self.data["stamp"] = new_stamp()
