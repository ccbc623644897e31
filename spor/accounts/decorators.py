from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect


def needs_second_factor(user) -> bool:
    return settings.SPOR_REQUIRE_2FA and user.needs_two_factors and not user.is_verified()


def staff_required(*roles):
    """Logged-in, active staff of a service, with two factors where the role needs them.

    With roles given, other roles get 403. Use as @staff_required() or
    @staff_required(User.Role.LEADER, ...).
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if needs_second_factor(user):
                return redirect("otp_verify")
            if user.service_id is None or (roles and user.role not in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def not_post(request):
    """The one POST-only guard: a 405 answer unless the request is a POST, else None.

    Views call it after their access check, so that an outsider learns nothing from the
    status code (404 before 405):
        if (refused := not_post(request)) is not None:
            return refused
    """
    return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])
