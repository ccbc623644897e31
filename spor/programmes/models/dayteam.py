"""The day team (dagteam): places, a weekly timetable, attendance, teaching and exams.

An enrolment is a young person's place in the day team, from a start to an end. The
treatment itself is a course of kind "day team" in the treatment app; the enrolment is
what the capacity, the attendance and the school part hang on. Who sees an enrolment is
decided by `Client.objects.visible_to`, like everything else about a client.
"""

import datetime
import uuid
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from spor.lib.dates import future_errors, short, today

FAR = datetime.date(9999, 12, 30)


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def busiest_day(periods, start: datetime.date, end: datetime.date | None):
    """The first day within [start, end] on which most of `periods` overlap, and how many.

    `periods` are (start, end-or-None) pairs; an open end runs on for ever.
    """
    end = end or FAR
    changes = defaultdict(int)
    for first, last in periods:
        first, last = max(first, start), min(last or FAR, end)
        if first <= last:
            changes[first] += 1
            changes[last + datetime.timedelta(days=1)] -= 1
    best_day, best, running = start, 0, 0
    for day in sorted(changes):
        running += changes[day]
        if running > best:
            best_day, best = day, running
    return best_day, best


class DayTeamEnrolmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DayTeamEnrolmentQuerySet":
        from spor.clients.models import Client

        return self.filter(client__in=Client.objects.visible_to(user).values("pk"))

    def of_service(self, service) -> "DayTeamEnrolmentQuerySet":
        return self.filter(client__service=service)

    def overlapping(self, start: datetime.date, end: datetime.date | None):
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=start),
                           start_date__lte=end or FAR)

    def active_on(self, day: datetime.date) -> "DayTeamEnrolmentQuerySet":
        return self.overlapping(day, day)


class DayTeamEnrolment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey("clients.Client", models.CASCADE,
                               related_name="day_team_enrolments",
                               verbose_name=_("young person"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True,
                                help_text=_("Leave empty while the place is in use; a planned "
                                            "end date may lie ahead."))
    note = models.CharField(_("note"), max_length=300, blank=True,
                            help_text=_("Short and practical. Treatment notes belong in the "
                                        "young person's course."))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DayTeamEnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("day team place")
        verbose_name_plural = _("day team places")
        ordering = ["-start_date"]
        indexes = [models.Index(fields=["start_date", "end_date"])]

    def __str__(self):
        return _("Day team from %(day)s") % {"day": short(self.start_date)}

    def is_active_on(self, day: datetime.date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)

    def clean(self):
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date is before the start date.")
        if self.client_id and self.client.anonymous:
            errors["client"] = _("Record who the young person is before giving them a place "
                                 "in the day team.")
        if errors:
            raise ValidationError(errors)
        if self.client_id and self.start_date:
            self.check_places()

    def check_places(self) -> None:
        """Refuse a second place for the same young person, or a place beyond capacity.

        Call inside the transaction that saves, after locking the service row, so that two
        staff members cannot fill the last place at the same moment.
        """
        service = self.client.service
        others = (DayTeamEnrolment.objects.of_service(service)
                  .overlapping(self.start_date, self.end_date).exclude(pk=self.pk))
        if others.filter(client_id=self.client_id).exists():
            raise ValidationError({"start_date": _(
                "The young person already has a place in the day team in this period.")})
        day, taken = busiest_day(others.values_list("start_date", "end_date"),
                                 self.start_date, self.end_date)
        capacity = service.day_team_capacity
        if taken >= capacity:
            raise ValidationError(_(
                "The day team has %(capacity)s places, and all %(capacity)s are taken on "
                "%(day)s. Choose a later start, or end another place first.") % {
                "capacity": capacity, "day": short(day)}, code="capacity")


class DayTeamAttendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        NOTIFIED = "notified", _("Absent, notified")
        ABSENT = "absent", _("Absent without notice")

    enrolment = models.ForeignKey(DayTeamEnrolment, models.CASCADE,
                                  related_name="attendance")
    date = models.DateField(_("date"))
    status = models.CharField(_("attendance"), max_length=10, choices=Status)

    class Meta:
        verbose_name = _("day team attendance")
        verbose_name_plural = _("day team attendance")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "date"],
                                               name="day_team_attendance_once_a_day")]
        indexes = [models.Index(fields=["date"])]

    def __str__(self):
        return f"{short(self.date)} {self.get_status_display()}"

    def clean(self):
        if not self.date:
            return
        if self.date.weekday() > 4:
            raise ValidationError({"date": _("The day team meets Monday to Friday.")})
        if errors := future_errors(date=self.date):
            raise ValidationError(errors)
        if not self.enrolment.is_active_on(self.date):
            raise ValidationError({"date": _("The young person had no place on this day.")})


class TeachingWeek(models.Model):
    """Teaching hours given in one week (the annual report's day team teaches about 10 a week)."""

    service = models.ForeignKey("accounts.Service", models.CASCADE,
                                related_name="teaching_weeks")
    monday = models.DateField(_("week beginning"))
    hours = models.DecimalField(_("teaching hours"), max_digits=4, decimal_places=1,
                                validators=[MinValueValidator(0), MaxValueValidator(40)])
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("teaching week")
        verbose_name_plural = _("teaching weeks")
        ordering = ["-monday"]
        constraints = [models.UniqueConstraint(fields=["service", "monday"],
                                               name="teaching_week_once")]

    def __str__(self):
        return f"{short(self.monday)}: {self.hours}"

    def clean(self):
        if self.monday and self.monday.weekday() != 0:
            raise ValidationError({"monday": _("A week begins on a Monday.")})


class TimetableSlot(models.Model):
    """One activity in the day team's weekly timetable."""

    class Activity(models.TextChoices):
        BREAKFAST = "breakfast", _("Breakfast together")
        GROUP_TALK = "group_talk", _("Group talk")
        TEACHING = "teaching", _("Teaching")
        SUBSTANCES = "substances", _("Young people and substances")
        PHYSICAL = "physical_activity", _("Physical activity together")
        LUNCH = "lunch", _("Lunch together")
        EVALUATION = "weekly_evaluation", _("Feedback and evaluation of the week")
        OTHER = "other", _("Other")

    WEEKDAYS = [(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")),
                (3, _("Thursday")), (4, _("Friday"))]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey("accounts.Service", models.CASCADE,
                                related_name="timetable_slots")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=WEEKDAYS)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("to"))
    activity = models.CharField(_("activity"), max_length=20, choices=Activity)
    label = models.CharField(_("text"), max_length=100, blank=True,
                             help_text=_("Shown instead of the activity's name, e.g. "
                                         "\"Sandwich and a good weekend\"."))

    class Meta:
        verbose_name = _("timetable slot")
        verbose_name_plural = _("timetable")
        ordering = ["weekday", "starts"]

    def __str__(self):
        return self.label or self.get_activity_display()

    @property
    def hours(self) -> Decimal:
        minutes = (self.ends.hour * 60 + self.ends.minute
                   - self.starts.hour * 60 - self.starts.minute)
        return Decimal(minutes) / 60

    def clean(self):
        if self.starts and self.ends and self.ends <= self.starts:
            raise ValidationError({"ends": _("The end is not after the start.")})
        if self.starts and self.ends and self.weekday is not None:
            clash = TimetableSlot.objects.filter(
                service_id=self.service_id, weekday=self.weekday,
                starts__lt=self.ends, ends__gt=self.starts).exclude(pk=self.pk).first()
            if clash:
                raise ValidationError({"starts": _(
                    "This overlaps \"%(other)s\" (%(start)s–%(end)s).") % {
                    "other": clash, "start": clash.starts.strftime("%H.%M"),
                    "end": clash.ends.strftime("%H.%M")}})

    @classmethod
    def ensure_default(cls, service) -> None:
        """The seed's timetable (Helsingung 2014/15) as the starting point, once."""
        if cls.objects.filter(service=service).exists():
            return
        A = cls.Activity
        rows = [(day, "09:00", "09:30", A.BREAKFAST, "") for day in range(5)] + [
            (0, "09:30", "10:15", A.GROUP_TALK, ""),
            (0, "10:15", "12:00", A.TEACHING, ""),
            (0, "12:00", "12:30", A.LUNCH, ""),
            (1, "09:30", "11:45", A.TEACHING, ""),
            (1, "12:00", "12:30", A.LUNCH, ""),
            (1, "12:45", "15:00", A.PHYSICAL, ""),
            (2, "09:30", "11:00", A.TEACHING, ""),
            (2, "11:00", "12:00", A.SUBSTANCES, ""),
            (2, "12:00", "12:30", A.LUNCH, ""),
            (3, "09:30", "12:00", A.TEACHING, ""),
            (3, "12:00", "12:30", A.LUNCH, ""),
            (4, "09:30", "10:30", A.EVALUATION, ""),
            (4, "10:30", "12:30", A.PHYSICAL, ""),
            (4, "12:30", "13:00", A.LUNCH, "Sandwich og god weekend"),
        ]
        cls.objects.bulk_create([
            cls(service=service, weekday=day, starts=datetime.time.fromisoformat(start),
                ends=datetime.time.fromisoformat(end), activity=activity, label=label)
            for day, start, end, activity, label in rows])

    @classmethod
    def planned_teaching_hours(cls, service) -> Decimal:
        slots = cls.objects.filter(service=service, activity=cls.Activity.TEACHING)
        return sum((slot.hours for slot in slots), Decimal(0)).quantize(Decimal("0.1"))


class Exam(models.Model):
    """A school subject the young person reads for Folkeskolens afgangsprøve, and the result."""

    class Subject(models.TextChoices):
        DANISH = "danish", _("Danish")
        MATHS = "maths", _("Mathematics")
        ENGLISH = "english", _("English")
        PHYSICS_CHEMISTRY = "physics_chemistry", _("Physics/chemistry")
        BIOLOGY = "biology", _("Biology")
        GEOGRAPHY = "geography", _("Geography")
        HISTORY = "history", _("History")
        SOCIAL_STUDIES = "social_studies", _("Social studies")
        CHRISTIAN_STUDIES = "christian_studies", _("Christian studies")
        GERMAN = "german", _("German")
        FRENCH = "french", _("French")
        OTHER = "other", _("Other subject")

    class Form(models.TextChoices):
        WRITTEN = "written", _("Written")
        ORAL = "oral", _("Oral")
        PRACTICAL = "practical", _("Practical")

    # The Danish 7-point grading scale. 02 is the lowest pass.
    GRADES = [(12, "12"), (10, "10"), (7, "7"), (4, "4"), (2, "02"), (0, "00"), (-3, "-3")]
    PASS = 2

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enrolment = models.ForeignKey(DayTeamEnrolment, models.CASCADE, related_name="exams")
    subject = models.CharField(_("subject"), max_length=20, choices=Subject)
    form = models.CharField(_("exam form"), max_length=10, choices=Form, blank=True)
    exam_date = models.DateField(_("exam date"), null=True, blank=True,
                                 help_text=_("Empty while the young person reads the subject "
                                             "and no exam is set."))
    grade = models.SmallIntegerField(
        _("grade"), choices=GRADES, null=True, blank=True,
        error_messages={"invalid_choice": _(
            "Give a grade of the 7-point scale: 12, 10, 7, 4, 02, 00 or -3.")})

    class Meta:
        verbose_name = _("subject and exam")
        verbose_name_plural = _("subjects and exams")
        ordering = ["subject", "form"]

    def __str__(self):
        return " ".join(str(x) for x in (self.get_subject_display(), self.get_form_display()) if x)

    @property
    def passed(self) -> bool | None:
        return None if self.grade is None else self.grade >= self.PASS

    def clean(self):
        errors = {}
        if self.grade is not None and not self.exam_date:
            errors["exam_date"] = _("Enter the date of the exam with the grade.")
        if self.exam_date and self.grade is not None and self.exam_date > today():
            errors["grade"] = _("The exam has not been held yet.")
        if self.exam_date and self.enrolment_id and self.exam_date < self.enrolment.start_date:
            errors["exam_date"] = _("The date is before the place in the day team began.")
        if errors:
            raise ValidationError(errors)
