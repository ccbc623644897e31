"""What gets queued: a rating link a clinician sends or the outbox queues by itself after
a session, a parent's survey link when it falls due, and reminders for links not
answered."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from spor.outbox.models import (
    AutoRatingLink,
    Channel,
    ContactConsent,
    Message,
    current_consent,
    reminder_counts,
)


def rating_recipients(session, rater: str, *, present_only: bool = False) -> list:
    """Who may be sent a rating link of `session` for `rater` (each with a current consent
    on some channel): the young person for their own rating; for a parent's, the young
    person's parents who agreed — those who took part when the session records family
    present (always, with `present_only`). Nobody for an anonymous young person, and
    nobody for another rater."""
    from spor.clients.models import Relative

    client = session.course.client
    if client.anonymous:
        return []
    agreed = ContactConsent.objects.current()
    if rater == "client":
        return [client] if agreed.filter(client=client).exists() else []
    if rater != "parent":
        return []
    parents = Relative.objects.filter(client=client, kind=Relative.Kind.PARENT,
                                      pk__in=agreed.values("relative"))
    present = session.participants.filter(kind=Relative.Kind.PARENT)
    if present_only or present.exists():
        parents = parents.filter(pk__in=present.values("pk"))
    return list(parents.select_related("client"))


def send_rating_link(session, invite, token: str, recipients, channels, user=None,
                     ) -> list[Message]:
    """Queue a personal rating link (an issued `RatingInvite`) to each recipient on each
    of `channels` they agreed to: one link, shared, expiring with the invite (the first
    to answer uses it)."""
    target = reverse("fit_rate", args=[token])
    return [Message.queue(recipient=recipient, channel=channel, kind=Message.Kind.RATING,
                          target=target, expires_at=invite.expires_at, user=user,
                          session=session, instrument=invite.instrument, rater=invite.rater)
            for recipient in recipients for channel in channels
            if current_consent(recipient, channel)]


def auto_link_window() -> datetime.timedelta:
    """How long after a session is registered its rating may still be sent by itself: the
    life of a rating link, so that no link is sent about a session long past."""
    return datetime.timedelta(hours=settings.SPOR_RATING_LINK_HOURS)


def sessions_for_auto_links(now=None):
    """Attended sessions of identified young people, in services that chose automatic
    rating links, registered long enough ago for a rating in the session to have been
    made (SPOR_RATING_LINK_AFTER_MINUTES) and recently enough for the link to be of use;
    whose young person or a parent agreed to messages."""
    from spor.clients.models import Relative
    from spor.treatment.models import Session

    now = now or timezone.now()
    since = now - auto_link_window()
    agreed = ContactConsent.objects.current()
    parent_agreed = agreed.filter(relative__client=OuterRef("course__client"),
                                  relative__kind=Relative.Kind.PARENT)
    return (Session.objects
            .filter(attendance=Session.Attendance.ATTENDED,
                    course__client__anonymous=False,
                    course__client__service__auto_rating_links=True,
                    created_at__gt=since,
                    created_at__lte=now - datetime.timedelta(
                        minutes=settings.SPOR_RATING_LINK_AFTER_MINUTES),
                    date__gte=timezone.localdate(since))
            .exclude(course__kind="anonymous_counselling")
            .filter(Q(course__client__in=agreed.values("client")) | Exists(parent_agreed))
            .select_related("course__client__service"))


def wanted_ratings(session) -> list[tuple[str, str]]:
    """(measure, rater) of the ratings a link could still ask for: the young person's
    outcome and alliance measures for their age and this kind of session; a parent's of
    each kind the course's parents rate (only if parents rate in this course). Each only
    while no rating of that kind by that rater exists for the session."""
    from spor.measures import instruments
    from spor.measures.models import Rating

    course = session.course
    age = course.client.age_on(session.date)
    default = {"outcome": instruments.outcome_for(age).code,
               "alliance": instruments.alliance_for(age, group=session.kind == "group").code}
    made = {(instruments.get(code).kind, rater) for code, rater in
            Rating.objects.filter(session=session).values_list("instrument", "rater")}
    parent_kinds = {instruments.get(code).kind for code in Rating.objects.filter(
        course=course, rater=Rating.Rater.PARENT).values_list("instrument", flat=True)
        .distinct()}
    wanted = [(default[kind], "client") for kind in ("outcome", "alliance")]
    wanted += [(default[kind], "parent") for kind in ("outcome", "alliance")
               if kind in parent_kinds]
    return [(code, rater) for code, rater in wanted
            if (instruments.get(code).kind, rater) not in made]


def queue_auto_rating_links(now=None) -> dict:
    """After each session found by `sessions_for_auto_links`, a personal rating link for
    each rating still missing, to each consenting recipient on each agreed channel: once
    per session, measure and rater (AutoRatingLink), never when a clinician already sent
    or handed out a link for it, never without the service's licence. Safe with two runs
    at once: the insert of the AutoRatingLink row decides, in the link's transaction."""
    from spor.measures.models import Licence, RatingInvite

    now = now or timezone.now()
    counts = {"links": 0, "messages": 0}
    licensed: dict = {}
    sessions = list(sessions_for_auto_links(now))
    done = set(AutoRatingLink.objects.filter(session__in=sessions).values_list(
        "session", "instrument", "rater"))
    for session in sessions:
        service = session.course.client.service
        if service.pk not in licensed:
            licensed[service.pk] = Licence.objects.in_force(service) is not None
        if not licensed[service.pk]:
            continue
        for instrument, rater in wanted_ratings(session):
            if (session.pk, instrument, rater) in done:
                continue
            recipients = rating_recipients(session, rater, present_only=True)
            if not recipients:
                continue
            handed_out = (Message.objects.filter(session=session, instrument=instrument,
                                                 rater=rater)
                          .exclude(status=Message.Status.CANCELLED).exists()
                          or RatingInvite.objects.filter(
                              session=session, instrument=instrument, rater=rater,
                              used_at__isnull=True, expires_at__gt=now).exists())
            if handed_out:
                continue
            try:
                with transaction.atomic():
                    link = AutoRatingLink.objects.create(session=session,
                                                         instrument=instrument, rater=rater,
                                                         created_at=now)
                    invite, token = RatingInvite.issue(session, instrument, rater,
                                                       RatingInvite.Mode.LINK, None)
                    queued = send_rating_link(session, invite, token, recipients,
                                              Channel.values)
                    link.messages = len(queued)
                    link.save(update_fields=["messages"])
            except IntegrityError:  # another run queued this one first
                continue
            counts["links"] += 1
            counts["messages"] += len(queued)
    return counts


def queue_surveys(day: datetime.date | None = None) -> int:
    """A link to each due, open parent survey whose participant agreed to messages and who
    was not sent one yet: one message per agreed channel, sharing one link."""
    from spor.programmes.models import ParentFollowup

    day = day or timezone.localdate()
    agreed = ContactConsent.objects.current().filter(participant__isnull=False)
    sent = Message.objects.filter(kind=Message.Kind.SURVEY).exclude(
        status=Message.Status.CANCELLED)
    due = (ParentFollowup.objects.due(day)
           .filter(participant__in=agreed.values("participant"))
           .exclude(pk__in=sent.values("followup"))
           .select_related("participant__course"))
    queued = 0
    for followup in due:
        with transaction.atomic():
            followup = (ParentFollowup.objects.select_for_update()
                        .select_related("participant__course").get(pk=followup.pk))
            if sent.filter(followup=followup).exists() or not followup.is_open:
                continue
            token = followup.new_link()
            followup.save(update_fields=["closed_at", "token_hash", "link_expires_at"])
            target = reverse("parent_survey", args=[token])
            for consent in agreed.filter(participant=followup.participant):
                Message.queue(recipient=followup.participant, channel=consent.channel,
                              kind=Message.Kind.SURVEY, target=target,
                              expires_at=followup.link_expires_at, followup=followup)
                queued += 1
    return queued


def remind_after(message: Message) -> datetime.timedelta:
    if message.kind == Message.Kind.SURVEY:
        return datetime.timedelta(days=settings.SPOR_OUTBOX_REMIND_SURVEY_DAYS)
    return datetime.timedelta(hours=settings.SPOR_OUTBOX_REMIND_RATING_HOURS)


def queue_reminders(now=None) -> int:
    """A reminder for each sent link not answered, still valid, whose last message went out
    long enough ago, until SPOR_OUTBOX_REMINDERS were sent. A reminder carries the same
    link (the same form), under a token of its own."""
    now = now or timezone.now()
    firsts = (reminder_counts(
        Message.objects.with_answered()
        .filter(first__isnull=True, status=Message.Status.SENT, expires_at__gt=now,
                answered=False))
        .filter(n_reminders__lt=settings.SPOR_OUTBOX_REMINDERS)
        .annotate(last=Max("reminders__created_at",
                           filter=~Q(reminders__status=Message.Status.CANCELLED)))
        .select_related("client", "relative__client", "participant__course"))
    queued = 0
    for first in firsts:
        latest = first.last or first.sent_at
        if now - latest < remind_after(first):
            continue
        try:
            Message.queue(recipient=first.recipient, channel=first.channel,
                          kind=Message.Kind.REMINDER, target=first.secrets()["target"],
                          expires_at=first.expires_at, first=first, session=first.session,
                          due_at=now, created_at=now,
                          instrument=first.instrument, rater=first.rater,
                          followup=first.followup)
        except ValidationError:  # the consent was stopped meanwhile: no reminder
            continue
        queued += 1
    return queued


def forget_expired(now=None) -> int:
    """Expired links' encrypted tokens are deleted; the rows stay for the answer rates."""
    now = now or timezone.now()
    expired = Message.objects.filter(expires_at__lte=now)
    expired.filter(status=Message.Status.QUEUED).update(
        status=Message.Status.CANCELLED, last_error="The link expired.")
    return expired.exclude(secret="").update(secret="")

