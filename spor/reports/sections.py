"""The sections of the yearly statistics, each a pure function over a queryset.

Counting rules (also printed in every report):
- A course counts in a year when it ended in that year.
- Age is the young person's age when the course started (with a birth year only: the
  start year minus the birth year).
- Percentages are of the section's n, rounded half up to whole numbers.
- Success is stopped + reduced; a course ended without a recorded outcome counts as
  "unknown".
- Sessions count in the year they were held.

Each course-level section gives its aggregates as expressions, so that the report can
compute all of them in one pass over the courses; `section(courses)` runs one alone.
"""

from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear

from spor.reports.suppression import Table
from spor.treatment.models import Course, Outcome, Session, Substance

OUTCOMES = [o.value for o in Outcome]  # stopped, reduced, unchanged, increased, unknown
SUBSTANCES = [s.value for s in Substance]
REFERRALS = [r.value for r in Course.Referral]
SESSION_KINDS = [k.value for k in Session.Kind]
ATTENDANCE = [a.value for a in Session.Attendance]
# Age bands of the age distribution: (key, lowest age, highest age).
AGE_BANDS = [("under 15", None, 14), ("15-17", 15, 17), ("18-20", 18, 20),
             ("21-24", 21, 24), ("25+", 25, None)]


def with_age(courses):
    """Annotate `age`: the young person's age on the day the course started (or, for a
    course that never started, was requested)."""
    courses = courses.annotate(
        began=Coalesce("start_date", "request_date"),
        began_month=ExtractMonth("began"), began_day=ExtractDay("began"),
        birth_month=ExtractMonth("client__birth_date"),
        birth_day=ExtractDay("client__birth_date"))
    birthday_ahead = Q(began_month__lt=F("birth_month")) | Q(
        began_month=F("birth_month"), began_day__lt=F("birth_day"))
    exact = (ExtractYear("began") - ExtractYear("client__birth_date")
             - Case(When(birthday_ahead, then=Value(1)), default=Value(0)))
    return courses.annotate(age=Case(
        When(client__birth_date__isnull=False, then=exact),
        default=ExtractYear("began") - F("client__birth_year"),
        output_field=IntegerField()))


def _outcome_filter(outcome):
    if outcome == Outcome.UNKNOWN:
        return Q(outcome__in=["unknown", ""])
    return Q(outcome=outcome)


# Outcomes at end ---------------------------------------------------------------------

def outcome_aggregates():
    result = {}
    for group, condition in (("all", Q()), ("under_18", Q(age__lt=18))):
        for outcome in OUTCOMES:
            result[f"outcome_{group}_{outcome}"] = Count(
                "pk", filter=condition & _outcome_filter(outcome))
    return result


def outcome_tables(values) -> dict[str, Table]:
    tables = {}
    for group in ("under_18", "all"):
        cells = {o: values[f"outcome_{group}_{o}"] for o in OUTCOMES}
        cells["n"] = sum(cells[o] for o in OUTCOMES)
        cells["success"] = cells["stopped"] + cells["reduced"]
        # Nested sums: n = success + the rest, success = stopped + reduced.
        tables[group] = Table(cells, sums={
            "n": ["success", "unchanged", "increased", "unknown"],
            "success": ["stopped", "reduced"]})
    return tables


def outcomes(courses):
    return outcome_tables(with_age(courses).aggregate(**outcome_aggregates()))


# Main substance -----------------------------------------------------------------------

def substance_aggregates():
    return {f"substance_{code}": Count("pk", filter=Q(main_substance=code))
            for code in SUBSTANCES}


def substance_table(values) -> Table:
    cells = {code: values[f"substance_{code}"] for code in SUBSTANCES}
    cells["n"] = sum(cells.values())
    return Table(cells, sums={"n": SUBSTANCES})


def main_substance(courses):
    return substance_table(courses.aggregate(**substance_aggregates()))


# Age distribution ---------------------------------------------------------------------

def _band(low, high):
    condition = Q()
    if low is not None:
        condition &= Q(age__gte=low)
    if high is not None:
        condition &= Q(age__lte=high)
    return condition


def age_aggregates():
    result = {}
    for group, condition in (("anonymous", Q(kind=Course.Kind.ANONYMOUS)),
                             ("enrolled", ~Q(kind=Course.Kind.ANONYMOUS))):
        for i, (_key, low, high) in enumerate(AGE_BANDS):
            result[f"age_{group}_{i}"] = Count("pk", filter=condition & _band(low, high))
    return result


def age_tables(values) -> dict[str, Table]:
    tables = {}
    keys = [key for key, _low, _high in AGE_BANDS]
    for group in ("anonymous", "enrolled"):
        cells = {key: values[f"age_{group}_{i}"] for i, key in enumerate(keys)}
        cells["n"] = sum(cells.values())
        tables[group] = Table(cells, sums={"n": keys})
    return tables


def age_distribution(courses):
    return age_tables(with_age(courses).aggregate(**age_aggregates()))


# Referral sources and kinds of course --------------------------------------------------

def referral_aggregates():
    return {f"referral_{code}": Count("pk", filter=Q(referral=code)) for code in REFERRALS}


def referral_table(values) -> Table:
    cells = {code: values[f"referral_{code}"] for code in REFERRALS}
    cells["n"] = sum(cells.values())
    return Table(cells, sums={"n": REFERRALS})


def referral_sources(courses):
    return referral_table(courses.aggregate(**referral_aggregates()))


def anonymous_count_aggregate():
    return {"anonymous_courses": Count("pk", filter=Q(kind=Course.Kind.ANONYMOUS))}


def in_school_aggregates():
    """Enrolled courses with the school/work status at end recorded and how many of them
    were in school at the end; of those, the ones with the status at start recorded too
    (an import may have no start status) and how many were in school at the start."""
    ended = ~Q(kind=Course.Kind.ANONYMOUS) & ~Q(occupation_at_end="")
    started = ended & ~Q(occupation_at_start="")
    return {
        "school_recorded": Count("pk", filter=ended),
        "school_at_end": Count("pk", filter=ended & Q(occupation_at_end="school")),
        "school_start_recorded": Count("pk", filter=started),
        "school_at_start": Count("pk", filter=started & Q(occupation_at_start="school")),
    }


def in_school_table(values) -> Table:
    """The shown counts, and those a reader can work out from them (not in school)."""
    n, at_end = values["school_recorded"], values["school_at_end"]
    n_start, at_start = values["school_start_recorded"], values["school_at_start"]
    cells = {"n": n, "at_end": at_end, "not_at_end": n - at_end,
             "n_start": n_start, "at_start": at_start, "not_at_start": n_start - at_start}
    return Table(cells, sums={"n": ["at_end", "not_at_end"],
                              "n_start": ["at_start", "not_at_start"]})


def course_aggregates():
    """Every course-level aggregate of the report, for one pass over the courses."""
    return {**outcome_aggregates(), **substance_aggregates(), **age_aggregates(),
            **referral_aggregates(), **anonymous_count_aggregate(), **in_school_aggregates()}


def aggregate_courses(courses, aggregates=None) -> dict:
    """All of `course_aggregates` (or the `aggregates` given) in one query. The courses
    are selected as a subquery that each course's age is worked out once in, rather than
    once for every count: a
    LIMIT (of more rows than any table holds) keeps the database from merging it into
    the outer query, and costs nothing, where a DISTINCT cost a grouping of every row."""
    rows = with_age(courses.order_by()).values(
        "pk", "age", "kind", "outcome", "main_substance", "referral", "occupation_at_start",
        "occupation_at_end")[:2**62]
    return rows.aggregate(**(aggregates or course_aggregates()))


# Sessions ------------------------------------------------------------------------------

def session_tables(rows) -> dict[str, Table]:
    """Attended sessions by kind, and all sessions by attendance, from the rows of
    `spor.measures.stats.session_counts`."""
    kinds = {kind: sum(r["sessions"] for r in rows
                       if r["kind"] == kind and r["attendance"] == "attended")
             for kind in SESSION_KINDS}
    kinds["n"] = sum(kinds.values())
    attendance = {a: sum(r["sessions"] for r in rows if r["attendance"] == a)
                  for a in ATTENDANCE}
    attendance["n"] = sum(attendance.values())
    return {"by_kind": Table(kinds, sums={"n": SESSION_KINDS}),
            "attendance": Table(attendance, sums={"n": ATTENDANCE})}


def sessions(session_qs):
    from spor.measures.stats import session_counts

    return session_tables(session_counts(session_qs))
