import datetime
import functools
import uuid
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from spor.lib.dates import add_months, future_errors, short, today


class Substance(models.TextChoices):
    """Main substance codes of FORMATS.md (after the service's annual report, mappable to
    EMCDDA TDI)."""

    CANNABIS = "cannabis", _("Cannabis")
    CANNABIS_PLUS = "cannabis_plus", _("Cannabis with other drugs")
    PARTY_DRUGS = "party_drugs", _("Party drugs")
    ALCOHOL = "alcohol", _("Alcohol")
    BENZODIAZEPINES = "benzodiazepines", _("Benzodiazepines")
    METHADONE = "methadone", _("Methadone")
    OPIOIDS = "opioids", _("Opioids")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class Outcome(models.TextChoices):
    """Use at the end of a course, and at follow-up."""

    STOPPED = "stopped", _("Stopped")
    REDUCED = "reduced", _("Reduced")
    UNCHANGED = "unchanged", _("Unchanged")
    INCREASED = "increased", _("Increased")
    UNKNOWN = "unknown", _("Unknown")


class Occupation(models.TextChoices):
    SCHOOL = "school", _("In school or education")
    WORK = "work", _("In work")
    NONE = "none", _("Neither school nor work")
    NOT_IN_SCHOOL = "not_in_school", _("Not in school or education (unspecified)")


class CourseQuerySet(models.QuerySet):
    def visible_to(self, user):
        from spor.clients.models import Client

        return self.filter(client__in=Client.objects.visible_to(user).values("pk"))

    def active(self):
        return self.filter(end_date__isnull=True)

    def ended_in(self, year: int):
        return self.filter(end_date__year=year)

    def with_session_counts(self):
        """`attended_sessions`, written once however often the query uses it (the
        decision rule compares it with the service's limit)."""
        return self.annotate(attended_sessions=_session_columns()["attended_sessions"])

    def with_overview(self):
        """Counts for overview pages, as subqueries so that the joins do not multiply."""
        return self.with_session_counts().annotate(
            last_session=_session_columns()["last_session"])

    def followups_due_on(self, day: datetime.date):
        """Ended courses with a follow-up due on `day` and not yet recorded: exactly those
        whose Course.followups_due is not empty, so that the caseload can count and limit
        them in SQL."""
        return self.filter(_followups_due_on(day), end_date__isnull=False)

    def with_due(self, day: datetime.date):
        """The overview counts and what is due on each course on `day`, one boolean per item
        (due_rules), for showing a page of courses; Course.due_items words them. Also
        `is_due`: anything at all is due, for putting such courses first in SQL before a
        list is paged, so that one query orders, pages and shows. A select list cannot name
        its own columns, so `is_due` repeats the items' SQL; Django writes each item once
        (Written, AnyOf)."""
        rules = {name: Written(rule, BooleanField()) for name, rule in due_rules(day).items()}
        return self.with_overview().annotate(**rules).annotate(is_due=AnyOf(*rules))

    def with_decision_due(self):
        """The count of attended sessions and `due_decision` (decision_due_rule) on each
        course: what the client page shows of every course, without the rest of with_due."""
        return self.with_session_counts().annotate(
            due_decision=ExpressionWrapper(decision_due_rule(), BooleanField()))


@functools.lru_cache(maxsize=1)
def _session_columns() -> dict:
    """The columns of with_overview, made once as due_rules are (a query that uses them
    copies them, never changes them)."""
    attended = (Session.objects.filter(course=OuterRef("pk"), attendance="attended")
                .order_by().values("course").annotate(n=Count("pk")).values("n"))
    last = (Session.objects.filter(course=OuterRef("pk")).order_by()
            .values("course").annotate(d=Max("date")).values("d"))
    return {"attended_sessions": Written(Coalesce(Subquery(attended), 0), IntegerField()),
            "last_session": Subquery(last)}


def decision_due_rule() -> Q:
    """The anonymous-session limit is reached and no decision is recorded yet, as a
    condition on a Course row annotated with_session_counts: the count the row shows is
    the one compared, not a second subquery to write."""
    return Q(kind=Course.Kind.ANONYMOUS, decision="", end_date__isnull=True,
             attended_sessions__gte=F("client__service__anonymous_session_limit"))


class Written(ExpressionWrapper):
    """A column (a condition, a count) whose SQL is written once for each query, however
    often the query uses it (AnyOf, decision_due_rule): writing a rule with subqueries costs
    Django more than it costs the database to run it."""

    def as_sql(self, compiler, connection):
        written = compiler.__dict__.setdefault("spor_written", {})
        if id(self) not in written:
            written[id(self)] = super().as_sql(compiler, connection)
        return written[id(self)]


class AnyOf(Expression):
    """True when any of the query's boolean annotations named is: their SQL joined with
    OR, taken from the annotations as they stand. (Q(name=True) for each would have
    Django work each annotation out anew, subqueries and all, whenever it writes the
    query.)"""

    conditional = True
    output_field = BooleanField()

    def __init__(self, *names: str):
        super().__init__()
        self.names = names

    def as_sql(self, compiler, connection):
        parts = [compiler.compile(compiler.query.annotations[name]) for name in self.names]
        return (f"({' OR '.join(sql for sql, _ in parts)})",
                [param for _, params in parts for param in params])


@functools.lru_cache(maxsize=1)
def _followups_due_on(day: datetime.date) -> Q:
    """The condition of CourseQuerySet.followups_due_on, made once a day as due_rules
    are: making it took a caseload half a millisecond."""
    due = Q()
    for months in FollowUp.MONTHS:
        due |= Q(end_date__lte=last_end_due(day, months)) & ~Exists(
            FollowUp.objects.filter(course=OuterRef("pk"), months=months))
    return due


def last_end_due(day: datetime.date, months: int) -> datetime.date:
    """The last end date of a course whose follow-up after `months` falls due by `day`
    (Course.followups_due): add_months(day, -months), or up to three days later where
    adding months moves a month's last days back (30 November + 3 months is 28 February)."""
    end = add_months(day, -months)
    while add_months(end + datetime.timedelta(days=1), months) <= day:
        end += datetime.timedelta(days=1)
    return end


@functools.lru_cache(maxsize=1)
def due_rules(day: datetime.date) -> dict[str, Q]:
    """What is due on an active course on `day`, as conditions on a Course row, most urgent
    first: the one place of these rules, in SQL so that a caseload can order and page by
    them (CourseQuerySet.with_due). Made once a day (a query that uses them copies them,
    never changes them): making them took a caseload a thirtieth of its time."""
    from spor.clients.models import consent_gap_flags

    anonymous = Q(kind=Course.Kind.ANONYMOUS)
    started = Q(start_date__isnull=False)
    return {
        "due_decision": decision_due_rule(),
        "due_enrol": anonymous & Q(decision=Course.Decision.ENROL),
        "due_waiting": ~started,
        # No session (of any attendance) for QUIET_DAYS.
        "due_quiet": started & ~Exists(Session.objects.filter(
            course=OuterRef("pk"),
            date__gte=day - datetime.timedelta(days=Course.QUIET_DAYS))),
        "due_goals": ~anonymous & started & ~Exists(Goal.objects.filter(course=OuterRef("pk"))),
        **{name: ~anonymous & rule for name, rule in consent_gap_flags(day, "client").items()},
    }


def course_errors(course: dict, last_day: datetime.date | None = None) -> dict:
    """{field: message} for a course given as {attname: value}; empty when it may be
    stored. Course.clean() and the import (which passes today once for many rows) use it."""
    last_day = last_day or today()
    errors = {}
    labels = dict(Substance.choices)
    secondary = course.get("secondary_substances") or []
    if not isinstance(secondary, list) or any(code not in labels for code in secondary):
        errors["secondary_substances"] = _("Choose substances from the list.")
    elif len(secondary) > 4:
        errors["secondary_substances"] = _("Choose at most four other substances.")
    elif len(set(secondary)) != len(secondary) or course.get("main_substance") in secondary:
        errors["secondary_substances"] = _(
            "Each substance once, and not the main substance again.")
    start, request, end = (course.get(k) for k in ("start_date", "request_date", "end_date"))
    if not (start or request):
        errors["start_date"] = _("Enter the start date, or the request date while waiting.")
    errors.update(future_errors(last_day, request_date=request, start_date=start))
    if request and start and request > start:
        errors["request_date"] = _("The request date is after the start date.")
    if end:
        begun = start or request
        if begun and end < begun:
            errors["end_date"] = _("The end date is before the course began.")
        else:
            errors.update(future_errors(last_day, end_date=end))
    else:
        for field in ("outcome", "end_reason", "occupation_at_end"):
            if course.get(field):
                errors[field] = _("Enter the end date too, or leave this empty.")
    return errors


def session_errors(session: dict, course: dict, last_day: datetime.date | None = None) -> dict:
    """{field: message} for a session given as {attname: value} in a course given the same
    way; Session.clean() and the import use it."""
    errors = {}
    day, duration = session.get("date"), session.get("duration_min")
    if day:
        opens = min(filter(None, [course.get("request_date"), course.get("start_date")]))
        if day < opens:
            errors["date"] = _("The date is before the course began (%(day)s).") % {
                "day": short(opens)}
        elif course.get("end_date") and day > course["end_date"]:
            errors["date"] = _("The date is after the course ended (%(day)s).") % {
                "day": short(course["end_date"])}
        else:
            errors.update(future_errors(last_day, date=day))
    if duration is not None and not 1 <= duration <= 600:
        errors["duration_min"] = _("Enter a duration between 1 and 600 minutes.")
    return errors


class Course(models.Model):
    """One course of help (forløb). A young person can have several."""

    class Kind(models.TextChoices):
        ANONYMOUS = "anonymous_counselling", _("Anonymous counselling")
        INDIVIDUAL = "individual", _("Individual course")
        FAMILY = "family", _("Family course")
        DAY_TEAM = "day_team", _("Day team")

    class Referral(models.TextChoices):
        SELF = "self", _("Self")
        PARENT = "parent", _("Parent")
        CASEWORKER = "caseworker", _("Caseworker")
        SCHOOL = "school", _("School")
        POLICE_SSP = "police_ssp", _("Police / SSP")
        HEALTH = "health", _("Health service")
        OTHER = "other", _("Other")
        UNKNOWN = "unknown", _("Unknown")

    class EndReason(models.TextChoices):
        COMPLETED = "completed", _("Completed as planned")
        CLIENT_ENDED = "client_ended", _("Ended by the young person")
        NO_CONTACT = "no_contact", _("Lost contact")
        REFERRED = "referred", _("Referred elsewhere")
        ENROLLED = "enrolled", _("Continued in an enrolled course")
        MOVED = "moved", _("Moved away")
        OTHER = "other", _("Other")

    class Decision(models.TextChoices):
        CONTINUE = "continue", _("Continue anonymously")
        ENROL = "enrol", _("Enrol in a course")
        END = "end", _("End")

    class Parents(models.TextChoices):
        INFORMED = "informed", _("Parents were informed")
        INVOLVED = "involved", _("Parents were involved")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey("clients.Client", models.CASCADE, related_name="courses")
    team = models.ForeignKey("accounts.Team", models.PROTECT, related_name="courses",
                             verbose_name=_("team"))
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                  blank=True, related_name="courses",
                                  verbose_name=_("responsible clinician"))
    ref = models.CharField(_("reference"), max_length=64, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    request_date = models.DateField(_("request date"), null=True, blank=True,
                                    help_text=_("When the young person or others asked for "
                                                "help. The treatment guarantee counts from here."))
    start_date = models.DateField(_("start date"), null=True, blank=True,
                                  help_text=_("Empty while the young person waits to start."))
    referral = models.CharField(_("referred by"), max_length=20, choices=Referral,
                                default=Referral.UNKNOWN)
    main_substance = models.CharField(_("main substance"), max_length=20, choices=Substance,
                                      default=Substance.UNKNOWN)
    secondary_substances = models.JSONField(_("other substances"), default=list, blank=True)
    occupation_at_start = models.CharField(_("school or work at start"), max_length=20,
                                           choices=Occupation, blank=True)
    occupation_at_end = models.CharField(_("school or work at end"), max_length=20,
                                         choices=Occupation, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=20, choices=EndReason,
                                  blank=True)
    outcome = models.CharField(_("use at end"), max_length=10, choices=Outcome, blank=True)
    # The decision taken with the young person at the last anonymous session allowed.
    decision = models.CharField(_("decision"), max_length=10, choices=Decision, blank=True)
    decision_parents = models.CharField(_("parents"), max_length=10, choices=Parents,
                                        blank=True)
    decision_note = models.CharField(_("note on the decision"), max_length=500, blank=True)
    decided_at = models.DateTimeField(null=True, editable=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   editable=False, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(fields=["client", "ref"], condition=~Q(ref=""),
                                    name="course_ref_unique"),
        ]
        # Courses ended in a period: of every service (end_date), or of one service's
        # young people (client, end_date), so that one service's report never reads the
        # courses of the whole country. The second carries the course's id (PostgreSQL),
        # so that one service's sessions and ratings are found from its young people
        # through indexes alone: without it the planner scans every course in the country.
        indexes = [models.Index(fields=["end_date"]),
                   models.Index(fields=["client", "end_date"], include=["id"],
                                name="course_client_ended")]

    def __str__(self):
        begun = self.start_date or self.request_date
        return f"{self.get_kind_display()} {short(begun)}" if begun else self.get_kind_display()

    @property
    def is_anonymous(self) -> bool:
        return self.kind == self.Kind.ANONYMOUS

    @property
    def is_active(self) -> bool:
        return self.end_date is None

    @property
    def guarantee_date(self) -> datetime.date | None:
        """The last day to start within the treatment guarantee."""
        if self.request_date is None:
            return None
        return self.request_date + datetime.timedelta(
            days=self.client.service.treatment_guarantee_days)

    @property
    def is_waiting(self) -> bool:
        return self.start_date is None

    @property
    def guarantee_met(self) -> bool | None:
        """Started within the guarantee; None without a request date or while in time."""
        deadline = self.guarantee_date
        if deadline is None:
            return None
        if self.start_date is None:
            return False if today() > deadline else None
        return self.start_date <= deadline

    def secondary_substance_labels(self) -> list[str]:
        labels = dict(Substance.choices)
        return [str(labels.get(code, code)) for code in self.secondary_substances]

    def attended_count(self) -> int:
        if hasattr(self, "attended_sessions"):
            return self.attended_sessions
        return self.sessions.filter(attendance=Session.Attendance.ATTENDED).count()

    @property
    def decision_due(self) -> bool:
        """The anonymous-session limit is reached and no decision is recorded yet
        (decision_due_rule): annotated on a list, or read for this course."""
        if not hasattr(self, "due_decision"):
            if not self.is_anonymous:
                return False
            self.due_decision = Course.objects.filter(pk=self.pk).with_decision_due(
                ).values_list("due_decision", flat=True).get()
        return self.due_decision

    def end_counselling_it_follows(self) -> list["Course"]:
        """An enrolled course ends the client's active anonymous counselling, as
        "continued in an enrolled course", on the day the new course begins."""
        if self.is_anonymous or self.client.anonymous:
            return []
        day = self.start_date or self.request_date
        ended = []
        for course in self.client.courses.active().filter(kind=self.Kind.ANONYMOUS):
            last = course.sessions.aggregate(d=Max("date"))["d"]
            course.end_date = max(filter(None, [day, last, course.start_date,
                                                course.request_date]))
            course.end_reason = self.EndReason.ENROLLED
            course.save(update_fields=["end_date", "end_reason"])
            ended.append(course)
        return ended

    QUIET_DAYS = 30

    def due_items(self, day: datetime.date) -> list[str]:
        """What needs doing on an active course, most urgent first, in plain words: the flags
        of ``with_due(day)`` on this row."""
        from spor.clients.models import consent_gap_words

        due = []
        if self.due_decision:
            due.append(_("Decision after %(n)s anonymous sessions") % {
                "n": self.client.service.anonymous_session_limit})
        elif self.due_enrol:
            due.append(_("Enrol: record who the young person is") if self.client.anonymous
                       else _("Enrol: open the course"))
        if self.due_waiting:
            deadline = self.guarantee_date
            if deadline and day > deadline:
                due.append(_("Waiting beyond the treatment guarantee (%(day)s)") % {
                    "day": short(deadline)})
            else:
                due.append(_("Waiting to start"))
        if self.due_quiet:
            due.append(_("No session for %(n)s days") % {"n": self.QUIET_DAYS})
        if self.due_goals:
            due.append(_("No goals recorded"))
        gaps = consent_gap_words(vars(self))
        if gaps:
            due.append(_("Missing: %(what)s") % {"what": ", ".join(gaps)})
        return [str(item) for item in due]

    def parents_must_be_told(self, on: datetime.date | None = None) -> bool:
        return self.client.may_be_under(18, on or today())

    def followups_due(self, day: datetime.date | None = None) -> list["DueFollowUp"]:
        """Follow-ups (3, 9, 12 months) that are due and not yet recorded, with the day
        each fell due and whether it is overdue (more than FollowUp.GRACE_DAYS after)."""
        if self.end_date is None:
            return []
        day = day or today()
        done = {f.months for f in self.followups.all()}
        grace = datetime.timedelta(days=FollowUp.GRACE_DAYS)
        return [DueFollowUp(m, on, day > on + grace) for m in FollowUp.MONTHS
                if m not in done and (on := add_months(self.end_date, m)) <= day]

    def clean(self):
        errors = course_errors(vars(self))
        if self.team_id and self.client_id and self.team.service_id != self.client.service_id:
            errors["team"] = _("Choose a team of the service.")
        if self.clinician_id and self.client_id and (
                self.clinician.service_id != self.client.service_id):
            errors["clinician"] = _("Choose a clinician of the service.")
        if errors:
            raise ValidationError(errors)


class Goal(models.Model):
    """The young person's own goal for the course, in their own words."""

    class Status(models.TextChoices):
        ACHIEVED = "achieved", _("Achieved")
        PARTLY = "partly", _("Partly achieved")
        NOT_ACHIEVED = "not_achieved", _("Not achieved")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, models.CASCADE, related_name="goals")
    text = models.TextField(_("goal in the young person's words"), max_length=1000)
    set_on = models.DateField(_("set on"), default=today)
    status = models.CharField(_("status"), max_length=15, choices=Status, blank=True)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["set_on", "pk"]

    def __str__(self):
        return self.text[:60]


class SessionQuerySet(models.QuerySet):
    LATEST = 20  # a timeline's sessions shown until all are asked for

    def timeline(self, everything: bool = False, family: bool = True) -> dict:
        """The sessions of a page's timeline (treatment/_timeline.html), newest first: the
        latest LATEST, or every one, and how many there are (counted in the same query).
        Three queries, and the page draws only what it shows. Each session's staff and
        participants are lists (`staff_present`, `participants_present`): read through
        `staff.all` in the page, they cost a manager for each session. Without `family`
        (a young person with no family or network recorded, so none can have been
        present: they are chosen among the young person's own) the participants are not
        read."""
        present = [Prefetch("staff", to_attr="staff_present")]
        if family:
            present.append(Prefetch("participants", to_attr="participants_present"))
        sessions = self.annotate(timeline_total=Window(Count("pk"))).prefetch_related(
            *present).order_by("-date", "-created_at")
        shown = list(sessions if everything else sessions[:self.LATEST])
        if not family:
            for session in shown:
                session.participants_present = []
        return {"sessions": shown, "sessions_total": shown[0].timeline_total if shown else 0}

    def visible_to(self, user):
        return self.filter(course__in=Course.objects.visible_to(user).values("pk"))


class Session(models.Model):
    """A session (samtale) of any kind within a course."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual session")
        FAMILY = "family", _("Family session")
        NETWORK = "network", _("Network meeting")
        PARTNER = "partner", _("Partner meeting")
        GROUP = "group", _("Group session")
        DAY_TEAM = "day_team", _("Day team")
        OUTREACH = "outreach", _("Outreach")

    class Attendance(models.TextChoices):
        ATTENDED = "attended", _("Attended")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("Did not show")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, models.CASCADE, related_name="sessions")
    ref = models.CharField(_("reference"), max_length=64, blank=True)
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=15, choices=Kind, default=Kind.INDIVIDUAL)
    duration_min = models.PositiveSmallIntegerField(_("duration (minutes)"), null=True,
                                                    blank=True)
    attendance = models.CharField(_("attendance"), max_length=10, choices=Attendance,
                                  default=Attendance.ATTENDED)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                   related_name="sessions", verbose_name=_("staff present"))
    participants = models.ManyToManyField("clients.Relative", blank=True,
                                          related_name="sessions",
                                          verbose_name=_("family and network present"))
    others_present = models.CharField(_("others present"), max_length=200, blank=True)
    note = models.TextField(_("short note"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["date", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["course", "ref"], condition=~Q(ref=""),
                                    name="session_ref_unique"),
        ]
        # The yearly statistics count a period's sessions by kind and attendance: every
        # service's from the index on the date alone, one service's by course and date,
        # each index carrying what the count reads (on PostgreSQL), so that the sessions
        # of a service, scattered over the country's table, are never read from it.
        indexes = [models.Index(fields=["course", "date"], include=["kind", "attendance", "id"],
                                name="session_course_date"),
                   models.Index(fields=["date"], include=["attendance", "kind", "course", "id"],
                                name="session_date")]

    def __str__(self):
        return f"{self.get_kind_display()} {short(self.date)}"

    @property
    def kind_label(self) -> str:
        """get_kind_display(), for a timeline of many sessions: Django's builds the list of
        choices, with every label translated, on each call."""
        return str(self.Kind(self.kind).label) if self.kind in self.Kind.values else self.kind

    @property
    def attended(self) -> bool:
        return self.attendance == self.Attendance.ATTENDED

    def start_course_if_waiting(self) -> None:
        """The first attended session starts a course that was waiting: the treatment
        guarantee is measured to that day."""
        course = self.course
        if course.is_waiting and self.attended:
            course.start_date = self.date
            course.save(update_fields=["start_date"])

    def clean(self):
        errors = session_errors(vars(self), vars(self.course))
        if errors:
            raise ValidationError(errors)

    def check_anonymous_limit(self):
        """Refuse an anonymous session past the limit unless the decision allows it."""
        course = self.course
        if not course.is_anonymous or self.attendance != self.Attendance.ATTENDED:
            return
        limit = course.client.service.anonymous_session_limit
        others = course.sessions.filter(attendance=self.Attendance.ATTENDED)
        if others.exclude(pk=self.pk).count() < limit:
            return
        if not course.decision:
            raise ValidationError(_(
                "This young person has had %(limit)s anonymous sessions. Record the decision "
                "taken with them before registering another.") % {"limit": limit})
        if course.decision != Course.Decision.CONTINUE:
            raise ValidationError(_(
                "The decision was \"%(decision)s\": no further anonymous sessions.") % {
                "decision": course.get_decision_display()})


class DueFollowUp(NamedTuple):
    months: int
    due_on: datetime.date
    overdue: bool


class FollowUp(models.Model):
    """An observation 3, 9 or 12 months after a course ended."""

    MONTHS = (3, 9, 12)
    # Days after the due day before a follow-up not yet recorded is marked overdue.
    GRACE_DAYS = 30

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course = models.ForeignKey(Course, models.CASCADE, related_name="followups")
    months = models.PositiveSmallIntegerField(
        _("months after end"),
        choices=[(3, _("3 months")), (9, _("9 months")), (12, _("12 months"))])
    observed_on = models.DateField(_("observed on"))
    use = models.CharField(_("use of substances"), max_length=10, choices=Outcome)
    occupation = models.CharField(_("school or work"), max_length=20, choices=Occupation,
                                  blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["months"]
        constraints = [
            models.UniqueConstraint(fields=["course", "months"], name="followup_once"),
        ]

    def __str__(self):
        return str(self.get_months_display())

    def clean(self):
        course = self.course
        if course.end_date is None:
            raise ValidationError(_("A follow-up is recorded after the course has ended."))
        if self.observed_on and self.observed_on < course.end_date:
            raise ValidationError({"observed_on": _("The date is before the course ended.")})
        if errors := future_errors(observed_on=self.observed_on):
            raise ValidationError(errors)
