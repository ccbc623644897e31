"""The outbox in the demo: young people, a parent and a parent course participant who
agreed to messages, and rating and survey links sent, opened, answered, reminded and
given up, so that the caseload's link column, "Who has not answered" and the leader's
message page show the outbox at work. Made from the demo clinician's own courses, in a
fixed order, with a handful of rows: quick, and the same each time."""

import datetime

from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from spor.clients.models import Relative
from spor.measures.models import Rating, RatingInvite
from spor.outbox.models import (
    ContactConsent,
    Message,
    MessageTemplate,
    recipient_key,
    service_id_of,
)
from spor.outbox.queue import wanted_ratings
from spor.treatment.models import Course, Session

H = datetime.timedelta(hours=1)
S = Message.Status


def populate(ctx):
    now = timezone.now()
    behandler = ctx.staff["behandler"]
    courses = list(Course.objects.visible_to(behandler)
                   .filter(end_date__isnull=True, client__anonymous=False)
                   .exclude(kind=Course.Kind.ANONYMOUS).select_related("client")
                   .annotate(last=Max("sessions__date", filter=_attended()))
                   .filter(last__isnull=False)
                   .order_by("-last", "client__last_name", "client__first_name")[:40])
    missing, complete = [], []
    for course in courses:
        recent = course.sessions.filter(attendance="attended").order_by("-date",
                                                                        "-created_at")[:3]
        for n, session in enumerate(recent):
            wanted = [code for code, rater in wanted_ratings(session) if rater == "client"]
            if wanted:
                missing.append((session, wanted))
                break
            if n == 0:
                complete.append((session, wanted))
    # Waiting for an answer: sent, opened with a reminder, given up, about to go.
    for n, (session, wanted) in enumerate(missing[:4]):
        client = session.course.client
        channel = "email" if n in (0, 3) else "sms"
        if channel == "email" and not client.email:
            client.email = f"ung{n + 1}@example.dk"
            client.save(update_fields=["email"])
        _agree(client, channel, behandler, now - 30 * 24 * H)
        sent = now - (2, 8, 20, 0)[n] * H
        invite, token = RatingInvite.issue(session, wanted[0], "client", "link", behandler)
        RatingInvite.objects.filter(pk=invite.pk).update(expires_at=sent + 24 * H)
        first = _message(client, channel, session, wanted[0], "client",
                         reverse("fit_rate", args=[token]), sent, behandler)
        if n == 0:
            _mark(first, status=S.SENT, sent_at=sent, attempts=1)
        elif n == 1:
            _mark(first, status=S.SENT, sent_at=sent, opened_at=sent + H, attempts=1)
            reminder = _message(client, channel, session, wanted[0], "client",
                                first.secrets()["target"], now - 2 * H, None, first=first)
            _mark(reminder, status=S.SENT, sent_at=now - 2 * H, attempts=1)
        elif n == 2:
            _mark(first, status=S.FAILED, attempts=5, secret="",
                  last_error="SMS gateway answered 503")
        else:
            _mark(first, status=S.QUEUED, due_at=now)
    # Answered: sent on the day of the session, opened, rated. Each on a course of its own:
    # the caseload shows each course's newest link.
    used = {session.course_id for session, _wanted in missing[:4]}
    complete = [(s, w) for s, w in complete if s.course_id not in used][:3]
    used |= {session.course_id for session, _wanted in complete}
    for session, _wanted in complete:
        client = session.course.client
        _agree(client, "sms", behandler, now - 60 * 24 * H)
        rating = (Rating.objects.filter(session=session, rater="client")
                  .order_by("created_at").first())
        sent = rating.created_at - 3 * H
        message = _message(client, "sms", session, rating.instrument, "client", "/", sent,
                           behandler)
        _mark(message, status=S.SENT, sent_at=sent, opened_at=rating.created_at - H,
              attempts=1, secret="")
    _parent(ctx, courses, behandler, now, used)
    _participant(ctx, now)
    MessageTemplate.objects.create(
        service=ctx.service, kind="link", language="da", subject="Besked fra {service}",
        body="Hej. Vi vil gerne høre, hvordan det går. Svar her: {link}",
        changed_by=ctx.staff.get("leder"))


def _attended():
    return Q(sessions__attendance=Session.Attendance.ATTENDED)


def _agree(recipient, channel, user, at, **fields):
    key = recipient_key(recipient)
    if ContactConsent.objects.current().filter(channel=channel, **key).exists():
        return
    ContactConsent.objects.create(service_id=service_id_of(recipient), channel=channel,
                                  recorded_by=user, agreed_at=at, **key, **fields)


def _message(recipient, channel, session, instrument, rater, target, at, user, first=None,
             **about):
    return Message.queue(recipient=recipient, channel=channel,
                         kind=Message.Kind.REMINDER if first else Message.Kind.RATING,
                         target=target, expires_at=(first.created_at if first else at) + 24 * H,
                         user=user, first=first, due_at=at, created_at=at, session=session,
                         instrument=instrument, rater=rater, **about)


def _mark(message, **fields):
    Message.objects.filter(pk=message.pk).update(**fields)


def _parent(ctx, courses, user, now, used):
    """A mother who rates and agreed to SMS: the link of a recent session she has not
    rated yet, opened, not answered."""
    rated = set(Rating.objects.filter(rater="parent", course__in=[c.pk for c in courses])
                .values_list("course", flat=True))
    # Courses without another link first, then where parents rate; any with a mother on
    # record if none does.
    for course in sorted(courses, key=lambda c: (c.pk in used, c.pk not in rated)):
        mother = Relative.objects.filter(client=course.client, kind="parent").exclude(
            phone="").order_by("name").first()
        if mother is None:
            continue
        session = (course.sessions.filter(attendance="attended")
                   .exclude(ratings__rater="parent").order_by("-date", "-created_at").first())
        if session is None:
            continue
        session.participants.add(mother)
        _agree(mother, "sms", user, now - 40 * 24 * H)
        sent = now - 5 * H
        _invite, token = RatingInvite.issue(session, "ORS", "parent", "link", user)
        message = _message(mother, "sms", session, "ORS", "parent",
                           reverse("fit_rate", args=[token]), sent, user)
        _mark(message, status=S.SENT, sent_at=sent, opened_at=sent + H, attempts=1)
        return


def _participant(ctx, now):
    """A parent course participant who agreed to SMS and whose survey is due: the link
    was sent, then a reminder; and one who answered STOP."""
    from spor.programmes.models import ParentFollowup

    due = list(ParentFollowup.objects.filter(participant__course__service=ctx.service)
               .due(ctx.today).exclude(participant__phone="")
               .select_related("participant__course").order_by("due_date",
                                                               "participant__name")[:2])
    if not due:
        return
    followup = due[0]
    token = followup.new_link()
    followup.save(update_fields=["closed_at", "token_hash", "link_expires_at"])
    _agree(followup.participant, "sms", None, now - 100 * 24 * H)
    sent = now - 9 * 24 * H
    first = Message.queue(recipient=followup.participant, channel="sms",
                          kind=Message.Kind.SURVEY,
                          target=reverse("parent_survey", args=[token]),
                          expires_at=followup.link_expires_at, due_at=sent, created_at=sent,
                          followup=followup)
    _mark(first, status=S.SENT, sent_at=sent, attempts=1)
    reminder = Message.queue(recipient=followup.participant, channel="sms",
                             kind=Message.Kind.REMINDER, target=first.secrets()["target"],
                             expires_at=followup.link_expires_at, first=first,
                             due_at=now - 2 * 24 * H, created_at=now - 2 * 24 * H,
                             followup=followup)
    _mark(reminder, status=S.SENT, sent_at=now - 2 * 24 * H, attempts=1)
    if len(due) > 1:
        _agree(due[1].participant, "sms", None, now - 100 * 24 * H,
               stopped_at=now - 3 * 24 * H, stopped_how=ContactConsent.Stop.SMS)
