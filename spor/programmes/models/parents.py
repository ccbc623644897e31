"""Parent courses (forældreforløb): evenings, participants, attendance, follow-up surveys.

Participants are adults with names and phone numbers: personal data. A course belongs to
a team of kind "parents"; its members and the service's leaders see it, and every view
that shows a participant writes a row in `ParticipantAccessLog` (the client access log
needs a client, and most participants' children are not clients).
"""

import datetime
import hashlib
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spor.accounts.models import Team, may_see_clients
from spor.audit.models import AccessRecord
from spor.lib.dates import add_months, short
from spor.lib.phone import clean_phone
from spor.programmes.survey import PARENT_FOLLOWUP

# The first follow-up evening is planned this many weeks after the last ordinary evening
# (and any further ones as far apart again). The dates can be changed on the course page.
FOLLOWUP_GAP_WEEKS = 4


def _count(queryset, field):
    """A correlated count as a subquery, so that several counts do not multiply joins."""
    return Coalesce(Subquery(
        queryset.order_by().values(field).annotate(n=Count("pk")).values("n")), 0)


class ParentCourseQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ParentCourseQuerySet":
        """Leaders see the service's parent courses; others those of their own teams."""
        if not may_see_clients(user):
            return self.none()
        courses = self.filter(service_id=user.service_id)
        if user.is_leader:
            return courses
        return courses.filter(team__in=user.teams.values("pk"))

    def ended_in(self, year: int) -> "ParentCourseQuerySet":
        return self.filter(end_date__year=year)

    def ended_between(self, start, end) -> "ParentCourseQuerySet":
        return self.filter(end_date__gte=start, end_date__lte=end)

    def with_counts(self) -> "ParentCourseQuerySet":
        return self.annotate(
            n_participants=_count(ParentParticipant.objects.filter(course=OuterRef("pk")),
                                  "course"),
            n_evenings=_count(ParentEvening.objects.filter(course=OuterRef("pk")), "course"),
        )


class ParentCourse(models.Model):
    """A cohort of parents and other adults who meet for a number of evenings."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey("accounts.Service", models.PROTECT,
                                related_name="parent_courses")
    team = models.ForeignKey(Team, models.PROTECT, related_name="parent_courses",
                             verbose_name=_("team"))
    ref = models.CharField(_("reference"), max_length=64, blank=True,
                           help_text=_("Key from an imported spreadsheet."))
    name = models.CharField(_("name"), max_length=100, blank=True,
                            help_text=_("For example \"Spring 2026\". Never a participant's "
                                        "or a young person's name."))
    start_date = models.DateField(_("first evening"))
    end_date = models.DateField(
        _("last evening"), null=True, blank=True,
        help_text=_("The last evening, the follow-up evening included. The follow-up "
                    "surveys are due 3 months and 1 year after it."))
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                   related_name="parent_courses", verbose_name=_("staff"))
    note = models.TextField(_("note"), max_length=1000, blank=True,
                            help_text=_("Practical notes on the course (room, themes, the "
                                        "young guest). Do not write about participants or "
                                        "their children here."))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ParentCourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("parent course")
        verbose_name_plural = _("parent courses")
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(fields=["service", "ref"], condition=~Q(ref=""),
                                    name="parent_course_ref_unique"),
        ]

    def __str__(self):
        return self.name or _("Parent course %(day)s") % {
            "day": short(self.start_date)}

    def clean(self):
        errors = {}
        if self.team_id and self.team.kind != Team.Kind.PARENTS:
            errors["team"] = _("Choose a team for parent courses.")
        elif self.team_id and self.service_id and self.team.service_id != self.service_id:
            errors["team"] = _("Choose a team of the service.")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The last evening is before the first.")
        if errors:
            raise ValidationError(errors)

    # Evenings -------------------------------------------------------------------

    def plan_evenings(self) -> None:
        """The service's default: weekly evenings from the first, then follow-up evenings."""
        service = self.service
        days = [self.start_date + datetime.timedelta(weeks=i)
                for i in range(service.parent_course_evenings)]
        followups = [days[-1] + datetime.timedelta(weeks=FOLLOWUP_GAP_WEEKS * (i + 1))
                     for i in range(service.parent_followup_evenings)]
        ParentEvening.objects.bulk_create(
            [ParentEvening(course=self, date=day) for day in days]
            + [ParentEvening(course=self, date=day, followup=True) for day in followups])
        self.sync_from_evenings()

    def sync_from_evenings(self) -> None:
        """With evenings registered, the course runs from the first to the last of them."""
        span = self.evenings.aggregate(first=Min("date"), last=Max("date"))
        if span["first"] is None:
            return
        self.start_date, self.end_date = span["first"], span["last"]
        self.save(update_fields=["start_date", "end_date"])
        self.update_survey_due_dates()

    # Follow-up surveys -------------------------------------------------------------

    def survey_due(self, when: str) -> datetime.date | None:
        """The rule: 3 months and 1 year (12 calendar months) after the last evening, the
        follow-up evening included; a course registered without evenings counts from its
        end date. No end date, no due date yet. A day that does not exist in the target
        month falls back to that month's last day (30 November + 3 months = 28/29 Feb)."""
        if self.end_date is None:
            return None
        return add_months(self.end_date, ParentFollowup.MONTHS[when])

    def update_survey_due_dates(self) -> None:
        for when in ParentFollowup.MONTHS:
            ParentFollowup.objects.filter(participant__course=self, when=when).update(
                due_date=self.survey_due(when))


class ParentEvening(models.Model):
    course = models.ForeignKey(ParentCourse, models.CASCADE, related_name="evenings")
    date = models.DateField(_("date"))
    followup = models.BooleanField(_("follow-up evening"), default=False)

    class Meta:
        verbose_name = _("evening")
        verbose_name_plural = _("evenings")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["course", "date"],
                                               name="parent_evening_once_a_day")]

    def __str__(self):
        return short(self.date)


class ParentParticipantQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ParentParticipantQuerySet":
        return self.filter(course__in=ParentCourse.objects.visible_to(user).values("pk"))

    def with_attendance(self) -> "ParentParticipantQuerySet":
        return self.annotate(n_attended=_count(
            ParentAttendance.objects.filter(participant=OuterRef("pk")), "participant"))


class ParentParticipant(models.Model):
    """A parent, an adult sibling or another adult taking part in a parent course."""

    class Relation(models.TextChoices):
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        SIBLING = "sibling", _("Adult sibling")
        OTHER = "other", _("Other adult")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(ParentCourse, models.CASCADE, related_name="participants")
    ref = models.CharField(_("reference"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=150, blank=True,
                            help_text=_("Seen only by the course's team and leaders; every "
                                        "look is logged. May be left empty."))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    relation = models.CharField(_("relation to the young person"), max_length=10,
                                choices=Relation, blank=True)
    young_person = models.ForeignKey(
        "clients.Client", models.SET_NULL, null=True, blank=True,
        related_name="parent_participations", verbose_name=_("the young person in Spor"),
        help_text=_("Only if the young person is registered here too. It is not needed."))
    young_person_age = models.PositiveSmallIntegerField(
        _("the young person's age"), null=True, blank=True,
        validators=[MaxValueValidator(40)])
    young_person_gender = models.CharField(
        _("the young person's gender"), max_length=10, blank=True,
        choices=[("female", _("Female")), ("male", _("Male")), ("other", _("Other"))])
    # Imported courses have no evening dates, only a count per participant.
    evenings_attended = models.PositiveSmallIntegerField(
        _("evenings attended (imported)"), null=True, blank=True,
        validators=[MaxValueValidator(25)])
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ParentParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["name", "created_at"]
        indexes = [models.Index(fields=["ref"])]

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:
            ParentFollowup.objects.bulk_create([
                ParentFollowup(participant=self, when=when,
                               due_date=self.course.survey_due(when))
                for when in ParentFollowup.MONTHS], ignore_conflicts=True)

    @property
    def display_name(self) -> str:
        return self.name or (_("Participant %(ref)s") % {"ref": self.ref} if self.ref
                             else str(_("Participant without a name")))

    def clean(self):
        errors = {}
        clean_phone(self, errors)
        if self.young_person_id and self.course_id and (
                self.young_person.service_id != self.course.service_id):
            errors["young_person"] = _("Choose a young person of the service.")
        if self.evenings_attended is not None and self.course_id:
            planned = (self.course.service.parent_course_evenings
                       + self.course.service.parent_followup_evenings)
            if self.evenings_attended > max(planned, self.course.evenings.count()):
                errors["evenings_attended"] = _(
                    "The course has %(n)s evenings.") % {"n": planned}
        if errors:
            raise ValidationError(errors)


    def attended(self) -> int:
        """Evenings attended: registered per evening, or else the imported count."""
        registered = (self.n_attended if hasattr(self, "n_attended")
                      else self.attendances.count())
        if registered or self.evenings_attended is None:
            return registered
        return self.evenings_attended


class ParentAttendance(models.Model):
    evening = models.ForeignKey(ParentEvening, models.CASCADE, related_name="attendances")
    participant = models.ForeignKey(ParentParticipant, models.CASCADE,
                                    related_name="attendances")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["evening", "participant"],
                                               name="parent_attendance_once")]

    def __str__(self):
        return f"{self.evening}"


class ParentFollowupQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ParentFollowupQuerySet":
        return self.filter(
            participant__course__in=ParentCourse.objects.visible_to(user).values("pk"))

    def open(self) -> "ParentFollowupQuerySet":
        """Neither answered nor closed."""
        return self.filter(source="", closed_at__isnull=True)

    def due(self, day: datetime.date) -> "ParentFollowupQuerySet":
        return self.open().filter(due_date__lte=day)

    def close(self) -> int:
        """Close these surveys without an answer (they count as not answered); any link
        stops working."""
        return self.update(closed_at=timezone.now(), token_hash="")


class ParentFollowup(models.Model):
    """One follow-up survey of one participant, 3 months or 1 year after the course.

    The answers are a JSON object validated by the PARENT_FOLLOWUP instrument. An item
    left empty is stored as null ("not answered"), apart from "dont_know"; a survey nobody
    answered has no source.
    """

    class When(models.TextChoices):
        THREE_MONTHS = "3m", _("3 months")
        ONE_YEAR = "1y", _("1 year")

    class Source(models.TextChoices):
        PARENT_LINK = "parent_link", _("The parent, through a link")
        STAFF = "staff", _("Entered by staff")
        IMPORT = "import", _("Imported")

    MONTHS = {When.THREE_MONTHS: 3, When.ONE_YEAR: 12}
    # How long an answer link works. A new link cancels the previous one.
    LINK_DAYS = 30

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    participant = models.ForeignKey(ParentParticipant, models.CASCADE,
                                    related_name="followups")
    when = models.CharField(_("when"), max_length=2, choices=When)
    due_date = models.DateField(_("due"), null=True, blank=True, db_index=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    source = models.CharField(_("answered by"), max_length=15, choices=Source, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    closed_at = models.DateTimeField(_("closed without an answer"), null=True, blank=True)
    # Only a hash of the link's token is kept: a copy of the database opens no survey.
    token_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    link_expires_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ParentFollowupQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up survey")
        verbose_name_plural = _("follow-up surveys")
        ordering = ["due_date", "when"]
        constraints = [models.UniqueConstraint(fields=["participant", "when"],
                                               name="parent_followup_once")]

    def __str__(self):
        return f"{self.get_when_display()}"

    @property
    def is_answered(self) -> bool:
        return bool(self.source)

    @property
    def is_open(self) -> bool:
        return not self.source and self.closed_at is None

    def clean(self):
        if self.source:
            # Errors keyed by item code: the import's columns carry the same names.
            self.answers = PARENT_FOLLOWUP.clean(self.answers or {})
        elif self.answers:
            raise ValidationError({"source": _("Say who answered.")})

    def record(self, answers: dict, source: str, user=None, at=None) -> None:
        """Store validated answers; the link stops working. Raises ValidationError."""
        self.answers = PARENT_FOLLOWUP.clean(answers)
        self.source = source
        self.answered_at = at or timezone.now()
        self.entered_by = user
        self.closed_at = None
        self.token_hash, self.link_expires_at = "", None

    # The single-use link ------------------------------------------------------------

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def close(self) -> None:
        """Closed without an answer: it counts as not answered, and the link stops working."""
        self.closed_at, self.token_hash = timezone.now(), ""
        self.save(update_fields=["closed_at", "token_hash"])

    def reopen(self) -> None:
        self.closed_at = None
        self.save(update_fields=["closed_at"])

    def new_link(self) -> str:
        """A fresh token for the parent's link, reopening a closed survey; the caller saves.
        Shown once, never stored."""
        self.closed_at = None
        token = secrets.token_urlsafe(24)
        self.token_hash = self.hash_token(token)
        self.link_expires_at = timezone.now() + datetime.timedelta(days=self.LINK_DAYS)
        return token

    @property
    def has_live_link(self) -> bool:
        return bool(self.token_hash) and self.link_expires_at > timezone.now()

    @classmethod
    def by_token(cls, token: str):
        """The open survey a live link points at, or None."""
        if not token or len(token) > 64:
            return None
        return (cls.objects.open()
                .filter(token_hash=cls.hash_token(token), link_expires_at__gt=timezone.now())
                .select_related("participant__course").first())


class ParticipantAccessLog(AccessRecord):
    """Who saw which parent course participant, when, what and why."""

    subject = "participant"
    participant = models.ForeignKey(ParentParticipant, models.DO_NOTHING,
                                    db_constraint=False, related_name="+")

    class Meta(AccessRecord.Meta):
        verbose_name = _("participant access log entry")
        verbose_name_plural = _("participant access log")
        indexes = [models.Index(fields=["participant", "at"])]


def log_participant_access(user, participants, what: str, purpose: str) -> None:
    """One row per participant shown; takes one or an iterable; one query."""
    ParticipantAccessLog.write(user, participants, what, purpose)
