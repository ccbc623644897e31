"""Object access for the programmes' views: one helper per object type, 404 outside scope.

Day team places and exams belong to a young person and go through
`Client.objects.visible_to`; parent courses, participants and surveys through the parent
course's team; outreach through the outreach team; consultancy through the service.
"""

from django.shortcuts import get_object_or_404

from spor.accounts.models import may_see_clients
from spor.programmes.models import (
    CaseConference,
    ConsultancyActivity,
    DayTeamEnrolment,
    Exam,
    FundingSource,
    OutreachContact,
    ParentCourse,
    ParentFollowup,
    ParentParticipant,
    TimetableSlot,
    Volunteer,
)


def get_parent_course_for_user(user, pk) -> ParentCourse:
    return get_object_or_404(
        ParentCourse.objects.visible_to(user).select_related("team", "service"), pk=pk)


def get_participant_for_user(user, pk) -> ParentParticipant:
    return get_object_or_404(
        ParentParticipant.objects.visible_to(user).select_related("course__service",
                                                                  "young_person"), pk=pk)


def get_survey_for_user(user, pk) -> ParentFollowup:
    return get_object_or_404(
        ParentFollowup.objects.visible_to(user).select_related("participant__course"), pk=pk)


def get_enrolment_for_user(user, pk) -> DayTeamEnrolment:
    return get_object_or_404(
        DayTeamEnrolment.objects.visible_to(user).select_related("client__service"), pk=pk)


def get_exam_for_user(user, pk) -> Exam:
    visible = DayTeamEnrolment.objects.visible_to(user).values("pk")
    return get_object_or_404(
        Exam.objects.filter(enrolment__in=visible).select_related("enrolment__client"), pk=pk)


def get_slot_for_user(user, pk) -> TimetableSlot:
    if not may_see_clients(user):
        return get_object_or_404(TimetableSlot.objects.none(), pk=pk)
    return get_object_or_404(TimetableSlot, service_id=user.service_id, pk=pk)


def get_contact_for_user(user, pk) -> OutreachContact:
    return get_object_or_404(OutreachContact.objects.visible_to(user), pk=pk)


def get_funding_for_user(user, pk) -> FundingSource:
    return get_object_or_404(FundingSource.objects.visible_to(user), pk=pk)


def get_volunteer_for_user(user, pk) -> Volunteer:
    return get_object_or_404(Volunteer.objects.visible_to(user), pk=pk)


def get_activity_for_user(user, pk) -> ConsultancyActivity:
    return get_object_or_404(ConsultancyActivity.objects.visible_to(user), pk=pk)


def get_conference_for_user(user, pk) -> CaseConference:
    return get_object_or_404(CaseConference.objects.visible_to(user), pk=pk)

