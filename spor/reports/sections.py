"""The sections of the yearly statistics, each a pure function over a queryset.

Counting rules (also printed in every report):
- A course counts in a year when it ended in that year.
- Age is the young person's age when the course started (with a birth year only: the
  start year minus the birth year).
- Percentages are of the section's n, rounded half up to whole numbers.
- Success is stopped + reduced; a course ended without a recorded outcome counts as
  "unknown".
- Sessions count in the year they were held.

The course-level sections are worked out from a few grouped counts of the courses
(`by_age`, `by_category`), each asked for once for the whole report; `section(courses)`
runs one alone.
"""

from operator import itemgetter

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


def counted(courses, *names) -> list[dict]:
    """The courses counted by the values of `names`: one grouped query, a row for each
    combination found, e.g. [{"outcome": "stopped", "kind": "individual", "n": 4}, ...].
    The sections work their cells out from these rows, so a report asks the database for
    a few groups instead of one filtered count for every cell."""
    return list(courses.order_by().values(*names).annotate(n=Count("pk")))


def by_age(courses, *also) -> list[dict]:
    """The rows of the sections that need the age at start: outcomes, the age
    distribution and the anonymous contacts (counted by the annotations `also` too)."""
    return counted(with_age(courses), "outcome", "kind", "age", *also)


def by_category(courses) -> list[dict]:
    """The rows of the sections counted from the course alone: main substance, referral
    and school or work."""
    return counted(courses, "main_substance", "referral", "kind", "occupation_at_start",
                   "occupation_at_end")


def _total(rows, test=lambda row: True) -> int:
    return sum(row["n"] for row in rows if test(row))


def _cells(rows, key, names) -> dict[str, int]:
    """The rows' counts added up by the cell `key(row)` names, for each of `names` (in
    that order, 0 where no row has it)."""
    cells = dict.fromkeys(names, 0)
    for row in rows:
        name = key(row)
        if name in cells:
            cells[name] += row["n"]
    return cells


def _anonymous(row) -> bool:
    return row["kind"] == Course.Kind.ANONYMOUS


def _outcome(row):
    """The outcome cell of a course: a course ended without a recorded one is unknown."""
    return Outcome.UNKNOWN.value if row["outcome"] == "" else row["outcome"]


def _under_18(row) -> bool:
    return row["age"] is not None and row["age"] < 18


# Outcomes at end ---------------------------------------------------------------------

def outcome_tables(rows) -> dict[str, Table]:
    """From the rows of `by_age`."""
    tables = {}
    for group, chosen in (("under_18", [row for row in rows if _under_18(row)]),
                          ("all", rows)):
        cells = _cells(chosen, _outcome, OUTCOMES)
        cells["n"] = sum(cells[o] for o in OUTCOMES)
        cells["success"] = cells["stopped"] + cells["reduced"]
        # Nested sums: n = success + the rest, success = stopped + reduced.
        tables[group] = Table(cells, sums={
            "n": ["success", "unchanged", "increased", "unknown"],
            "success": ["stopped", "reduced"]})
    return tables


def outcomes(courses):
    return outcome_tables(by_age(courses))


# Main substance -----------------------------------------------------------------------

def substance_table(rows) -> Table:
    """From the rows of `by_category`."""
    cells = _cells(rows, itemgetter("main_substance"), SUBSTANCES)
    cells["n"] = sum(cells.values())
    return Table(cells, sums={"n": SUBSTANCES})


def main_substance(courses):
    return substance_table(by_category(courses))


# Age distribution ---------------------------------------------------------------------

def age_band(age):
    """The key of the band of AGE_BANDS an age falls in; None for no age."""
    for key, low, high in AGE_BANDS:
        if age is not None and (low is None or age >= low) and (high is None or age <= high):
            return key
    return None


def age_tables(rows) -> dict[str, Table]:
    """From the rows of `by_age`."""
    tables = {}
    keys = [key for key, _low, _high in AGE_BANDS]
    for group, anonymous in (("anonymous", True), ("enrolled", False)):
        chosen = [row for row in rows if _anonymous(row) == anonymous]
        cells = _cells(chosen, lambda row: age_band(row["age"]), keys)
        cells["n"] = sum(cells.values())
        tables[group] = Table(cells, sums={"n": keys})
    return tables


def age_distribution(courses):
    return age_tables(by_age(courses))


# Referral sources and kinds of course --------------------------------------------------

def referral_table(rows) -> Table:
    """From the rows of `by_category`."""
    cells = _cells(rows, itemgetter("referral"), REFERRALS)
    cells["n"] = sum(cells.values())
    return Table(cells, sums={"n": REFERRALS})


def referral_sources(courses):
    return referral_table(by_category(courses))


def anonymous_count(rows) -> int:
    """The anonymous courses, from the rows of `by_age` (or `by_category`)."""
    return _total(rows, _anonymous)


def in_school_table(rows) -> Table:
    """From the rows of `by_category`: enrolled courses with the school/work status at
    end recorded and how many of them were in school at the end; of those, the ones with
    the status at start recorded too (an import may have no start status) and how many
    were in school at the start. The shown counts, and those a reader can work out from
    them (not in school)."""
    ended = [row for row in rows if not _anonymous(row) and row["occupation_at_end"] != ""]
    started = [row for row in ended if row["occupation_at_start"] != ""]
    n, n_start = _total(ended), _total(started)
    at_end = _total(ended, lambda row: row["occupation_at_end"] == "school")
    at_start = _total(started, lambda row: row["occupation_at_start"] == "school")
    cells = {"n": n, "at_end": at_end, "not_at_end": n - at_end,
             "n_start": n_start, "at_start": at_start, "not_at_start": n_start - at_start}
    return Table(cells, sums={"n": ["at_end", "not_at_end"],
                              "n_start": ["at_start", "not_at_start"]})


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
