"""FIT change classes for the yearly statistics at scale, against a hand-written SQL pass.

    DATABASE_URL=postgres://…/DB python bench/fit_stats.py [courses]

Creates `courses` courses ended in 2025 (default 20,000; about a national year), each with
about ten sessions rated with ORS and SRS, plus as many older courses, then times
`change_class_counts` (median of 5) and one hand-written SQL query computing the same
counts with window functions, in the same run. PostgreSQL only; give it a database of
its own: it leaves its data there.
"""

import datetime
import os
import random
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from timing import timed  # noqa: E402

from spor.accounts.models import Service, Team  # noqa: E402
from spor.clients.models import Client  # noqa: E402
from spor.measures.models import Rating  # noqa: E402
from spor.measures.stats import change_class_counts  # noqa: E402
from spor.treatment.models import Course, Session  # noqa: E402

# Ages 13–17 (cutoff 28) and 18+ (25), reliable change 5: the default norms.
LOWER_BOUND = """
WITH firsts AS (
  SELECT r.course_id,
         first_value(r.total) OVER w AS first, last_value(r.total) OVER w AS last,
         count(*) OVER w AS n, row_number() OVER w AS i
  FROM measures_rating r JOIN treatment_course c ON c.id = r.course_id
  WHERE c.end_date BETWEEN '2025-01-01' AND '2025-12-31' AND r.rater = 'client'
    AND r.instrument IN ('ORS', 'CORS')
  WINDOW w AS (PARTITION BY r.course_id ORDER BY r.date, r.created_at
               ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
), per_course AS (
  SELECT f.*, CASE WHEN date_part('year', age(c.start_date, cl.birth_date)) >= 18
                   THEN 25 ELSE 28 END AS cutoff
  FROM firsts f JOIN treatment_course c ON c.id = f.course_id
  JOIN clients_client cl ON cl.id = c.client_id WHERE f.i = 1
)
SELECT CASE WHEN n = 1 THEN 'single_rating'
            WHEN last - first >= 5 AND first < cutoff AND last >= cutoff THEN 'recovered'
            WHEN last - first >= 5 THEN 'reliably_improved'
            WHEN first - last >= 5 THEN 'deteriorated' ELSE 'no_change' END, count(*)
FROM per_course GROUP BY 1
"""


def populate(n):
    """The bench's data, made once per size: a second run reuses it."""
    existing = Service.objects.filter(name=f"FIT bench {n}").first()
    if existing is not None:
        return (existing, Session.objects.filter(course__client__service=existing).count(),
                Rating.objects.filter(course__client__service=existing).count())
    rng = random.Random(2014)  # noqa: S311 (made-up data)
    service = Service.objects.create(name=f"FIT bench {n}")
    team = Team.objects.create(service=service, name="Rådgivning")
    clients = Client.objects.bulk_create(
        Client(service=service, team=team, anonymous=False, birth_year=born.year,
               birth_date=born)
        for born in (datetime.date(1995, 1, 1) + datetime.timedelta(days=rng.randint(0, 4000))
                     for _ in range(n)))
    courses = []
    for i, client in enumerate(clients):
        for year in (2025, 2023):
            start = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randint(0, 200))
            courses.append(Course(client=client, team=team, kind="individual",
                                  start_date=start,
                                  end_date=start + datetime.timedelta(days=100 + i % 60)))
    Course.objects.bulk_create(courses, batch_size=5000)
    sessions, ratings = [], []
    for course in courses:
        intake = rng.uniform(8, 32)
        for k in range(rng.randint(1, 14)):
            day = course.start_date + datetime.timedelta(days=7 * k)
            session = Session(course=course, date=day)
            sessions.append(session)
            for code, total in (("ORS", min(intake + k * rng.uniform(-0.5, 1.5), 40)),
                                ("SRS", rng.uniform(30, 40))):
                if rng.random() < 0.9:
                    ratings.append(Rating(session=session, course=course, date=session.date,
                                          instrument=code, rater="client", answers={},
                                          total=round(total, 1), source="import"))
    Session.objects.bulk_create(sessions, batch_size=5000)
    Rating.objects.bulk_create(ratings, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return service, len(sessions), len(ratings)


def main(n):
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL")
    call_command("migrate", verbosity=0)
    begin = time.perf_counter()
    service, n_sessions, n_ratings = populate(n)
    print(f"{2 * n} courses, {n_sessions} sessions, {n_ratings} ratings ready in "
          f"{time.perf_counter() - begin:.0f} s")
    ended = Course.objects.filter(client__service=service, end_date__year=2025)
    ours, counts = timed(lambda: change_class_counts(ended))

    def lower_bound():
        with connection.cursor() as cursor:
            cursor.execute(LOWER_BOUND)
            return dict(cursor.fetchall())

    sql, found = timed(lower_bound)
    print(f"change_class_counts: {ours * 1000:.0f} ms  {counts}")
    print(f"hand-written SQL:    {sql * 1000:.0f} ms  {found}")
    print(f"ratio: {ours / sql:.2f}")
    classes = ("recovered", "reliably_improved", "no_change", "deteriorated", "single_rating")
    same = all(counts[c] == found.get(c, 0) for c in classes)
    print("same counts" if same else "THE COUNTS DIFFER")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
