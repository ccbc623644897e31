"""FIT figures for statistics, set-based: a queryset in, counts out, computed in SQL.

For the yearly statistics (courses that ended in a year):

    courses = Course.objects.filter(client__service=service).ended_in(2025)
    change_class_counts(courses)
    # {"courses_with_ors": 41, "recovered": 12, "reliably_improved": 9, "no_change": 14,
    #  "deteriorated": 2, "single_rating": 3, "no_norm": 1}

    session_rating_shares(Session.objects.filter(course__in=courses))
    # {"sessions": 480, "with_outcome": 402, "with_alliance": 377, "with_parent_outcome": 31}

Counting rules (the same as the clinician's page, see progress.py and docs/fit.md):
- The outcome measures are ORS and CORS, rated by the young person (`rater="client"`;
  parents' ratings are counted apart with `rater="parent"`).
- A rating counts when its session was attended and it has a total, as on the course's
  page: a session later marked cancelled keeps its rating, unshown and uncounted.
- A course's first and last rating are ordered by the session date, then by when the
  rating was made.
- The norm is the one in effect for the course's service for the young person's age at
  the start of the course (the request date while waiting), by the measure made for that
  age (CORS for 6–12, ORS from 13).
- Jacobson–Truax: a rise of at least the reliable change is "reliably_improved", and
  "recovered" when the first total was below the cutoff and the last at or above it; a
  fall of at least the reliable change is "deteriorated"; anything between "no_change".
  "single_rating" courses have one rating only and "no_norm" courses no norm for the age:
  both count in "courses_with_ors" but in no class.
- Totals are compared in whole tenths, so a change of exactly 5.0 is reliable on every
  database.
"""

from collections import Counter

from django.db import connections
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear, Floor, Round

from spor.measures import instruments
from spor.measures.fit import norm_for, tenths
from spor.measures.models import Norm, Rating, in_effect
from spor.treatment.models import Session

CLASSES = ("recovered", "reliably_improved", "no_change", "deteriorated")
MAX_AGE = 100


def with_outcome_ends(courses, rater: str = Rating.Rater.CLIENT):
    """Annotate courses with the number of outcome ratings by `rater` (fit_n) and the
    first and last total in tenths (fit_first_t, fit_last_t). Three correlated subqueries,
    each a lookup in the index (course, rater, instrument, date)."""
    ratings = Rating.objects.filter(course=OuterRef("pk"), rater=rater, total__isnull=False,
                                    session__attendance="attended").outcome()
    tenth = Round(F("total") * 10, output_field=IntegerField())
    count = ratings.order_by().values("course").annotate(n=Count("pk")).values("n")
    return courses.annotate(
        fit_n=Coalesce(Subquery(count), 0),
        fit_first_t=Subquery(ratings.order_by("date", "created_at")
                             .annotate(t=tenth).values("t")[:1]),
        fit_last_t=Subquery(ratings.order_by("-date", "-created_at")
                            .annotate(t=tenth).values("t")[:1]),
    )


def with_norm(courses):
    """Annotate courses with the young person's age at the start of the course (fit_age)
    and the cutoff and reliable change in effect for it (fit_cutoff_t, fit_rci_t, in
    tenths; None without a norm for the age)."""
    cutoff, rci = _norm_cases()
    return courses.annotate(fit_age=_intake_age()).annotate(fit_cutoff_t=cutoff, fit_rci_t=rci)


def with_change_class(courses, rater: str = Rating.Rater.CLIENT):
    """Annotate each course with its Jacobson–Truax class (fit_class: one of CLASSES, or
    "none", "single_rating", "no_norm"), on top of `with_outcome_ends` and `with_norm`.

    For lists of courses. To count, use `change_class_counts`: Django repeats an
    annotation's SQL wherever it is referenced, so this form evaluates the subqueries of
    `with_outcome_ends` several times per course.
    """
    courses = with_norm(with_outcome_ends(courses, rater))
    return courses.annotate(fit_class=Case(
        When(fit_n=0, then=Value("none")),
        When(fit_n=1, then=Value("single_rating")),
        When(fit_rci_t__isnull=True, then=Value("no_norm")),
        When(Q(fit_first_t__lt=F("fit_cutoff_t"), fit_last_t__gte=F("fit_cutoff_t"))
             & Q(fit_last_t__gte=F("fit_first_t") + F("fit_rci_t")),
             then=Value("recovered")),
        When(fit_last_t__gte=F("fit_first_t") + F("fit_rci_t"),
             then=Value("reliably_improved")),
        When(fit_last_t__lte=F("fit_first_t") - F("fit_rci_t"), then=Value("deteriorated")),
        default=Value("no_change"),
    ))


# Counting is one SQL statement: the courses (age and service, compiled by Django so that
# it runs on SQLite and PostgreSQL alike), the outcome ratings of those courses only (each
# found in the covering index (course, rater, instrument, date, created_at) + total, so
# that the cost follows the courses counted, not the whole ratings table), numbered once
# per course with window functions over narrow rows, then the classes. The correlated
# subqueries of the annotations above took 13 times as long as this on a national year of
# courses (bench/fit_stats.py).
COUNT_CLASSES = """
WITH fit_courses AS MATERIALIZED ({courses}),
fit_ranked AS (
    SELECT r.course_id AS fit_course, ROUND(r.total * 10) AS t,
           ROW_NUMBER() OVER w AS i, COUNT(*) OVER w AS n
    FROM {ratings} r JOIN {sessions} s ON s.id = r.session_id AND s.attendance = %s
    WHERE r.course_id IN (SELECT fit_course FROM fit_courses) AND r.rater = %s
          AND r.instrument IN ({instruments}) AND r.total IS NOT NULL
    WINDOW w AS (PARTITION BY r.course_id ORDER BY r.date, r.created_at
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
),
fit_ends AS (
    SELECT fit_course, MAX(n) AS n, MAX(CASE WHEN i = 1 THEN t END) AS first_t,
           MAX(CASE WHEN i = n THEN t END) AS last_t
    FROM fit_ranked WHERE i = 1 OR i = n GROUP BY fit_course
),
fit_normed AS (
    SELECT COALESCE(e.n, 0) AS n, e.first_t, e.last_t, {cutoff} AS cutoff_t, {rci} AS rci_t
    FROM fit_courses c LEFT JOIN fit_ends e ON e.fit_course = c.fit_course
)
SELECT CASE
    WHEN n = 0 THEN 'none'
    WHEN n = 1 THEN 'single_rating'
    WHEN rci_t IS NULL THEN 'no_norm'
    WHEN last_t - first_t >= rci_t AND first_t < cutoff_t AND last_t >= cutoff_t
         THEN 'recovered'
    WHEN last_t - first_t >= rci_t THEN 'reliably_improved'
    WHEN first_t - last_t >= rci_t THEN 'deteriorated'
    ELSE 'no_change' END, COUNT(*)
FROM fit_normed GROUP BY 1
"""


def change_class_counts(courses, rater: str = Rating.Rater.CLIENT) -> dict:
    """Courses with an outcome rating by `rater` and their change classes, by the same
    rules as `with_change_class`. Two queries (the norms, then the counts)."""
    inner = courses.order_by().annotate(
        fit_course=F("pk"), fit_service=F("client__service_id"), fit_age=_intake_age(),
    ).values("fit_course", "fit_service", "fit_age")
    courses_sql, params = inner.query.sql_with_params()
    codes = [i.code for i in instruments.of_kind("outcome")]
    table = _norm_table()
    cutoff_sql, cutoff_params = _norm_sql(table, "cutoff")
    rci_sql, rci_params = _norm_sql(table, "rci")
    sql = COUNT_CLASSES.format(
        courses=courses_sql, ratings=Rating._meta.db_table, sessions=Session._meta.db_table,
        instruments=", ".join(["%s"] * len(codes)), cutoff=cutoff_sql, rci=rci_sql)
    with connections[inner.db].cursor() as cursor:
        cursor.execute(sql, [*params, Session.Attendance.ATTENDED, rater, *codes,
                             *cutoff_params, *rci_params])
        found = dict(cursor.fetchall())
    counts = {"courses_with_ors": sum(n for cls, n in found.items() if cls != "none")}
    for cls in (*CLASSES, "single_rating", "no_norm"):
        counts[cls] = found.get(cls, 0)
    return counts


def stored_change_class_counts(courses) -> dict:
    """`change_class_counts` of the young person's own ratings, read from each course's
    stored FIT state (spor.measures.state, kept current in the transaction of every change
    that can move it): one query, the courses with a state counted by its number of
    ratings and change class. A course without a stored state has no ratings. The same
    answer as the SQL over the ratings on any history (test_state.py)."""
    rows = (courses.order_by().filter(fit_state__outcome_count__gte=1)
            .values_list("fit_state__outcome_count", "fit_state__change")
            .annotate(n=Count("pk")).values_list("fit_state__outcome_count",
                                                  "fit_state__change", "n"))
    counts = Counter()
    for ratings, change, n in rows:
        counts["courses_with_ors"] += n
        if ratings == 1:
            counts["single_rating"] += n
        elif change == "":
            counts["no_norm"] += n
        elif change in CLASSES:
            counts[change] += n
    return {cls: counts[cls] for cls in ("courses_with_ors", *CLASSES, "single_rating",
                                          "no_norm")}


def session_counts(sessions) -> list[dict]:
    """Sessions by kind and attendance, as [{"kind", "attendance", "sessions"}]. One query,
    read from the index on the session date alone (it carries kind and attendance)."""
    rows = (sessions.order_by().values_list("kind", "attendance").annotate(n=Count("*"))
            .values_list("kind", "attendance", "n"))
    return [{"kind": kind, "attendance": attendance, "sessions": n}
            for kind, attendance, n in rows]


# The shares of attended sessions rated: (key, rater, kind of measure).
RATED = (("with_outcome", Rating.Rater.CLIENT, "outcome"),
         ("with_alliance", Rating.Rater.CLIENT, "alliance"),
         ("with_parent_outcome", Rating.Rater.PARENT, "outcome"))


def rated_session_shares(sessions, ratings, attended=None) -> dict:
    """Attended sessions (`attended`, when the caller has counted them), and how many have
    an outcome and an alliance rating by the young person and an outcome rating by a
    parent. `ratings` are the ratings of exactly the attended ones of these sessions,
    given apart so that the caller picks them the cheapest way for its sessions (a rating
    has its session's course and date): every service's from their own index, one
    service's through its sessions, found once.

    A session has at most one rating per measure and rater (rating_once_per_session), so
    the ratings count the sessions; a session rated with two measures of one kind (ORS
    and CORS) is counted once.
    """
    counts = Counter()
    for rater, code, n in (ratings.order_by().values_list("rater", "instrument")
                           .annotate(n=Count("*")).values_list("rater", "instrument", "n")):
        counts[(rater, code)] = n
    if attended is None:
        attended = sessions.filter(attendance=Session.Attendance.ATTENDED).count()
    shares = {"sessions": attended}
    for key, rater, kind in RATED:
        codes = [i.code for i in instruments.of_kind(kind) if counts[(rater, i.code)]]
        shares[key] = sum(counts[(rater, code)] for code in codes)
        if len(codes) > 1:
            # Sessions with the most used measure, and those with only the others.
            main = max(codes, key=lambda code: counts[(rater, code)])
            others = (ratings.filter(rater=rater, instrument__in=set(codes) - {main})
                      .exclude(Exists(Rating.objects.filter(
                          session=OuterRef("session"), rater=rater, instrument=main))))
            shares[key] = counts[(rater, main)] + others.values("session").distinct().count()
    return shares


def session_rating_shares(sessions) -> dict:
    """Attended sessions, and how many have an outcome and an alliance rating by the young
    person, and an outcome rating by a parent."""
    attended = sessions.filter(attendance=Session.Attendance.ATTENDED)
    return rated_session_shares(sessions, Rating.objects.filter(session__in=attended.values("pk")))


def _ymd(day):
    return ExtractYear(day) * 10000 + ExtractMonth(day) * 100 + ExtractDay(day)


def _intake_age():
    """Age at the start of the course, as Client.age_on: whole years from the birth date
    ((yyyymmdd − yyyymmdd) div 10000), or the age reached that year from a birth year."""
    day = Coalesce("start_date", "request_date")
    return Case(
        When(client__birth_date__isnull=False,
             then=Floor((_ymd(day) - _ymd("client__birth_date")) / Value(10000))),
        default=ExtractYear(day) - F("client__birth_year"),
        output_field=IntegerField(),
    )


def _norm_table() -> list[tuple]:
    """The norms in effect, as (service id or None for every service without norms of its
    own, those services, first age, last age or None, cutoff and reliable change in
    tenths). The ages are walked in Python with the same `norm_for` the pages use, so that
    SQL and pages agree."""
    rows = list(Norm.objects.all())
    services = sorted({r.service_id for r in rows if r.service_id is not None})
    table = []
    for service in [*services, None]:
        for low, high, norm in _age_ranges(in_effect(rows, service)):
            table.append((service, services, low, high, tenths(norm.cutoff),
                          tenths(norm.reliable_change)))
    return table


def _norm_cases():
    """The norm table as CASE expressions for annotations (fit_cutoff_t, fit_rci_t)."""
    cutoff_whens, rci_whens = [], []
    for service, services, low, high, cutoff, rci in _norm_table():
        if service is None:
            where = ~Q(client__service_id__in=services) if services else Q()
        else:
            where = Q(client__service_id=service)
        ages = Q(fit_age__gte=low) if high is None else Q(fit_age__gte=low, fit_age__lte=high)
        cutoff_whens.append(When(where & ages, then=Value(cutoff)))
        rci_whens.append(When(where & ages, then=Value(rci)))
    none = Value(None, output_field=IntegerField())
    return (Case(*cutoff_whens, default=none, output_field=IntegerField()),
            Case(*rci_whens, default=none, output_field=IntegerField()))


def _norm_sql(table, which) -> tuple[str, list]:
    """The norm table as a CASE over the columns fit_service and fit_age of COUNT_CLASSES."""
    sql, params = ["CASE"], []
    for service, services, low, high, cutoff, rci in table:
        if service is None:
            where = ("c.fit_service NOT IN (" + ", ".join(["%s"] * len(services)) + ")"
                     if services else "1 = 1")
            params += services
        else:
            where = "c.fit_service = %s"
            params.append(service)
        sql.append(f"WHEN {where} AND c.fit_age >= %s"
                   + (" AND c.fit_age <= %s" if high is not None else "") + " THEN %s")
        params += [low, *([high] if high is not None else []),
                   cutoff if which == "cutoff" else rci]
    if not table:
        return "CAST(NULL AS INTEGER)", []
    sql.append("END")
    return " ".join(sql), params


def _age_ranges(norms):
    """[(first age, last age or None, norm)] for the ages that have a norm."""
    ranges = []
    for age in range(0, MAX_AGE + 1):
        norm = norm_for(norms, instruments.outcome_for(age).code, age)
        if norm is None:
            continue
        if ranges and ranges[-1][2] is norm and ranges[-1][1] == age - 1:
            ranges[-1][1] = age
        else:
            ranges.append([age, age, norm])
    if ranges and ranges[-1][1] == MAX_AGE:
        ranges[-1][1] = None
    return [tuple(r) for r in ranges]
