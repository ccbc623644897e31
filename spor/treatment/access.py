"""Object access for views, through the one scoping function (see clients.access)."""

from django.shortcuts import get_object_or_404

from spor.treatment.models import Course, FollowUp, Goal, Session


def _courses(user):
    return Course.objects.visible_to(user).select_related("client__service", "team",
                                                          "clinician")


def get_course_for_user(user, pk) -> Course:
    return get_object_or_404(_courses(user), pk=pk)


def locked_course_for_user(user, pk) -> Course | None:
    """The course with its row locked as it is read (in the caller's transaction), or
    None if the user may not see it: the caller answers 404 once its transaction is over,
    which an exception inside it would spoil."""
    return _courses(user).select_for_update(of=("self",)).filter(pk=pk).first()


def get_session_for_user(user, pk) -> Session:
    return get_object_or_404(
        Session.objects.visible_to(user).select_related("course__client__service"), pk=pk)


def get_goal_for_user(user, pk) -> Goal:
    visible = Course.objects.visible_to(user).values("pk")
    return get_object_or_404(
        Goal.objects.filter(course__in=visible).select_related("course__client"), pk=pk)


def get_followup_for_user(user, pk) -> FollowUp:
    visible = Course.objects.visible_to(user).values("pk")
    return get_object_or_404(
        FollowUp.objects.filter(course__in=visible).select_related("course__client"), pk=pk)
