"""Spam protection that needs no third party: a honeypot field, a signed time stamp that
proves the form was open for a few seconds, and a limit of posts per address per hour.

Addresses are kept only as a keyed hash in the cache, for one hour.
"""

import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.crypto import salted_hmac
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


def client_address(request) -> str:
    """The visitor's address; behind N trusted proxies, the one the outermost one saw."""
    proxies = settings.SPOR_TRUSTED_PROXIES
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                     if a.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def over_limit(request, scope: str) -> bool:
    """Count this post; True when the address has posted too often this hour.

    A whole school or youth club can share one address, so the limit is generous.
    """
    hour = int(time.time() // 3600)
    who = salted_hmac("spor.public.rate", client_address(request)).hexdigest()[:32]
    key = f"public:rate:{scope}:{who}:{hour}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > settings.SPOR_PUBLIC_POSTS_PER_HOUR


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

    def is_bot(self) -> bool:
        return bool(self.data.get("website"))

    def clean(self):
        data = super().clean()
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
