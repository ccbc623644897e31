"""A form sent twice (a double click, a reload, a second tab) is acted on once.

Every staff form carries a one-time token (`{% form_token %}`, beside `{% csrf_token %}`).
A POST with a token runs in one transaction that first claims the token: of two posts
with the same token, the second waits for the first and, if the first was acted on (its
answer a redirect), is sent where the first went, with nothing done twice. A post that was
refused (the form shown again with its errors) gives its token back. A server error rolls
the whole request back. Tokens are forgotten after a day by a scheduled job
(spor/audit/jobs.py).
"""

import re
import secrets

from django import template
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.html import format_html
from django.utils.translation import gettext as _

FIELD = "form_token"
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,40}")
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
register = template.Library()


@register.simple_tag
def form_token():
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD,
                       secrets.token_urlsafe(18))


def _token(request) -> str:
    if request.method != "POST" or request.content_type not in FORMS:
        return ""
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return ""
    # A view exempt from the CSRF check reads its own body (to limit an upload's size
    # while it arrives): the body is not read here either.
    if getattr(view, "csrf_exempt", False):
        return ""
    token = request.POST.get(FIELD, "")
    # Only what form_token() makes is claimed: anything else (a NUL, which PostgreSQL
    # cannot store, or any other made-up value) is no token.
    return token if TOKEN.fullmatch(token) else ""


class OnceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from spor.audit.models import SentForm

        token = _token(request)
        if not token:
            return self.get_response(request)
        user = request.user if request.user.is_authenticated else None
        with transaction.atomic():
            if not SentForm.claim(token, user):
                sent = SentForm.objects.filter(token=token, user=user).first()
                if sent is None:  # another user's token: not for this request
                    return self.get_response(request)
                messages.info(request, _("This form was already sent; it was saved once."))
                return redirect(sent.location or request.path)
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
            elif 300 <= response.status_code < 400:
                SentForm.objects.filter(token=token).update(
                    location=response.get("Location", "")[:500])
            else:
                SentForm.objects.filter(token=token).delete()  # refused: may be sent again
        return response
