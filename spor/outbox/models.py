"""The outbox: rating and survey links (and reminders) on their way to young people and
parents by e-mail or SMS, one row per message.

A message says the service's name and a link, nothing about health, use or treatment. The
link goes to this outbox (`/m/<token>/`), which records that it was opened and passes on to
the rating or survey form; only a hash of that token is kept in the clear, and the form's
own link is stored encrypted with the data key until the message is done with.

Only identified young people, their parents and other family (`clients.Relative`) and
parent course participants who agreed to be contacted on a channel (a current
`ContactConsent`) are ever sent anything; anonymous young people and their family never,
nor professionals of the network (they do not rate). A consent is checked when the
message is queued and again just before it is sent.
"""

import datetime
import functools
import hashlib
import json
import secrets
import string
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Exists, ExpressionWrapper, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spor.lib import crypto


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class Language(models.TextChoices):
    DANISH = "da", _("Danish")
    ENGLISH = "en", _("English")


# The kinds of person a message can go to, each a foreign key of ContactConsent and
# Message named after its model: a young person, a relative (family) or a parent course
# participant. Exactly one is set.
RECIPIENTS = ("client", "relative", "participant")


def _one_recipient() -> Q:
    condition = Q()
    for field in RECIPIENTS:
        condition |= Q(**{f"{other}__isnull": other != field for other in RECIPIENTS})
    return condition


def recipient_key(recipient) -> dict:
    """The lookup that finds a person's consents and messages: {"client": ida}…"""
    name = recipient._meta.model_name
    field = "participant" if name == "parentparticipant" else name
    if field not in RECIPIENTS:
        raise TypeError(f"not a recipient: {name}")
    return {field: recipient}


def service_id_of(recipient) -> int:
    name = recipient._meta.model_name
    if name == "client":
        return recipient.service_id
    if name == "relative":
        return recipient.client.service_id
    return recipient.course.service_id


class ConsentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(stopped_at__isnull=True)

    def for_recipient(self, recipient):
        return self.filter(**recipient_key(recipient))


class ContactConsent(models.Model):
    """A young person's, a relative's or a participant's agreement to receive links on one
    channel.

    Stopping keeps the row (when, and how: by staff, the stop link or an SMS "STOP"); a new
    agreement is a new row, so the history of who agreed and who stopped stays readable."""

    class Stop(models.TextChoices):
        STAFF = "staff", _("Recorded by staff")
        LINK = "link", _("The stop link in a message")
        SMS = "sms", _("An SMS answer STOP")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey("accounts.Service", models.CASCADE, related_name="+")
    client = models.ForeignKey("clients.Client", models.CASCADE, null=True, blank=True,
                               related_name="contact_consents")
    participant = models.ForeignKey("programmes.ParentParticipant", models.CASCADE, null=True,
                                    blank=True, related_name="contact_consents")
    relative = models.ForeignKey("clients.Relative", models.CASCADE, null=True, blank=True,
                                 related_name="contact_consents")
    channel = models.CharField(_("channel"), max_length=5, choices=Channel)
    language = models.CharField(_("language of the messages"), max_length=2, choices=Language,
                                default=Language.DANISH)
    agreed_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    related_name="+")
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_how = models.CharField(max_length=5, choices=Stop, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-agreed_at"]
        constraints = [
            models.CheckConstraint(name="contact_consent_one_recipient",
                                   condition=_one_recipient()),
            models.UniqueConstraint(fields=["client", "channel"],
                                    condition=Q(stopped_at__isnull=True),
                                    name="contact_consent_client_current"),
            models.UniqueConstraint(fields=["participant", "channel"],
                                    condition=Q(stopped_at__isnull=True),
                                    name="contact_consent_participant_current"),
            models.UniqueConstraint(fields=["relative", "channel"],
                                    condition=Q(stopped_at__isnull=True),
                                    name="contact_consent_relative_current"),
        ]

    def __str__(self):
        return self.get_channel_display()

    def stop(self, how: str) -> None:
        ContactConsent.objects.filter(pk=self.pk, stopped_at__isnull=True).update(
            stopped_at=timezone.now(), stopped_how=how)


def address_of(recipient, channel: str) -> str:
    """The e-mail address or phone number on record for a client, relative or
    participant."""
    return recipient.email if channel == Channel.EMAIL else recipient.phone


def never_contacted(recipient) -> str:
    """Why this person is never sent anything, whatever they agree to; "" when they may be.
    Anonymous young people and their family hold no contact details; professionals of the
    network are not raters, and a link meant for the family must not reach them."""
    name = recipient._meta.model_name
    if name == "client" and recipient.anonymous:
        return _("Anonymous young people are never sent messages.")
    if name == "relative":
        if recipient.client.anonymous:
            return _("The family of an anonymous young person is never sent messages.")
        if recipient.is_professional:
            return _("Professionals do not rate, so they are never sent rating links.")
    return ""


def consent_errors(recipient, channel: str) -> dict:
    """Why this person cannot agree to messages on this channel ({field: message})."""
    if reason := never_contacted(recipient):
        return {channel: reason}
    if not address_of(recipient, channel):
        if channel == Channel.EMAIL:
            return {"email": _("Record an e-mail address first.")}
        return {"sms": _("Record a phone number first.")}
    return {}


def set_consents(recipient, channels: dict, language: str, user) -> None:
    """Make the current consents of a client, relative or participant those of
    `channels` ({channel: bool}); a consent given up here is stopped as recorded by staff.
    Raises ValidationError naming the channel when one cannot be given."""
    service_id = service_id_of(recipient)
    errors = {}
    for channel, wanted in channels.items():
        if wanted:
            errors.update(consent_errors(recipient, channel))
    if errors:
        raise ValidationError(errors)
    key = recipient_key(recipient)
    with transaction.atomic():
        current = {c.channel: c for c in
                   ContactConsent.objects.select_for_update().filter(**key).current()}
        for channel, wanted in channels.items():
            consent = current.get(channel)
            if wanted and consent is None:
                ContactConsent.objects.create(service_id=service_id, channel=channel,
                                              language=language, recorded_by=user, **key)
            elif wanted and consent.language != language:
                ContactConsent.objects.filter(pk=consent.pk).update(language=language)
            elif not wanted and consent is not None:
                consent.stop(ContactConsent.Stop.STAFF)
        if not any(channels.values()):
            Message.objects.filter(status=Message.Status.QUEUED, **key).update(
                status=Message.Status.CANCELLED, last_error="The consent was stopped.")


class MessageTemplate(models.Model):
    """A leader's wording of one kind of message in one language. Only {service} and
    {link} may be filled in: the message never says anything about health or use."""

    class Kind(models.TextChoices):
        LINK = "link", _("A new link")
        REMINDER = "reminder", _("A reminder")

    PLACEHOLDERS = {"service", "link"}
    DEFAULTS = {
        ("link", "da"): ("Besked fra {service}",
                         "Hej. {service} beder dig svare på et par spørgsmål: {link}"),
        ("link", "en"): ("A message from {service}",
                         "Hello. {service} asks you to answer a few questions: {link}"),
        ("reminder", "da"): ("Påmindelse fra {service}",
                             "Hej igen. {service} vil stadig gerne have dit svar: {link}"),
        ("reminder", "en"): ("A reminder from {service}",
                             "Hello again. {service} would still like your answer: {link}"),
    }

    service = models.ForeignKey("accounts.Service", models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind)
    language = models.CharField(max_length=2, choices=Language)
    subject = models.CharField(_("e-mail subject"), max_length=120)
    body = models.TextField(_("text"), max_length=600, help_text=_(
        "Write {service} for the service's name and {link} for the link. Say nothing "
        "about health, use of substances or treatment: others may read the message."))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+")
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service", "kind", "language"],
                                               name="message_template_once")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_language_display()})"

    @classmethod
    def for_service(cls, service, kind: str, language: str) -> "MessageTemplate":
        found = cls.objects.filter(service=service, kind=kind, language=language).first()
        if found is None:
            subject, body = cls.DEFAULTS[(kind, language)]
            found = cls(service=service, kind=kind, language=language, subject=subject,
                        body=body)
        return found

    @classmethod
    def all_for(cls, service) -> list["MessageTemplate"]:
        return [cls.for_service(service, kind, language)
                for kind in cls.Kind.values for language in Language.values]

    def clean(self):
        errors = {}
        for field in ("subject", "body"):
            try:
                names = {name for _t, name, _f, _c in string.Formatter().parse(
                    getattr(self, field)) if name is not None}
            except ValueError:
                errors[field] = _("A { has no matching }. Write {service} or {link}.")
                continue
            unknown = names - self.PLACEHOLDERS
            if unknown:
                names = ", ".join(f"{{{name}}}" for name in sorted(unknown))
                errors[field] = _("Only {service} and {link} can be filled in, not "
                                  "%(names)s.") % {"names": names}
        if "body" not in errors and "{link}" not in self.body:
            errors["body"] = _("The text must contain {link}.")
        if errors:
            raise ValidationError(errors)

    def render(self, service_name: str, link: str) -> tuple[str, str]:
        return (self.subject.format(service=service_name, link=link),
                self.body.format(service=service_name, link=link))


class MessageQuerySet(models.QuerySet):
    def due(self, now=None):
        return self.filter(status=Message.Status.QUEUED, due_at__lte=now or timezone.now())

    def with_answered(self):
        """`answered`: the rating was made, or the parent's survey answered."""
        from spor.programmes.models import ParentFollowup

        replied = ParentFollowup.objects.filter(pk=OuterRef("followup")).exclude(source="")
        return self.annotate(answered=ExpressionWrapper(rated() | Exists(replied),
                                                        output_field=models.BooleanField()))

    def with_rated(self):
        """`answered` of rating links only (with_answered without the surveys, which a
        rating link never is)."""
        return self.annotate(answered=rated())


@functools.lru_cache(maxsize=1)
def rated() -> Exists:
    """A rating link's rating was made: a rating of its session by its instrument and
    rater. Made once (a query that uses it copies it, never changes it)."""
    from spor.measures.models import Rating

    return Exists(Rating.objects.filter(session=OuterRef("session"),
                                        instrument=OuterRef("instrument"),
                                        rater=OuterRef("rater")))


class Message(models.Model):
    """One message to one person on one channel. Sent by the `outbox` job (or
    `spor send_outbox`); two senders never send one message twice: each claims its batch
    with a conditional UPDATE of rows locked with SKIP LOCKED."""

    class Kind(models.TextChoices):
        RATING = "rating", _("Rating link")
        SURVEY = "survey", _("Parent survey link")
        REMINDER = "reminder", _("Reminder")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Given up")
        CANCELLED = "cancelled", _("Not sent")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey("accounts.Service", models.CASCADE, related_name="+")
    client = models.ForeignKey("clients.Client", models.CASCADE, null=True, blank=True,
                               related_name="+")
    participant = models.ForeignKey("programmes.ParentParticipant", models.CASCADE,
                                    null=True, blank=True, related_name="+")
    relative = models.ForeignKey("clients.Relative", models.CASCADE, null=True, blank=True,
                                 related_name="+")
    channel = models.CharField(max_length=5, choices=Channel)
    kind = models.CharField(max_length=10, choices=Kind)
    # What the link is for: a rating of one session, or one parent follow-up survey.
    session = models.ForeignKey("treatment.Session", models.CASCADE, null=True, blank=True,
                                related_name="+")
    instrument = models.CharField(max_length=20, blank=True)
    rater = models.CharField(max_length=10, blank=True)
    followup = models.ForeignKey("programmes.ParentFollowup", models.CASCADE, null=True,
                                 blank=True, related_name="+")
    # The first message of a link; reminders point back to it.
    first = models.ForeignKey("self", models.CASCADE, null=True, blank=True,
                              related_name="reminders")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The outbox token and the form's own path, encrypted; emptied once done with.
    secret = models.TextField(blank=True, editable=False)
    expires_at = models.DateTimeField()
    due_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    claim = models.UUIDField(null=True, editable=False)
    claimed_at = models.DateTimeField(null=True)
    sent_at = models.DateTimeField(null=True)
    opened_at = models.DateTimeField(null=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+")

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "due_at"])]
        constraints = [models.CheckConstraint(name="message_one_recipient",
                                              condition=_one_recipient())]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_channel_display()})"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def recipient(self):
        return self.client or self.relative or self.participant

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    def secrets(self) -> dict:
        return json.loads(crypto.decrypt(self.secret)) if self.secret else {}

    @classmethod
    def by_token(cls, token: str):
        if not token or len(token) > 64:
            return None
        return (cls.objects.filter(token_hash=cls.hash(token))
                .select_related("service", "client", "relative__client", "participant")
                .first())

    @classmethod
    def queue(cls, *, recipient, channel: str, kind: str, target: str,
              expires_at: datetime.datetime, user=None, first=None, due_at=None,
              **about) -> "Message":
        """A new message with its own outbox token; `target` is the form's path (with its
        token), kept encrypted. Refuses a person without a current consent."""
        if not current_consent(recipient, channel):
            raise ValidationError({"channel": _("The person has not agreed to messages on "
                                                "this channel.")})
        token = secrets.token_urlsafe(24)
        return cls.objects.create(
            service_id=service_id_of(recipient), channel=channel, kind=kind, first=first,
            token_hash=cls.hash(token),
            secret=crypto.encrypt(json.dumps({"token": token, "target": target})),
            expires_at=expires_at, due_at=due_at or timezone.now(), created_by=user,
            **recipient_key(recipient), **about)

    def mark_opened(self) -> None:
        Message.objects.filter(pk=self.pk, opened_at__isnull=True).update(
            opened_at=timezone.now())
        if self.first_id:
            Message.objects.filter(pk=self.first_id, opened_at__isnull=True).update(
                opened_at=timezone.now())


def current_consent(recipient, channel: str) -> ContactConsent | None:
    if never_contacted(recipient):
        return None
    return (ContactConsent.objects.current().for_recipient(recipient)
            .filter(channel=channel).first())


def reminder_counts(messages):
    """Annotate first messages with the number of reminders queued or sent for them."""
    return messages.annotate(n_reminders=Count(
        "reminders", filter=~Q(reminders__status__in=[Message.Status.CANCELLED]),
        distinct=True))



class AutoRatingLink(models.Model):
    """A rating link the outbox queued by itself after a session (the service's rule
    `auto_rating_links`): one row per session, measure and rater, made in the same
    transaction as the link's messages, so that two runs of the job at once never queue
    a second one (the second insert meets the unique constraint and is rolled back)."""

    session = models.ForeignKey("treatment.Session", models.CASCADE, related_name="+")
    instrument = models.CharField(max_length=20)
    rater = models.CharField(max_length=10)
    messages = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "instrument", "rater"],
                                               name="auto_rating_link_once")]

    def __str__(self):
        return f"{self.instrument} {self.rater}"
