"""A tablet handed to a young person for a rating is locked to that one form.

The clinician stays logged in, but while the lock is on, every page other than the form
and the unlock page leads to the unlock page, which shows nothing about anyone. The
clinician's PIN lifts the lock; after a few wrong PINs the login itself ends and only a
full login (with its second factor) opens Spor again.
"""

from django.contrib.auth import logout
from django.urls import reverse

LOCK = "tablet-lock"
PIN_TRIES = 5


def lock(request, form_path: str, back: str) -> None:
    request.session[LOCK] = {"form": form_path, "back": back, "tries": 0}


def current(request) -> dict | None:
    session = getattr(request, "session", None)
    return session.get(LOCK) if session is not None else None


def unlock(request, pin: str) -> tuple[bool, int]:
    """Lift the lock with the PIN: (unlocked, tries left). At no tries left the login ends."""
    state = current(request)
    if state is None:
        return True, PIN_TRIES
    if request.user.is_authenticated and request.user.check_tablet_pin(pin):
        back = state["back"]
        del request.session[LOCK]
        request.session.cycle_key()
        request.session["tablet-back"] = back
        return True, PIN_TRIES
    state["tries"] += 1
    request.session[LOCK] = state
    left = PIN_TRIES - state["tries"]
    if left <= 0:
        logout(request)
    return False, max(left, 0)


def allowed(request, state: dict) -> bool:
    return request.path in {state["form"], reverse("tablet_unlock"), reverse("set_language")}
