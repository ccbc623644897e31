import dataclasses
import datetime
import decimal
import hashlib
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from spor.lib.dates import future_errors, today
from spor.measures import instruments
from spor.measures.fit import Alarm, AlarmKind, ChangeClass, model_from

OUTCOME_CHOICES = [("ORS", "ORS"), ("CORS", "CORS")]
ALLIANCE_CHOICES = [("SRS", "SRS"), ("CSRS", "CSRS"), ("GSRS", "Group SRS")]
TOTAL = [MinValueValidator(0), MaxValueValidator(40)]


def score_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=3, decimal_places=1, validators=TOTAL,
                               **kwargs)


class LicenceQuerySet(models.QuerySet):
    def in_force(self, service, day: datetime.date | None = None):
        day = day or today()
        return self.filter(service=service, granted_on__lte=day).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day)).order_by("-granted_on").first()


class Licence(models.Model):
    """The service's licence from the authors of the ORS and SRS for digital use.

    Without one in force, the digital rating screens (hand-over and personal link) of the
    licensed measures are closed; scores from paper forms can always be entered.
    """

    service = models.ForeignKey("accounts.Service", models.CASCADE, related_name="fit_licences")
    holder = models.CharField(_("licence holder"), max_length=200,
                              help_text=_("Who holds the licence, as written on it."))
    reference = models.CharField(_("licence reference"), max_length=100,
                                 help_text=_("The number or reference of the licence."))
    granted_on = models.DateField(_("granted on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True,
                                   help_text=_("Leave empty if the licence does not expire."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    editable=False, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = LicenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("FIT licence")
        verbose_name_plural = _("FIT licences")
        ordering = ["-granted_on"]

    def __str__(self):
        return f"{self.holder} ({self.reference})"

    def clean(self):
        if self.valid_until and self.granted_on and self.valid_until < self.granted_on:
            raise ValidationError({"valid_until": _("The licence ends before it was granted.")})
        if errors := future_errors(granted_on=self.granted_on):
            raise ValidationError(errors)


class InEffect(models.QuerySet):
    """Rows with no service are the defaults shipped with Spor; a service that has rows of
    its own for a measure uses those instead, all of them (never a mix)."""

    def in_effect(self, service) -> list:
        return in_effect(self.filter(Q(service=service) | Q(service__isnull=True)),
                         service.pk if service else None)


def in_effect(rows, service_id) -> list:
    """Of default rows and any service's rows, those in effect for one service."""
    rows = [r for r in rows if r.service_id in (service_id, None)]
    own = {r.instrument for r in rows if r.service_id is not None}
    return [r for r in rows if (r.service_id is not None) == (r.instrument in own)]


class Norm(models.Model):
    """Clinical cutoff and reliable change of an outcome measure for an age band.

    The published sources disagree, so each value carries its source and a service can
    replace the defaults with its own.
    """

    service = models.ForeignKey("accounts.Service", models.CASCADE, null=True, blank=True,
                                related_name="fit_norms",
                                help_text="Empty: the default shipped with Spor.")
    instrument = models.CharField(_("measure"), max_length=20, choices=OUTCOME_CHOICES)
    min_age = models.PositiveSmallIntegerField(_("from age"), validators=[MaxValueValidator(99)])
    max_age = models.PositiveSmallIntegerField(_("to age (inclusive)"), null=True, blank=True,
                                               validators=[MaxValueValidator(99)],
                                               help_text=_("Empty: no upper limit."))
    cutoff = score_field(_("clinical cutoff"),
                         help_text=_("Totals below the cutoff are in the clinical range."))
    reliable_change = score_field(
        _("reliable change"), help_text=_("The smallest change of the total that counts as "
                                          "real rather than chance."))
    source = models.TextField(_("source"), max_length=1000)

    objects = InEffect.as_manager()

    class Meta:
        verbose_name = _("norm")
        verbose_name_plural = _("norms")
        ordering = ["instrument", "min_age"]
        constraints = [
            models.UniqueConstraint(fields=["service", "instrument", "min_age"],
                                    name="norm_band_unique"),
            models.UniqueConstraint(fields=["instrument", "min_age"],
                                    condition=Q(service__isnull=True),
                                    name="norm_default_band_unique"),
        ]

    def __str__(self):
        ages = f"{self.min_age}–{self.max_age}" if self.max_age is not None else f"{self.min_age}+"
        return f"{self.instrument} {ages}"

    @property
    def ages(self) -> str:
        if self.max_age is None:
            return _("%(age)s and older") % {"age": self.min_age}
        return f"{self.min_age}–{self.max_age}"

    def clean(self):
        errors = {}
        if self.max_age is not None and self.min_age is not None and self.max_age < self.min_age:
            errors["max_age"] = _("The upper age is below the lower age.")
        if self.reliable_change is not None and self.reliable_change <= 0:
            errors["reliable_change"] = _("Enter a change above 0.")
        if errors:
            raise ValidationError(errors)


class AllianceRule(models.Model):
    """When an alliance rating (SRS, CSRS, Group SRS) is flagged for the clinician."""

    service = models.ForeignKey("accounts.Service", models.CASCADE, null=True, blank=True,
                                related_name="fit_alliance_rules")
    instrument = models.CharField(_("measure"), max_length=20, choices=ALLIANCE_CHOICES)
    total_below = score_field(_("flag a total below"), default=decimal.Decimal(36))
    item_below = models.DecimalField(_("flag any line below"), max_digits=3, decimal_places=1,
                                     default=decimal.Decimal(9),
                                     validators=[MinValueValidator(0), MaxValueValidator(10)])
    drop_by = score_field(_("flag a drop from the previous session of"),
                          default=decimal.Decimal(1))
    source = models.TextField(_("source"), max_length=1000)

    objects = InEffect.as_manager()

    class Meta:
        verbose_name = _("alliance flag rule")
        verbose_name_plural = _("alliance flag rules")
        ordering = ["instrument"]
        constraints = [
            models.UniqueConstraint(fields=["service", "instrument"], name="alliance_rule_unique"),
            models.UniqueConstraint(fields=["instrument"], condition=Q(service__isnull=True),
                                    name="alliance_rule_default_unique"),
        ]

    def __str__(self):
        return self.instrument

    def clean(self):
        if self.drop_by is not None and self.drop_by <= 0:
            raise ValidationError({"drop_by": _("Enter a drop above 0.")})


class RatingQuerySet(models.QuerySet):
    def visible_to(self, user):
        from spor.treatment.models import Course

        return self.filter(course__in=Course.objects.visible_to(user).values("pk"))

    def outcome(self):
        return self.filter(instrument__in=[i.code for i in instruments.of_kind("outcome")])

    def alliance(self):
        return self.filter(instrument__in=[i.code for i in instruments.of_kind("alliance")])

    def by(self, rater):
        return self.filter(rater=rater)

    def in_order(self):
        return self.order_by("date", "created_at")


def total_of(definition, answers: dict) -> decimal.Decimal | None:
    score = definition.score(answers)
    return None if score is None else decimal.Decimal(str(score))


def checked_rating(instrument: str, answers: dict, attendance: str | None):
    """(answers as the measure's definition validates them, total) for a rating at a
    session with this attendance, or ValidationError keyed by field or item code.
    Rating.clean() and the import (which checks many rows without a model each) use it."""
    if instrument not in instruments.REGISTRY:
        raise ValidationError({"instrument": _("%(code)s is not a known measure.") % {
            "code": instrument}})
    definition = instruments.get(instrument)
    if not definition.is_session_measure:
        raise ValidationError({"instrument": _("%(code)s is not rated at sessions.") % {
            "code": instrument}})
    answers = definition.clean(answers)
    if attendance is not None and attendance != "attended":
        raise ValidationError({"session": _(
            "Ratings belong to sessions the young person attended.")})
    return answers, total_of(definition, answers)


class Rating(models.Model):
    """One questionnaire filled in at a session, by the young person or someone else.

    Answers are stored as the instrument's definition validates them; the total is kept as
    a column so that statistics can aggregate in SQL. `course` and `date` repeat the
    session's, so that the first and last rating of each of many courses is found through
    one index (course, rater, instrument, date) without joining the sessions.
    """

    class Rater(models.TextChoices):
        CLIENT = "client", _("The young person")
        PARENT = "parent", _("Parent")
        OTHER = "other", _("Other person")

    class Source(models.TextChoices):
        HANDOVER = "handover", _("On the clinician's tablet")
        LINK = "link", _("Personal link")
        PAPER = "paper", _("Paper form")
        IMPORT = "import", _("Import")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of their own: the unique (session, instrument, rater) and rating_course_ends
    # begin with these keys and serve every lookup by them, and each index more is written
    # for every rating (most of an import's time goes into its ratings' indexes).
    session = models.ForeignKey("treatment.Session", models.CASCADE, related_name="ratings",
                                verbose_name=_("session"), db_index=False)
    course = models.ForeignKey("treatment.Course", models.CASCADE, related_name="ratings",
                               editable=False, db_index=False)
    date = models.DateField(editable=False)
    instrument = models.CharField(_("measure"), max_length=20)
    rater = models.CharField(_("rated by"), max_length=10, choices=Rater, default=Rater.CLIENT)
    answers = models.JSONField(_("answers"), default=dict)
    total = score_field(_("total"), null=True, editable=False)
    source = models.CharField(_("source"), max_length=10, choices=Source, default=Source.PAPER)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    editable=False, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = RatingQuerySet.as_manager()

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(fields=["session", "instrument", "rater"],
                                    name="rating_once_per_session"),
        ]
        indexes = [
            # First and last outcome of each course, for the yearly statistics: on
            # PostgreSQL the index holds the total too, so that the ratings of the
            # courses counted are read from the index alone, never the whole table.
            models.Index(fields=["course", "rater", "instrument", "date", "created_at"],
                         include=["total"], name="rating_course_ends"),
            # The ratings of a period's sessions, for the share of sessions rated.
            models.Index(fields=["date"], include=["session", "rater", "instrument"],
                         name="rating_date"),
        ]

    def __str__(self):
        return f"{self.instrument} {self.get_rater_display()}"

    def save(self, *args, **kwargs):
        self.course_id, self.date = self.session.course_id, self.session.date
        self.total = self._total()
        super().save(*args, **kwargs)

    @property
    def definition(self) -> instruments.Instrument:
        return instruments.get(self.instrument)

    @property
    def values(self) -> list[float]:
        return [self.answers.get(s.code) for s in self.definition.scales]

    def clean(self):
        attendance = self.session.attendance if self.session_id else None
        self.answers, self.total = checked_rating(self.instrument, self.answers, attendance)

    def _total(self):
        return total_of(self.definition, self.answers)

    @classmethod
    def record(cls, session, instrument: str, rater: str, answers: dict, source: str,
               user=None) -> "Rating":
        """Validate and store one rating, replacing the same measure by the same rater at
        the same session. Raises ValidationError keyed by item code or field."""
        rating = (cls.objects.filter(session=session, instrument=instrument, rater=rater).first()
                  or cls(session=session, instrument=instrument, rater=rater))
        rating.course_id, rating.date = session.course_id, session.date
        rating.answers, rating.source = answers, source
        rating.recorded_by = user if user is not None and user.is_authenticated else None
        rating.full_clean()
        rating.save()
        return rating


class InviteQuerySet(models.QuerySet):
    def expired(self, now=None):
        return self.filter(expires_at__lte=now or timezone.now())

    def by_token(self, token: str):
        return self.filter(token_hash=RatingInvite.hash(token)).select_related(
            "session__course__client__service").first()


class RatingInvite(models.Model):
    """Permission for one rating without a login: a hand-over on the clinician's tablet
    or a personal link (QR code) for a phone. Single use and short-lived; only a hash of
    the token is stored, so the link cannot be read back from the database."""

    class Mode(models.TextChoices):
        HANDOVER = "handover", _("Hand-over on this tablet")
        LINK = "link", _("Personal link")

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    session = models.ForeignKey("treatment.Session", models.CASCADE, related_name="+")
    instrument = models.CharField(max_length=20)
    rater = models.CharField(max_length=10, choices=Rating.Rater)
    mode = models.CharField(max_length=10, choices=Mode)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True)

    objects = InviteQuerySet.as_manager()

    def __str__(self):
        return f"{self.get_mode_display()} {self.instrument}"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, session, instrument, rater, mode, user) -> tuple["RatingInvite", str]:
        """A new invite and its token (shown once). Earlier unused invites for the same
        rating stop working, so only the newest link or QR code is valid."""
        now = timezone.now()
        cls.objects.filter(session=session, instrument=instrument, rater=rater,
                           used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        if mode == cls.Mode.HANDOVER:
            lifetime = datetime.timedelta(minutes=settings.SPOR_HANDOVER_MINUTES)
        else:
            lifetime = datetime.timedelta(hours=settings.SPOR_RATING_LINK_HOURS)
        token = secrets.token_urlsafe(24)
        invite = cls.objects.create(token_hash=cls.hash(token), session=session,
                                    instrument=instrument, rater=rater, mode=mode,
                                    created_by=user, expires_at=now + lifetime)
        return invite, token

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    def claim(self) -> bool:
        """Mark the invite used; False when another request used it first."""
        now = timezone.now()
        claimed = RatingInvite.objects.filter(pk=self.pk, used_at__isnull=True,
                                              expires_at__gt=now).update(used_at=now)
        return bool(claimed)


class PlanChange(models.Model):
    """The session where the plan of the course changed, shown as a marker on the curve
    so that clinician and young person can see what the change did."""

    session = models.OneToOneField("treatment.Session", models.CASCADE,
                                   related_name="plan_change")
    note = models.CharField(_("what changed"), max_length=300,
                            help_text=_("For example: \"parents join the sessions again\"."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    editable=False, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("plan change")
        verbose_name_plural = _("plan changes")

    def __str__(self):
        return self.note


class ExpectedCourse(models.Model):
    """A service's expected course: learned from its own closed courses by the command
    `spor fit_expected`, or a licensed trajectory model loaded from a file."""

    class Kind(models.TextChoices):
        LEARNED = "learned", _("Learned from the service's closed courses")
        LOGLINEAR = "loglinear", _("Trajectory model loaded from a file")

    service = models.OneToOneField("accounts.Service", models.CASCADE,
                                   related_name="expected_course")
    kind = models.CharField(max_length=20, choices=Kind)
    params = models.JSONField()
    n_courses = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=200, blank=True)
    source = models.TextField(blank=True)
    # Closed courses with two or more ratings that were left out (zig-zagging), said
    # wherever the number learned from is said.
    n_left_out = models.PositiveIntegerField(default=0)
    fitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("expected course")
        verbose_name_plural = _("expected courses")

    def __str__(self):
        return self.name or self.get_kind_display()

    @property
    def from_file(self) -> bool:
        return self.kind != self.Kind.LEARNED

    @property
    def is_ready(self) -> bool:
        """Enough data to draw a band (a model from a file is trusted as licensed)."""
        return self.from_file or self.n_courses >= settings.SPOR_EXPECTED_MIN_COURSES

    def model(self):
        """The model, made once per row read: its bands are worked out once per session
        for every intake, and reused for every course of the service."""
        if getattr(self, "_model", None) is None:
            self._model = model_from(self.kind, self.params)
        return self._model


@dataclasses.dataclass(frozen=True)
class Rules:
    """The FIT rules in effect for one service (rules_of)."""

    norms: list  # Norm
    alliance: dict  # instrument -> AllianceRule
    expected: ExpectedCourse | None


# Each service's rules as this process last read them, under the service's stamp.
RULES: dict = {}


def rules_of(service) -> Rules:
    """The norms, alliance flag rules and expected course in effect for `service`, read
    once for each version of them in this process: every change of them gives the service
    a new `fit_rules_stamp` in the change's transaction (apps.rules_changed), so a service
    read with a stamp has the rules read under it, never older ones. They are kept by
    service and hold no personal data. The rows are shared: read them, never change them."""
    kept = RULES.get(service.pk)
    if kept is not None and kept[0] == service.fit_rules_stamp:
        return kept[1]
    rules = Rules(Norm.objects.in_effect(service),
                  {r.instrument: r for r in AllianceRule.objects.in_effect(service)},
                  ExpectedCourse.objects.filter(service=service).first())
    RULES[service.pk] = (service.fit_rules_stamp, rules)
    return rules


def renew_rules(services) -> uuid.UUID:
    """Give these services (a queryset) a new stamp, in the caller's transaction: the rules
    they use have changed, or may have (written by other means than Spor)."""
    stamp = uuid.uuid4()
    services.update(fit_rules_stamp=stamp)
    return stamp


class FitState(models.Model):
    """A course's FIT picture as the caseload and overviews need it, stored so that a page
    of 500 courses reads it in one query instead of working it out from every rating.

    Written only by `spor.measures.state` from the same computation the course's own page
    uses (progress.course_fits), in the transaction of the change that affects it; the
    command `spor fit_state` rebuilds every row from scratch. Alarm messages are kept in
    every language of the site, as they are worded when they are worked out.
    """

    course = models.OneToOneField("treatment.Course", models.CASCADE, primary_key=True,
                                  related_name="fit_state")
    alarms = models.JSONField(default=list)  # [{"kind": …, "message": {language: text}}]
    # The rank (fit.SEVERITY, 0 the most serious) of the most serious alarm no response has
    # answered yet, None without one: the caseload orders and pages by it in SQL.
    alarm_rank = models.PositiveSmallIntegerField(null=True)
    change = models.CharField(max_length=20, choices=ChangeClass, blank=True)
    doubtful = models.BooleanField(default=False)
    # The young person's own outcome totals: first (intake) and latest, how many, and the
    # median of the expected course at the latest one (None without a band there).
    outcome_first = score_field("first outcome", null=True)
    outcome_latest = score_field("latest outcome", null=True)
    outcome_count = models.PositiveIntegerField(default=0)
    expected_mid = models.DecimalField(max_digits=4, decimal_places=1, null=True)
    alliance_latest = score_field("latest session rating", null=True)
    latest_date = models.DateField(null=True)
    # A parent's outcome ratings: first, latest and their change class.
    parent_first = score_field("first parent outcome", null=True)
    parent_latest = score_field("latest parent outcome", null=True)
    parent_count = models.PositiveIntegerField(default=0)
    parent_change = models.CharField(max_length=20, choices=ChangeClass, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"FIT {self.course_id}"

    @property
    def alarm_list(self) -> list[Alarm]:
        """The alarms in the current language."""
        language = get_language() or settings.LANGUAGE_CODE
        return [Alarm(a["kind"], a["message"].get(language) or a["message"].get(
            settings.LANGUAGE_CODE, ""), a.get("session"), a.get("value"), a.get("expected"))
            for a in self.alarms]


class AlarmResponse(models.Model):
    """What was done about an open FIT alarm: by the clinician, or by the team at its FIT
    meeting (recorded by a leader, `by_team`). An alarm is named by its kind and the session
    (numbered among attended sessions) whose rating raised it; the same kind raised again at
    a later session is a new alarm, open until it is answered in its turn."""

    class Action(models.TextChoices):
        TALKED = "talked", _("Talked it over with the young person")
        PLAN = "plan", _("Changed the plan")
        TEAM = "team", _("Brought it to the team")
        NOTHING = "nothing", _("Nothing needed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey("treatment.Course", models.CASCADE,
                               related_name="alarm_responses")
    kind = models.CharField(_("alarm"), max_length=20, choices=AlarmKind)
    session = models.PositiveSmallIntegerField(_("session"), null=True)
    action = models.CharField(_("response"), max_length=10, choices=Action)
    responded_on = models.DateField(_("date"))
    # Sensitive: part of the record of the young person's treatment.
    note = models.CharField(_("note"), max_length=500, blank=True)
    by_team = models.BooleanField(default=False, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    editable=False, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["responded_on", "created_at"]
        indexes = [models.Index(fields=["course", "kind", "session"])]
        verbose_name = _("response to an alarm")
        verbose_name_plural = _("responses to alarms")

    def __str__(self):
        return f"{self.kind} {self.session}: {self.action}"

    def clean(self):
        errors = future_errors(responded_on=self.responded_on)
        course = self.course if self.course_id else None
        if (course is not None and course.start_date and self.responded_on
                and self.responded_on < course.start_date):
            errors["responded_on"] = _("The date is before the course began.")
        if self.by_team and not self.note.strip():
            errors["note"] = _("Write what the team decided.")
        if errors:
            raise ValidationError(errors)

    @property
    def key(self) -> tuple:
        return (self.kind, self.session)
