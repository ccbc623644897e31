"""Use in numbers: days of use in a 30-day window, amount per week, intake against now.

These are the outcome measures of youth-treatment evaluations (days of use in the last 30
days, from a timeline follow-back). Every function here is one or two grouped queries
whatever the number of clients or courses, and counts only effective entries (a
clinician's answer for a day replaces the app's, see DiaryEntryQuerySet.effective).

A day counts as a day of use when any entry of that day says "used"; as known when any
entry of that day answers at all. Days never asked about are neither: "0 days of use" with
5 known days is not abstinence, so every count comes with its known days.
"""

import dataclasses
import datetime
import decimal

from django.db.models import Count, DateField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncWeek

from spor.lib.dates import today
from spor.tracking.models import Answer, DiaryEntry

WINDOW = 30  # days: "days of use in the last 30 days"
USED = Q(answer=Answer.USED)


@dataclasses.dataclass
class Window:
    """Days of use and known days in one 30-day window, and the amount per week in it by
    (substance, unit)."""

    first: datetime.date | None = None
    last: datetime.date | None = None
    use_days: int = 0
    known_days: int = 0
    per_week: dict = dataclasses.field(default_factory=dict)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1 if self.first and self.last else 0


@dataclasses.dataclass
class CourseUse:
    """Use in the 30 days before a course started, and in the last 30 days of it (up to
    today for an active course, up to the end date for an ended one)."""

    intake: Window
    recent: Window

    @property
    def change(self) -> int | None:
        if not (self.intake.known_days and self.recent.known_days):
            return None
        return self.recent.use_days - self.intake.use_days


@dataclasses.dataclass
class Week:
    start: datetime.date  # a Monday
    use_days: int = 0
    known_days: int = 0
    amounts: dict = dataclasses.field(default_factory=dict)  # (substance, unit) -> Decimal


def per_week(total, days=WINDOW) -> decimal.Decimal:
    """The amount per week, averaged over `days`: the days answered, since a day nobody
    asked about is not a day without use."""
    return (decimal.Decimal(total) * 7 / days).quantize(decimal.Decimal("0.01"))


def use_days(clients, first: datetime.date, last: datetime.date) -> dict:
    """{client id: (days of use, known days)} between two days, for a queryset of clients."""
    rows = (DiaryEntry.objects.effective().between(first, last)
            .filter(client__in=clients.values("pk")).order_by().values("client")
            .annotate(used=Count("date", distinct=True, filter=USED),
                      known=Count("date", distinct=True)))
    return {row["client"]: (row["used"], row["known"]) for row in rows}


def last_30_days(clients, day: datetime.date | None = None) -> dict:
    day = day or today()
    return use_days(clients, day - datetime.timedelta(days=WINDOW - 1), day)


def weeks(client, first: datetime.date, last: datetime.date, read: bool = True) -> list[Week]:
    """Every week (Monday to Sunday) that touches first..last, oldest first, with the
    days of use, the known days and the amount per (substance, unit); with `read` False
    (the young person has no diary at all), the empty weeks without asking the database."""
    monday = first - datetime.timedelta(days=first.weekday())
    result = {}
    while monday <= last:
        result[monday] = Week(monday)
        monday += datetime.timedelta(days=7)
    if not read:
        return list(result.values())
    entries = (DiaryEntry.objects.effective().between(first, last).filter(client=client)
               .order_by())
    for row in (entries.annotate(week=TruncWeek("date")).values("week")
                .annotate(used=Count("date", distinct=True, filter=USED),
                          known=Count("date", distinct=True))):
        week = result[_day(row["week"])]
        week.use_days, week.known_days = row["used"], row["known"]
    for row in (entries.used().filter(amount__isnull=False).annotate(week=TruncWeek("date"))
                .values("week", "substance", "unit").annotate(total=Sum("amount"))):
        result[_day(row["week"])].amounts[(row["substance"], row["unit"])] = row["total"]
    return list(result.values())


def course_use(courses, day: datetime.date | None = None) -> dict:
    """{course id: CourseUse} for a queryset of courses, in four grouped queries.

    The intake window is the 30 days before the start date (the timeline follow-back of
    the first session); the recent window the 30 days up to the end date, or up to `day`
    while the course runs. Courses without a start date are left out.
    """
    day = day or today()
    courses = courses.filter(start_date__isnull=False)
    start = F("client__courses__start_date")
    end = Coalesce(F("client__courses__end_date"), Value(day))
    windows = {
        "intake": (_minus(start, WINDOW), _minus(start, 1)),
        "recent": (_minus(end, WINDOW - 1), end),
    }
    result = {}
    for c in courses.values("pk", "start_date", "end_date"):
        stop = min(c["end_date"] or day, day)
        result[c["pk"]] = CourseUse(
            intake=Window(c["start_date"] - datetime.timedelta(days=WINDOW),
                          c["start_date"] - datetime.timedelta(days=1)),
            recent=Window(stop - datetime.timedelta(days=WINDOW - 1), stop))
    if not result:
        return result
    for name, (first, last) in windows.items():
        entries = (DiaryEntry.objects.effective().order_by()
                   .filter(client__courses__in=courses.values("pk"),
                           date__gte=first, date__lte=last)
                   .annotate(course=F("client__courses__pk")))
        for row in entries.values("course").annotate(
                used=Count("date", distinct=True, filter=USED),
                known=Count("date", distinct=True)):
            window = getattr(result[row["course"]], name)
            window.use_days, window.known_days = row["used"], row["known"]
        for row in (entries.used().filter(amount__isnull=False)
                    .values("course", "substance", "unit").annotate(total=Sum("amount"))):
            window = getattr(result[row["course"]], name)
            window.per_week[(row["substance"], row["unit"])] = per_week(
                row["total"], window.known_days)
    return result


def _minus(expression, days):
    return ExpressionWrapper(expression - datetime.timedelta(days=days),
                             output_field=DateField())


def _day(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value
