"""Yearly figures of the programmes, for the annual statistics and the programme pages.

Each function takes a service (None: every service) and a year and returns plain numbers
(dicts of ints, Decimals and None), computed with a fixed, small number of aggregate
queries whatever the amount of data. None of them returns a name. `as_of` (default: today)
cuts a year that is still running, so that what has not happened yet is not counted as
missing.
"""

import datetime
from decimal import Decimal

from django.db.models import Avg, Count, Q, Sum
from django.db.models.fields.json import KT

from spor.accounts.models import Service
from spor.lib.dates import today
from spor.lib.numbers import percent
from spor.measures.instruments import Choice
from spor.programmes.models import (
    CaseConference,
    ConferenceCase,
    ConsultancyActivity,
    DayTeamAttendance,
    DayTeamEnrolment,
    Exam,
    OutreachContact,
    ParentCourse,
    ParentFollowup,
    ParentParticipant,
    TeachingWeek,
)
from spor.programmes.survey import PARENT_FOLLOWUP

NOT_ANSWERED = "not_answered"
TENTH = Decimal("0.1")


def _of(service, path: str = "service") -> Q:
    """Rows of one service, or of every service when `service` is None (a national
    report)."""
    return Q() if service is None else Q(**{path: service})


def whole_year(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def _cut(start: datetime.date, end: datetime.date, as_of: datetime.date | None):
    """The period up to `as_of` (default: today): what has not happened is not missing."""
    return start, min(end, as_of or today())


def _choice_items():
    return [item for item in PARENT_FOLLOWUP.items if isinstance(item, Choice)]


def parent_courses_year(service, year: int, as_of: datetime.date | None = None) -> dict:
    return parent_courses_in(service, *whole_year(year), as_of=as_of)


def parent_courses_ended(service, start: datetime.date, end: datetime.date):
    """The parent courses that count in a period: those that ended in it."""
    return ParentCourse.objects.filter(_of(service)).ended_between(start, end)


def parent_participants(courses):
    """The participants of parent courses, as counted in the statistics."""
    return ParentParticipant.objects.filter(course__in=courses)


def parent_courses_in(service, start: datetime.date, end: datetime.date,
                      as_of: datetime.date | None = None) -> dict:
    """Parent courses of a period (from `start` to `end`, both included), in the shape of
    the statistics' "parent_courses" section.

    - courses: parent courses that ended in the period (end date = the last evening, the
      follow-up evening included), as every course in the statistics counts in the period
      it ended; participants: the participants of those courses.
    - followup_3m / followup_1y: the surveys that fell due in the period (up to `as_of`):
      "due" surveys, how many were "answered", and for each question a count per answer
      plus "not_answered" — a survey nobody answered (still open or closed without an
      answer) and a question left empty both count there, never as "dont_know". Each
      survey is counted once, in the period it fell due; the 1-year surveys of a year are
      thus those of the courses that ended the year before.

    Three queries.
    """
    courses = parent_courses_ended(service, start, end)
    result = {
        "courses": courses.count(),
        "participants": parent_participants(courses).count(),
    }
    items = _choice_items()
    empty = {item.code: {**{value: 0 for value, _label in item.options}, NOT_ANSWERED: 0}
             for item in items}
    sections = {when: {"due": 0, "answered": 0, **{k: dict(v) for k, v in empty.items()}}
                for when in ParentFollowup.MONTHS}
    start, end = _cut(start, end, as_of)
    rows = (ParentFollowup.objects
            .filter(_of(service, "participant__course__service"), due_date__gte=start,
                    due_date__lte=end)
            .annotate(**{f"a_{item.code}": KT(f"answers__{item.code}") for item in items})
            .values("when", "source", *[f"a_{item.code}" for item in items])
            .annotate(n=Count("pk")).order_by())
    for row in rows:
        section = sections[row["when"]]
        section["due"] += row["n"]
        if row["source"]:
            section["answered"] += row["n"]
        for item in items:
            value = row[f"a_{item.code}"] if row["source"] else None
            key = value if value in section[item.code] else NOT_ANSWERED
            section[item.code][key] += row["n"]
    result["followup_3m"] = sections[ParentFollowup.When.THREE_MONTHS]
    result["followup_1y"] = sections[ParentFollowup.When.ONE_YEAR]
    return result


def weekdays(first: datetime.date, last: datetime.date) -> int:
    """Mondays to Fridays from first to last, both included."""
    if last < first:
        return 0
    weeks, rest = divmod((last - first).days + 1, 7)
    return weeks * 5 + sum(1 for i in range(rest) if (first.weekday() + i) % 7 < 5)


def day_team_year(service, year: int, as_of: datetime.date | None = None) -> dict:
    return day_team_in(service, *whole_year(year), as_of=as_of)


def day_team_in(service, start: datetime.date, end: datetime.date,
                as_of: datetime.date | None = None) -> dict:
    """Places used, attendance, teaching and exams of the day team in a period (a year or
    any other, both ends included).

    - places: the capacity; young_people: distinct young people with a place in the
      period; started / ended: places that began or ended in it.
    - place_days: weekdays (Monday–Friday, holidays not taken out) with a place, up to
      `as_of`; place_days_available: capacity × those weekdays; occupancy_percent.
    - attendance: registered days per status and the share present (of registered days).
    - teaching_hours / teaching_weeks: from the weekly registrations.
    - exams: graded exams held in the year, the young people who sat them, passed (02 or
      better), the average grade, and the same per subject.

    Five queries.
    """
    start, end = _cut(start, end, as_of)
    enrolments = list(DayTeamEnrolment.objects.filter(_of(service, "client__service"))
                      .overlapping(start, end)
                      .values_list("client_id", "start_date", "end_date"))
    place_days = sum(weekdays(max(first, start), min(last or end, end))
                     for _c, first, last in enrolments)
    capacity = (service.day_team_capacity if service is not None else
                Service.objects.aggregate(n=Sum("day_team_capacity"))["n"] or 0)
    available = capacity * weekdays(start, end)
    counts = dict(DayTeamAttendance.objects
                  .filter(_of(service, "enrolment__client__service"), date__gte=start,
                          date__lte=end)
                  .values_list("status").annotate(n=Count("pk")).order_by())
    attendance = {status: counts.get(status, 0) for status in DayTeamAttendance.Status.values}
    registered = sum(attendance.values())
    teaching = TeachingWeek.objects.filter(
        _of(service), monday__gte=start, monday__lte=end).aggregate(
        hours=Sum("hours"), weeks=Count("pk"))
    exams = Exam.objects.filter(_of(service, "enrolment__client__service"), grade__isnull=False,
                                exam_date__gte=start, exam_date__lte=end)
    exam_totals = exams.aggregate(exams=Count("pk"),
                                  young_people=Count("enrolment__client", distinct=True),
                                  passed=Count("pk", filter=Q(grade__gte=Exam.PASS)),
                                  average=Avg("grade"))
    by_subject = {row["subject"]: {"exams": row["n"], "average": _one_decimal(row["avg"])}
                  for row in exams.values("subject").annotate(n=Count("pk"), avg=Avg("grade"))
                  .order_by("subject")}
    return {
        "places": capacity,
        "young_people": len({client for client, _s, _e in enrolments}),
        "started": sum(1 for _c, first, _e in enrolments if start <= first <= end),
        "ended": sum(1 for _c, _s, last in enrolments if last and start <= last <= end),
        "place_days": place_days,
        "place_days_available": available,
        "occupancy_percent": percent(place_days, available),
        "attendance": {**attendance, "registered_days": registered,
                       "present_percent": percent(attendance["present"], registered)},
        "teaching_hours": teaching["hours"] or Decimal(0),
        "teaching_weeks": teaching["weeks"],
        "exams": {"exams": exam_totals["exams"], "young_people": exam_totals["young_people"],
                  "passed": exam_totals["passed"],
                  "average_grade": _one_decimal(exam_totals["average"]),
                  "by_subject": by_subject},
    }


def _one_decimal(value):
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))


OUTREACH_SUMS = ("young_people", "families", "referrals_service", "referrals_other",
                 "other_volunteers")


def outreach_totals(contacts) -> dict:
    """Totals of a queryset of outreach contacts, overall and per kind of place. Four
    queries."""
    sums = {field: Sum(field) for field in OUTREACH_SUMS}
    totals = contacts.aggregate(contacts=Count("pk"), hours=Sum("hours"), **sums)
    per_place = {row["place_kind"]: row for row in
                 contacts.values("place_kind").annotate(contacts=Count("pk"), hours=Sum("hours"),
                                                        **sums).order_by()}
    Through = OutreachContact.staff.through
    staff_turns = Through.objects.filter(outreachcontact__in=contacts.values("pk")).count()
    Named = OutreachContact.volunteers.through
    named_turns = Named.objects.filter(outreachcontact__in=contacts.values("pk")).count()

    def clean(row):
        return {"contacts": row.get("contacts") or 0,
                "hours": Decimal(row.get("hours") or 0).quantize(TENTH),
                **{field: row.get(field) or 0 for field in OUTREACH_SUMS}}

    return {
        **clean(totals),
        "staff_turns": staff_turns,
        "volunteer_turns": named_turns + (totals["other_volunteers"] or 0),
        "by_place": {kind: clean(per_place.get(kind, {}))
                     for kind in OutreachContact.Place.values},
    }


def outreach_year(service, year: int) -> dict:
    return outreach_in(service, *whole_year(year))


def outreach_in(service, start: datetime.date, end: datetime.date) -> dict:
    """Outreach contacts of a period (both ends included): how many, young people and
    families reached, referrals to the service and to other municipal help, hours, staff
    and volunteer turns (one per person per contact), in total and per kind of place. Four
    queries."""
    return outreach_totals(outreach_contacts(service, start, end))


def outreach_contacts(service, start: datetime.date, end: datetime.date):
    """The outreach contacts of a period, both ends included."""
    return OutreachContact.objects.filter(_of(service), date__gte=start, date__lte=end)


def funding_report(source, start: datetime.date, end: datetime.date) -> dict:
    """Activity a funding source paid for in a period, for the grant giver: the grants
    that overlap the period and the totals of the contacts marked as funded by it."""
    contacts = source.contacts.filter(date__gte=start, date__lte=end)
    grants = list(source.grants.filter(starts__lte=end, ends__gte=start))
    return {
        "source": source, "start": start, "end": end, "grants": grants,
        "granted": sum((g.amount for g in grants), Decimal(0)),
        "totals": outreach_totals(contacts),
    }


def consultancy_year(service, year: int) -> dict:
    """Consultancy activities per kind (count, hours, partner staff reached), partners
    served, and the network group's case conferences and cases of a year. Four queries."""
    activities = ConsultancyActivity.objects.filter(_of(service), date__year=year)
    per_kind = {row["kind"]: row for row in activities.values("kind").annotate(
        n=Count("pk"), hours=Sum("hours"), attendees=Sum("attendees")).order_by()}
    conferences = CaseConference.objects.filter(_of(service), date__year=year)
    dates = list(conferences.values_list("date", flat=True))
    return {
        "activities": sum(row["n"] for row in per_kind.values()),
        "hours": sum((row["hours"] for row in per_kind.values()), Decimal(0)),
        "partners": activities.values("partner").distinct().count(),
        "by_kind": {kind: {"activities": per_kind.get(kind, {}).get("n", 0),
                           "hours": per_kind.get(kind, {}).get("hours") or Decimal(0),
                           "attendees": per_kind.get(kind, {}).get("attendees") or 0}
                    for kind in ConsultancyActivity.Kind.values},
        "case_conferences": len(dates),
        "months_with_conference": len({day.month for day in dates}),
        "cases": ConferenceCase.objects.filter(conference__in=conferences).count(),
    }
