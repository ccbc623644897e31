import base64
import functools
import hashlib

from django.conf import settings
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

from spor.accounts import tablet


@functools.cache
def content_security_policy() -> str:
    """The policy of settings.CONTENT_SECURITY_POLICY, with the hashes of the fixed inline
    style sheets (rendered once, as the pages include them) added to style-src."""
    directives = dict(settings.CONTENT_SECURITY_POLICY)
    hashes = [base64.b64encode(hashlib.sha256(render_to_string(name).encode()).digest())
              for name in settings.CONTENT_SECURITY_POLICY_INLINE_STYLES]
    directives["style-src"] = " ".join(
        [directives["style-src"], *(f"'sha256-{h.decode()}'" for h in hashes)])
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class ContentSecurityPolicyMiddleware:
    """The Content-Security-Policy and Permissions-Policy headers on every answer (the
    other security headers come from Django's SecurityMiddleware and settings.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", content_security_policy())
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class StaffGuardMiddleware:
    """Pages seen by a logged-in user are never cached by browsers or proxies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
            response["Cache-Control"] += ", no-store"
        return response


class DanishFirstMiddleware:
    """Danish unless the user chose English with the language switch.

    The browser's Accept-Language is ignored: staff and young people in a Danish service
    often have English browsers, and the product speaks Danish first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class TabletLockMiddleware:
    """While a tablet is handed over, only the rating form and the unlock page answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = tablet.current(request)
        if state is not None and not tablet.allowed(request, state):
            return redirect("tablet_unlock")
        return self.get_response(request)
