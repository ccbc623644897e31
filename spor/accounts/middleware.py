from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers

from spor.accounts import tablet


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
