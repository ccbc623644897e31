"""The FIT picture of courses, read from the database in a fixed number of queries for any
number of courses and sessions: ratings in session order, the cutoff for the young
person's age, the band of the expected course, SRS flags, alarms and the change class.

Sessions are numbered among the sessions the young person attended (1 = the first); the
expected course counts from the session of the first outcome rating (the intake). Ratings
are ordered by date and then by when they were made, as the statistics order them in SQL
(see stats.py), and the change class uses the norm for the young person's age at the
start of the course, as the statistics do.
"""

import dataclasses
import datetime
import functools
import json
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import CharField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from spor.lib import bulk
from spor.measures import instruments
from spor.measures.fit import (
    ChangeClass,
    alliance_alarm,
    alliance_flags,
    change_class,
    fmt,
    most_serious_first,
    norm_for,
    outcome_alarms,
    zigzags,
)
from spor.measures.models import Rating, rules_of
from spor.measures.trajectory import NEAR, Band

RATERS = [r.value for r in Rating.Rater]


@dataclasses.dataclass
class SessionRow:
    id: object
    number: int
    date: datetime.date
    kind: str
    plan_note: str | None


@dataclasses.dataclass
class Point:
    session: SessionRow
    instrument: str
    rater: str
    total: Decimal
    answers: object  # as stored: JSON text, or the dict it holds
    source: str
    created_at: str  # as text, see course_fits
    flags: list = dataclasses.field(default_factory=list)

    @functools.cached_property
    def values(self) -> list:
        """The marks of the measure's lines, in order: read from the stored answers only
        where they are used (the alliance flags), not for every rating of many courses."""
        answers = json.loads(self.answers) if isinstance(self.answers, str) else self.answers
        return [answers.get(s.code) for s in instruments.get(self.instrument).scales]

    @property
    def number(self) -> int:
        return self.session.number

    @property
    def date(self) -> datetime.date:
        return self.session.date


@dataclasses.dataclass
class CourseFit:
    course: object
    sessions: list
    outcome: dict  # rater -> [Point]
    alliance: dict  # rater -> [Point]
    norm: object = None  # at intake, for the young person's own outcome measure
    cutoffs: list = dataclasses.field(default_factory=list)  # [(date, cutoff or None)]
    band: list = dataclasses.field(default_factory=list)  # [(SessionRow, Band)]
    band_note: str = ""
    alarms: list = dataclasses.field(default_factory=list)
    change: ChangeClass | None = None
    doubtful: bool = False
    age_note: str = ""  # with a birth year only, when the age could change the norm

    @property
    def own(self) -> list:
        """The young person's own outcome ratings."""
        return self.outcome.get(Rating.Rater.CLIENT, [])

    @property
    def has_ratings(self) -> bool:
        return any(self.outcome.values()) or any(self.alliance.values())

    @property
    def latest_session(self) -> SessionRow | None:
        return self.sessions[-1] if self.sessions else None

    @property
    def change_label(self) -> str:
        return self.change.label if self.change else ""

    def rows(self) -> list[dict]:
        """One row per attended session with its ratings, newest first, for tables."""
        by_session = defaultdict(dict)
        for kind, series in (("outcome", self.outcome), ("alliance", self.alliance)):
            for rater, points in series.items():
                for point in points:
                    by_session[point.session.id][f"{kind}_{rater}"] = point
        return [{"session": s, **by_session.get(s.id, {})} for s in reversed(self.sessions)]


def course_fits(courses, service, scope=None, ratings_only=False) -> dict:
    """CourseFit of each course (with `client` loaded), by course id. Two queries, and
    three more when the service's rules are not kept (models.rules_of).

    All courses belong to `service`, whose norms, flag rules and expected course apply.
    With many courses, pass `scope`, a queryset of the same courses, to filter by a
    subquery instead of a long list of ids. With `ratings_only`, the numbered sessions and
    the ratings with their flags, without the norms and the expected course, so without
    what rests on them (cutoffs, band, change class, outcome alarms).
    """
    from spor.treatment.models import Session

    courses = list(courses)
    if not courses:
        return {}
    within = scope.values("pk") if scope is not None else [c.pk for c in courses]
    # Read as the driver gives the rows, each value converted where it is needed: the
    # ORM's conversion of every value was most of the time for many courses.
    course_of = {bulk.stored_key(c.pk): c.pk for c in courses}
    session_pk = bulk.converter(Session, "id")
    sessions = defaultdict(list)
    by_id = {}  # by the session's key as stored
    rows = (Session.objects.filter(course__in=within, attendance=Session.Attendance.ATTENDED)
            .order_by("date", "created_at")
            .values_list("id", "course_id", "date", "kind", "plan_change__note"))
    for pk, course_id, day, kind, note in bulk.stored_rows(rows):
        course = course_of[course_id]
        row = SessionRow(session_pk(pk), len(sessions[course]) + 1, day, kind, note)
        sessions[course].append(row)
        by_id[pk] = row
    ratings = defaultdict(list)
    total_of = bulk.converter(Rating, "total")
    # When each was made is read as text, which sorts as the time does (in UTC, the zone
    # of Django's connection, on PostgreSQL; as stored on SQLite): _course_fit orders the
    # ratings of a day by it, and reading it as a time was a third of this query's work.
    made = Cast("created_at", CharField())
    for session_id, course_id, instrument, rater, answers, total, source, created in (
            bulk.stored_rows(Rating.objects.filter(course__in=within).annotate(
                made=made).values_list("session_id", "course_id", "instrument", "rater",
                                       "answers", "total", "source", "made"))):
        session = by_id.get(session_id)
        if session is None or total is None or instrument not in instruments.REGISTRY:
            continue  # a session no longer marked attended keeps its rating, unshown
        ratings[course_of[course_id]].append(Point(
            session, instrument, rater, total_of(total), answers, source, created))
    rules = rules_of(service)
    norms, expected = ([], None) if ratings_only else (rules.norms, rules.expected)
    return {c.pk: _course_fit(c, sessions[c.pk], ratings[c.pk], norms, rules.alliance, expected,
                              service)
            for c in courses}


def _course_fit(course, sessions, points, norms, rules, expected, service) -> CourseFit:
    points.sort(key=lambda p: (p.date, p.created_at))
    outcome, alliance = defaultdict(list), defaultdict(list)
    for point in points:
        kind = instruments.get(point.instrument).kind
        if kind == "outcome":
            outcome[point.rater].append(point)
        elif kind == "alliance":
            alliance[point.rater].append(point)
    previous = {}
    for rater_points in alliance.values():
        for point in rater_points:
            rule = rules.get(point.instrument)
            before = previous.get((point.rater, point.instrument))
            if rule is not None:
                point.flags = alliance_flags(point.values, before, rule)
            previous[(point.rater, point.instrument)] = point.total
    fit = CourseFit(course, sessions, dict(outcome), dict(alliance))
    client = course.client
    cutoff_at = {}  # by age: a long course spans a few ages
    for session in sessions:
        age = client.age_on(session.date)
        if age not in cutoff_at:
            norm = norm_for(norms, instruments.outcome_for(age).code, age)
            cutoff_at[age] = norm.cutoff if norm else None
        fit.cutoffs.append((session.date, cutoff_at[age]))
    own = fit.own
    fit.norm = intake_norm(norms, course)
    fit.age_note = age_note(norms, course)
    if own:
        fit.doubtful = zigzags([p.total for p in own], settings.SPOR_ZIGZAG_SWINGS,
                               settings.SPOR_ZIGZAG_POINTS)
    fit.band, fit.band_note = _band(own, sessions, expected)
    rci = fit.norm.reliable_change if fit.norm else None
    if course.end_date is None:
        # Numbered among attended sessions, as the curve and docs/fit.md number them.
        series = [(p.number, p.total) for p in own]
        last_band = next((b for s, b in fit.band if own and s.number == own[-1].number), None)
        fit.alarms = outcome_alarms(series, last_band, rci, service.no_change_alarm_session)
        for rater, rater_points in fit.alliance.items():
            latest = rater_points[-1]
            rule = rules.get(latest.instrument)
            for alarm in alliance_alarm(latest.flags, latest.number, latest.total,
                                        rule.total_below if rule else None):
                if rater != Rating.Rater.CLIENT:
                    alarm = dataclasses.replace(
                        alarm, message=f"{alarm.message} ({Rating.Rater(rater).label})")
                fit.alarms.append(alarm)
        fit.alarms = most_serious_first(fit.alarms)
    elif len(own) >= 2 and fit.norm is not None:
        fit.change = change_class(own[0].total, own[-1].total, fit.norm.cutoff, rci)
    return fit


def intake_norm(norms, course):
    """The norm for the young person's age at the start of the course."""
    day = course.start_date or course.request_date
    if day is None:
        return None
    age = course.client.age_on(day)
    return norm_for(norms, instruments.outcome_for(age).code, age)


def age_note(norms, course) -> str:
    """With only a birth year the young person is one of two ages at the start of the
    course. Spor uses the age reached in that calendar year (the older: Client.age_on, as
    the statistics count in SQL); when the younger age would give another measure or
    cutoff, this says so, naming both, so that no cutoff is chosen silently."""
    client, day = course.client, course.start_date or course.request_date
    if client.birth_date or day is None:
        return ""
    older = client.age_on(day)
    younger = older - 1
    found = []
    for age in (older, younger):
        measure = instruments.outcome_for(age).code
        norm = norm_for(norms, measure, age)
        found.append((measure, norm.cutoff if norm else None))
    if found[0] == found[1]:
        return ""

    def described(pair):
        measure, cutoff = pair
        return _("%(measure)s, cutoff %(cutoff)s") % {
            "measure": measure, "cutoff": "–" if cutoff is None else fmt(cutoff)}

    return _("Only the birth year is known: %(younger)s or %(older)s years old at the start "
             "of the course. Spor counts %(older)s, the age reached this calendar year "
             "(%(used)s); at %(younger)s it would be %(other)s. Record the birth date to be "
             "sure.") % {"younger": younger, "older": older, "used": described(found[0]),
                         "other": described(found[1])}


def _band(own, sessions, expected) -> tuple[list, str]:
    """The expected course at each session after the intake, and what to say about it."""
    if not own:
        return [], _("The expected course is drawn from the young person's first rating.")
    if expected is None:
        return [], _("No expected course yet: it is learned from the service's closed courses "
                     "once they have ratings.")
    if not expected.is_ready:
        return [], _("No expected course yet: it rests on %(n)s closed courses with ratings, "
                     "and is drawn from %(min)s.") % {
            "n": expected.n_courses, "min": settings.SPOR_EXPECTED_MIN_COURSES}
    intake = own[0]
    model = expected.model()
    band = []
    for session in sessions:
        if session.number > intake.number:
            found: Band | None = model.band(intake.total, session.number - intake.number + 1)
            if found is not None:
                band.append((session, found))
    if not band:
        return [], _("The expected course is drawn from the session after the first rating.")
    if expected.from_file:
        return band, _("Expected course: %(name)s.") % {"name": expected.name}
    low, high = model.percentiles
    return band, _("Expected course: percentile %(low)s to %(high)s of the service's closed "
                   "courses, for this first rating (%(n)s courses with a first rating within "
                   "%(near)s points were rated at the next session, %(all)s courses in all; "
                   "the band is wider where they are few).") % {
        "low": low, "high": high, "n": band[0][1].n, "near": NEAR, "all": expected.n_courses}
