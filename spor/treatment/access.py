"""Object access for views, through the one scoping function (see clients.access)."""

from django.shortcuts import get_object_or_404

from spor.treatment.models import Course, FollowUp, Goal, Session


def get_course_for_user(user, pk) -> Course:
    return get_object_or_404(
        Course.objects.visible_to(user).select_related("client__service", "team", "clinician"),
        pk=pk)


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
