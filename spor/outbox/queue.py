"""What gets queued: a rating link a clinician sends, a parent's survey link when it falls
due, and reminders for links not answered."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from spor.outbox.models import ContactConsent, Message, reminder_counts


def send_rating_link(session, invite, token: str, channels, user) -> list[Message]:
    """Queue a personal rating link (an issued `RatingInvite`) to the young person on
    each channel given; expires with the invite."""
    client = session.course.client
    target = reverse("fit_rate", args=[token])
    return [Message.queue(recipient=client, channel=channel, kind=Message.Kind.RATING,
                          target=target, expires_at=invite.expires_at, user=user,
                          session=session, instrument=invite.instrument, rater=invite.rater)
            for channel in channels]


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
        .select_related("client", "participant__course"))
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

