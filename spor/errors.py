"""Error pages in the product's language, with the menu and a way back.

Django's handlers would show bare English pages; these render the same template as every
other page. The 500 page falls back to plain text if even that fails (a database that is
down, a broken template), so that an error never hides behind a second one.
"""

from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

PAGES = {
    403: (lambda: _("You do not have access to this page"),
          lambda: _("Your role does not give access to it. Ask your leader or the "
                    "administrator if you need it for your work.")),
    404: (lambda: _("The page does not exist"),
          lambda: _("The address may be mistyped, or what it showed has been moved or "
                    "removed.")),
    503: (lambda: _("Spor is busy right now"),
          lambda: _("Nothing was saved. Wait a few seconds and try again.")),
    500: (lambda: _("Something went wrong"),
          lambda: _("Spor could not show the page. Try again in a moment, and tell the "
                    "administrator if it goes on.")),
}


def page(request, status):
    heading, explanation = PAGES[status]
    if request.path.startswith("/api/"):  # the API answers in JSON, errors too
        return JsonResponse({"message": heading(), "errors": []}, status=status)
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}) or (
            back.endswith(request.get_full_path())):
        back = ""
    return render(request, "_error.html", {
        "status": status, "heading": heading(), "explanation": explanation(), "back": back},
        status=status)


def permission_denied(request, exception=None):
    return page(request, 403)


def page_not_found(request, exception=None):
    return page(request, 404)


def server_error(request):
    try:
        return page(request, 500)
    except Exception:  # noqa: BLE001 - the page of last resort must not fail itself
        return HttpResponseServerError("Server error (500)", content_type="text/plain")
