"""Who has not answered: per clinician the rating links sent (to young people and to
parents) and not answered, per parent
course the follow-up surveys due and not answered, each with the reminders sent. One
query for each half, whatever the number of courses."""

from django.utils import timezone

from spor.clients.models import Client
from spor.outbox.models import Message, reminder_counts

LIMIT = 300  # rows of each half on the page (and people in the access log)


def not_answered(user) -> dict:
    from spor.programmes.models import ParentFollowup

    now = timezone.now()
    live = [Message.Status.QUEUED, Message.Status.SENDING, Message.Status.SENT,
            Message.Status.FAILED]
    visible = Client.objects.visible_to(user)
    ratings = list(
        reminder_counts(Message.objects.with_answered()
                        .filter(first__isnull=True, kind=Message.Kind.RATING, status__in=live,
                                answered=False,
                                session__course__client__in=visible.values("pk")))
        .select_related("relative", "session__course__client", "session__course__clinician")
        .order_by("session__course__clinician__username", "-created_at")[:LIMIT])
    clinicians: dict = {}
    for message in ratings:
        clinician = message.session.course.clinician
        clinicians.setdefault(clinician, []).append(message)

    surveys = list(ParentFollowup.objects.visible_to(user).due(timezone.localdate())
                   .select_related("participant__course")
                   .order_by("participant__course__start_date", "due_date")[:LIMIT])
    firsts = {m.followup_id: m for m in reminder_counts(
        Message.objects.filter(first__isnull=True, kind=Message.Kind.SURVEY,
                               followup__in=[s.pk for s in surveys], status__in=live))
        .order_by("created_at")}
    courses: dict = {}
    for survey in surveys:
        survey.message = firsts.get(survey.pk)
        courses.setdefault(survey.participant.course, []).append(survey)
    return {
        "clinicians": [{"clinician": c, "messages": m} for c, m in clinicians.items()],
        "parent_courses": [{"course": c, "surveys": s} for c, s in courses.items()],
        "clients": {m.session.course.client for m in ratings},
        "participants": [s.participant for s in surveys],
        "now": now,
    }
