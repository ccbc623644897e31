"""The yearly report at national scale, against the physical floor and a hand-written SQL
lower bound, and one service's report on the national database against the same report
on a database holding that service alone.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_national python bench/national_report.py
    DATABASE_URL=... python bench/national_report.py --scale 0.25   # a quarter of the rows
    python bench/national_report.py          # SQLite: var/bench_national.sqlite3, 10x smaller

PostgreSQL: 100 services, 200,000 courses, 2,000,000 sessions, about 4,000,000 ratings at
scale 1 (`--scale` multiplies the courses and sessions, never the services). SQLite: a
tenth of that. Give it a database of its own: the data is made on the first run (with
bench/national_data.py) and reused afterwards; a different scale needs a new database.

Prints, each the median of 3 warm runs in this one run:
- the report's time (all sections, one year, every service);
- the physical floor: one COUNT(*) over each table the report reads, and the ratio
  (target: at most 3);
- the time of hand-written SQL computing the same aggregates, the ratio, and whether the
  two agree;
- PostgreSQL: one service's report on the national database against the same report on
  a database holding that service alone (made as DATABASE_URL's name + "_alone", its rows
  copied from the national one, both vacuumed and analyzed), and whether they agree
  (target: at most 1.5): the medians of 15 reports on each, taken in turns by two warm
  processes, by the clock and by processor time (the process's and its database
  server's, steadier on a busy machine), and the quartiles of the ratio within each turn;
- the time and peak memory of `spor report` run as a separate process in JSON and in PDF
  (target: at most 150 MB).
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench_national.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from national_data import generate  # noqa: E402
from timing import timed  # noqa: E402

from spor.accounts.models import Service  # noqa: E402
from spor.measures import state  # noqa: E402
from spor.measures.models import FitState, Rating  # noqa: E402
from spor.reports.build import make_report  # noqa: E402

YEAR = 2025
SIZES = {"postgresql": (100, 200_000, 2_000_000), "sqlite": (10, 20_000, 200_000)}
ORS_LINES = ("individually", "interpersonally", "socially", "overall")
SRS_LINES = ("relationship", "goals", "approach", "overall")


def lines(rng, total, codes):
    """Four lines of 0–10 in tenths adding up to about `total`."""
    tenths = max(0, min(400, round(total * 10)))
    parts = [tenths // 4] * 4
    for i in range(tenths % 4):
        parts[i] += 1
    return {code: part / 10 for code, part in zip(codes, parts, strict=True)}


def ratings(rng, courses, write):
    """About two ratings an attended session: the young person's ORS (97 %) on a course's
    own curve and SRS (95 %), and a parent's ORS (35 %)."""
    count = 0

    def rows():
        nonlocal count
        for sessions in courses:
            intake, slope = rng.uniform(8, 34), rng.uniform(-0.6, 1.6)
            for k, (session_id, course_id, day, _kind, attendance) in enumerate(sessions):
                if attendance != "attended":
                    continue
                for instrument, rater, p, total, codes in (
                        ("ORS", "client", 0.97, intake + slope * k, ORS_LINES),
                        ("SRS", "client", 0.95, rng.uniform(28, 40), SRS_LINES),
                        ("ORS", "parent", 0.35, intake + 3, ORS_LINES)):
                    if rng.random() < p:
                        answers = lines(rng, total, codes)
                        count += 1
                        yield {"session_id": session_id, "course_id": course_id,
                               "date": day, "instrument": instrument, "rater": rater,
                               "answers": answers, "total": round(sum(answers.values()), 1),
                               "source": "tablet",
                               "id": uuid.UUID(int=rng.getrandbits(128), version=4)}

    write(Rating, rows())
    return count


def ymd(column):
    if connection.vendor == "postgresql":
        return f"CAST(to_char({column}, 'YYYYMMDD') AS integer)"
    return f"CAST(strftime('%%Y%%m%%d', {column}) AS integer)"


def year_of(column):
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {column}) AS integer)"
    return f"CAST(strftime('%%Y', {column}) AS integer)"


def lower_bound_sql() -> list[str]:
    """Every aggregate of the report, written by hand as one pass over each table it
    needs: the year's courses (with their young people), the previous year's anonymous
    courses, the year's sessions, their ratings, and the ratings of the year's courses.
    Separate statements, because one UNION ALL of them plans worse than its parts."""
    began = "COALESCE(c.start_date, c.request_date)"
    age = (f"CASE WHEN cl.birth_date IS NOT NULL THEN ({ymd(began)} - {ymd('cl.birth_date')})"
           f" / 10000 ELSE {year_of(began)} - cl.birth_year END")
    band = ("CASE WHEN age < 15 THEN 'under 15' WHEN age <= 17 THEN '15-17' "
            "WHEN age <= 20 THEN '18-20' WHEN age <= 24 THEN '21-24' ELSE '25+' END")
    group = "CASE WHEN kind = 'anonymous_counselling' THEN 'anonymous' ELSE 'enrolled' END"
    materialized = "MATERIALIZED " if connection.vendor == "postgresql" else ""
    year_courses = f"""
  SELECT c.id, c.kind, c.outcome, c.main_substance, c.referral,
         c.occupation_at_start AS s0, c.occupation_at_end AS s1, {age} AS age
  FROM treatment_course c JOIN clients_client cl ON cl.id = c.client_id
  WHERE c.end_date BETWEEN %(start)s AND %(end)s"""  # noqa: S608 (dates are parameters)
    return [f"""
WITH yc AS {materialized}({year_courses})
SELECT 'outcome', CASE WHEN age < 18 THEN 'under_18' ELSE '18+' END, outcome, COUNT(*)
  FROM yc GROUP BY 2, 3
UNION ALL SELECT 'substance', main_substance, '', COUNT(*) FROM yc GROUP BY 2
UNION ALL SELECT 'age', {group}, {band}, COUNT(*) FROM yc GROUP BY 2, 3
UNION ALL SELECT 'referral', referral, '', COUNT(*) FROM yc GROUP BY 2
UNION ALL SELECT 'school', s0, s1, COUNT(*) FROM yc WHERE kind <> 'anonymous_counselling'
  GROUP BY 2, 3""",  # noqa: S608
        """
SELECT 'anonymous_previous', '', '', COUNT(*) FROM treatment_course
  WHERE kind = 'anonymous_counselling'
    AND end_date BETWEEN %(previous_start)s AND %(previous_end)s""",
        """
SELECT 'session', kind, attendance, COUNT(*) FROM treatment_session
  WHERE date BETWEEN %(start)s AND %(end)s GROUP BY 2, 3""",
        # One rating per session, measure and rater: counting ratings counts sessions.
        """
SELECT 'rated', r.instrument, r.rater, COUNT(*) FROM treatment_session s
  JOIN measures_rating r ON r.session_id = s.id
  WHERE s.date BETWEEN %(start)s AND %(end)s AND s.attendance = 'attended' GROUP BY 2, 3""",
        f"""
WITH ranked AS (
  SELECT r.course_id, ROUND(r.total * 10) AS t, COUNT(*) OVER w AS n, ROW_NUMBER() OVER w AS i
  FROM treatment_course c JOIN measures_rating r ON r.course_id = c.id
  WHERE c.end_date BETWEEN %(start)s AND %(end)s
    AND r.rater = 'client' AND r.instrument IN ('ORS', 'CORS')
  WINDOW w AS (PARTITION BY r.course_id ORDER BY r.date, r.created_at
               ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
), ends AS (
  SELECT n, MAX(CASE WHEN i = 1 THEN t END) AS f, MAX(CASE WHEN i = n THEN t END) AS l,
         MAX(CASE WHEN age >= 18 THEN 250 WHEN age >= 13 THEN 280 WHEN age >= 6 THEN 320 END)
           AS cut
  FROM ranked JOIN ({year_courses}) yc ON yc.id = ranked.course_id
  WHERE i = 1 OR i = n GROUP BY ranked.course_id, n
)
SELECT 'fit', CASE
    WHEN n = 1 THEN 'single_rating' WHEN cut IS NULL THEN 'no_norm'
    WHEN l - f >= 50 AND f < cut AND l >= cut THEN 'recovered'
    WHEN l - f >= 50 THEN 'reliably_improved' WHEN f - l >= 50 THEN 'deteriorated'
    ELSE 'no_change' END, '', COUNT(*) FROM ends GROUP BY 2"""]  # noqa: S608


def lower_bound():
    params = {"start": datetime.date(YEAR, 1, 1), "end": datetime.date(YEAR, 12, 31),
              "previous_start": datetime.date(YEAR - 1, 1, 1),
              "previous_end": datetime.date(YEAR - 1, 12, 31)}
    rows = []
    with connection.cursor() as cursor:
        for sql in lower_bound_sql():
            cursor.execute(sql, params)
            rows += cursor.fetchall()
    return rows


def agree(doc, rows):
    """The report's figures that the lower bound also computed, side by side."""
    found = {}
    for section, a, b, n in rows:
        found[(section, a, b)] = found.get((section, a, b), 0) + n

    def total(section, a=None, b=None):
        return sum(n for (s, x, y), n in found.items()
                   if s == section and a in (None, x) and b in (None, y))

    outcome = {o: total("outcome", None, o) for o in ("stopped", "reduced", "unchanged",
                                                       "increased")}
    outcome["unknown"] = total("outcome", None, "unknown") + total("outcome", None, "")
    pairs = [(doc["outcomes"]["all"][o]["count"], outcome[o]) for o in outcome]
    pairs.append((doc["outcomes"]["under_18"]["stopped"]["count"],
                  total("outcome", "under_18", "stopped")))
    pairs += [(doc["main_substance"][s]["count"], total("substance", s))
              for s in ("cannabis", "party_drugs", "alcohol")]
    pairs += [(doc["age_distribution"][g][band], total("age", g, band))
              for g in ("anonymous", "enrolled") for band in doc["age_bands"]]
    pairs.append((doc["anonymous_contacts"]["previous_year"], total("anonymous_previous")))
    pairs += [(doc["sessions"]["by_kind"][k]["count"], total("session", k, "attended"))
              for k in ("individual", "family", "group")]
    pairs += [(doc["fit"][c], total("fit", c)) for c in (
        "recovered", "reliably_improved", "no_change", "deteriorated", "single_rating")]
    return pairs


MEASURE = """
import resource, sys
from spor.cli import main
year, fmt, output = sys.argv[1:]
sys.argv = ["spor", "report", "--year", year, "--format", fmt, "--output", output]
main()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_memory(fmt):
    """Seconds and peak resident MB of `spor report` as a process of its own."""
    begin = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", MEASURE, str(YEAR), fmt, os.devnull],  # noqa: S603
                          check=True, env=os.environ, capture_output=True, text=True)
    return time.perf_counter() - begin, int(done.stdout.split()[-1]) / 1024


# The tables the report reads, for the physical floor.
TABLES = ["accounts_service", "accounts_team", "clients_client", "treatment_course",
          "treatment_session", "measures_rating", "measures_fitstate", "measures_norm",
          "programmes_parentcourse", "programmes_parentparticipant",
          "programmes_parentfollowup", "programmes_dayteamenrolment",
          "programmes_dayteamattendance", "programmes_teachingweek", "programmes_exam",
          "programmes_outreachcontact", "programmes_outreachcontact_staff",
          "programmes_outreachcontact_volunteers", "reports_nationalfigure"]


def floor():
    """One COUNT(*) over each table the report reads."""
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (our names)
            cursor.fetchone()


REPORT_ALONE = """
import json, os, sys, time
sys.path.insert(0, os.path.join(sys.argv[1], "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")
import django
django.setup()
from spor.accounts.models import Service
from spor.reports.build import make_report
from django.db import connection
service = Service.objects.get(name=sys.argv[2])
print(json.dumps(make_report(int(sys.argv[3]), service)), flush=True)  # warm, and the figures
with connection.cursor() as cursor:
    cursor.execute("SELECT pg_backend_pid()")
    backend = cursor.fetchone()[0]

def busy():
    # Processor seconds of this process and of its database server process so far.
    with open(f"/proc/{backend}/schedstat") as f:
        return time.process_time(), int(f.read().split()[0]) / 1e9

for _line in sys.stdin:
    begin, (ours, server) = time.perf_counter(), busy()
    make_report(int(sys.argv[3]), service)
    took = time.perf_counter() - begin
    ours, server = (now - then for now, then in zip(busy(), (ours, server)))
    print(took, ours + server, ours, server, flush=True)
"""

# Timed reports of one service on each database, taken in turns.
ROUNDS = 15


def one_service(urls, name):
    """([(seconds, processor seconds, of which the report's process and the database
    server's) of each round], report) of one service's report on
    each database at `urls`. Each database has a process of its own, warmed by one report;
    the processes then report in turns, the first one starting every other round, so that
    a change of the machine's load in the meantime weighs on both alike. The processor
    time is the process's and its database server process's (read from /proc, so the
    server must run on this machine; parallel workers are not counted): unlike the clock
    it does not count the time spent waiting for a processor on a busy machine."""
    children = [subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", REPORT_ALONE, str(ROOT), name, str(YEAR)],
        env={**os.environ, "DATABASE_URL": url}, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True) for url in urls]
    docs = [json.loads(child.stdout.readline()) for child in children]
    times = [[] for _ in children]
    for turn in range(ROUNDS):
        for i in (range(len(children)) if turn % 2 == 0 else reversed(range(len(children)))):
            children[i].stdin.write("\n")
            children[i].stdin.flush()
            times[i].append([float(x) for x in children[i].stdout.readline().split()])
    for child in children:
        child.stdin.close()
        child.wait()
    return times, docs


def copy_service_alone(service):
    """A database of the service alone: DATABASE_URL's name + "_alone", migrated, with the
    service's rows copied from the national one. Returns its URL."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    base, name = url.rsplit("/", 1)
    alone = f"{base}/{name}_alone"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}_alone"')
        admin.execute(f'CREATE DATABASE "{name}_alone"')
    subprocess.run([sys.executable, "-m", "spor", "migrate", "-v", "0"],  # noqa: S603
                   check=True, env={**os.environ, "DATABASE_URL": alone}, cwd=ROOT)
    clients = "SELECT id FROM clients_client WHERE service_id = %(s)s"
    courses = f"SELECT id FROM treatment_course WHERE client_id IN ({clients})"  # noqa: S608
    parts = [("accounts_service", "id = %(s)s"), ("accounts_team", "service_id = %(s)s"),
             ("clients_client", "service_id = %(s)s"),
             ("treatment_course", f"client_id IN ({clients})"),
             ("treatment_session", f"course_id IN ({courses})"),
             ("measures_rating", f"course_id IN ({courses})"),
             ("measures_fitstate", f"course_id IN ({courses})")]
    source = connection.cursor().cursor.connection
    with psycopg.connect(alone) as target:
        for table, where in parts:
            # The server binds the connection's parameters: a client cursor puts the
            # service's key into the query that COPY needs whole.
            query = psycopg.ClientCursor(source).mogrify(
                f"SELECT * FROM {table} WHERE {where}", {"s": service.pk})  # noqa: S608
            with source.cursor().copy(f"COPY ({query}) TO STDOUT") as out, \
                    target.cursor().copy(f"COPY {table} FROM STDIN") as into:
                for block in out:
                    into.write(block)
        target.commit()
        target.autocommit = True
        target.execute("VACUUM ANALYZE")  # as the national database was, once made
    return alone


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply the courses and sessions (default 1)")
    scale = parser.parse_args().scale
    call_command("migrate", verbosity=0)
    services, courses, sessions = SIZES[connection.vendor]
    courses, sessions = round(courses * scale), round(sessions * scale)
    made, begin = None, time.perf_counter()
    if not Service.objects.filter(name__startswith="Bench 2014-").exists():
        made = generate(services, courses, sessions, seed=2014, ratings=ratings)
    if not FitState.objects.exists():
        # The rows were written without signals: work out each course's FIT state, as
        # the import does after its bulk writes.
        made = {**(made or {}), "fit_states": state.rebuild()}
    with connection.cursor() as cursor:
        # As autovacuum would in time: statistics, and the visibility map that lets an
        # index be read without the table. Every run, as the database of the service
        # alone is, so that an index a migration added since the data was made is
        # planned with its statistics too.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    if made is not None:
        print(f"made {made} in {time.perf_counter() - begin:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT COUNT(*) FROM treatment_course), "
                       "(SELECT COUNT(*) FROM treatment_session), "
                       "(SELECT COUNT(*) FROM measures_rating)")
        n_courses, n_sessions, n_ratings = cursor.fetchone()
    print(f"{connection.vendor}: {Service.objects.count()} services, {n_courses:,} courses, "
          f"{n_sessions:,} sessions, {n_ratings:,} ratings; report of {YEAR}")

    ours, doc = timed(lambda: make_report(YEAR), repeat=3, warm=True)
    least, _nothing = timed(floor, repeat=3, warm=True)
    bound, rows = timed(lower_bound, repeat=3, warm=True)
    print(f"report (all sections):   {ours * 1000:8.0f} ms")
    print(f"physical floor:          {least * 1000:8.0f} ms  (COUNT(*) of {len(TABLES)} tables)")
    print(f"ratio to the floor:      {ours / least:8.2f}  (target <= 3)")
    print(f"hand-written SQL bound:  {bound * 1000:8.0f} ms")
    print(f"ratio to the SQL:        {ours / bound:8.2f}")
    pairs = agree(doc, rows)
    wrong = [pair for pair in pairs if pair[0] != pair[1]]
    print(f"figures compared: {len(pairs)}, "
          + ("all the same" if not wrong else f"DIFFERENT: {wrong}"))
    if connection.vendor == "postgresql":
        service = Service.objects.filter(name__startswith="Bench 2014-").order_by("name")[0]
        alone_url = copy_service_alone(service)
        (national, by_itself), (one, same) = one_service(
            [os.environ["DATABASE_URL"], alone_url], service.name)
        for i, measure in enumerate(("clock", "processor")):
            ours, theirs = ([turn[i] for turn in runs] for runs in (national, by_itself))
            ratios = sorted(n / a for n, a in zip(ours, theirs, strict=True))
            print(f"one service, national database: {statistics.median(ours) * 1000:6.0f} ms "
                  f"by the {measure}  (median of {ROUNDS}, in turns with the next)")
            print(f"the same service alone:         {statistics.median(theirs) * 1000:6.0f} ms")
            print(f"ratio:                          "
                  f"{statistics.median(ours) / statistics.median(theirs):6.2f}  (target <= 1.5);"
                  f" of each turn's pair: {ratios[len(ratios) // 4]:.2f}-"
                  f"{ratios[3 * len(ratios) // 4]:.2f} (quartiles)")
        for runs, where in ((national, "national"), (by_itself, "alone")):
            ours, server = (statistics.median(turn[i] for turn in runs) * 1000 for i in (2, 3))
            print(f"  processor, {where}: the report's process {ours:.1f} ms, "
                  f"the database server {server:.1f} ms")
        print("one service's figures: "
              + ("the same on both" if one == same else "DIFFERENT"))
    for fmt in ("json", "pdf"):
        seconds, peak = peak_memory(fmt)
        print(f"spor report --format {fmt}: {seconds:5.1f} s, peak memory {peak:5.0f} MB")


if __name__ == "__main__":
    main()
