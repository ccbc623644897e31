"""The client page with 200 sessions (each with ORS and SRS) against the same page with 2.

    python bench/client_page.py [renders]

Uses a fresh SQLite database in a temporary folder, or DATABASE_URL when set (give it a
database of its own: the script creates its data there). Prints the number of queries
of each page and the median server time of many renders of each, measured in the same run.
"""

import datetime
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spor.settings")
os.environ.setdefault("SPOR_DATA_DIR", tempfile.mkdtemp(prefix="spor-bench-"))
os.environ["SPOR_REQUIRE_2FA"] = "0"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as Browser  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from spor.accounts.models import Service, Team, User  # noqa: E402
from spor.clients.models import Client  # noqa: E402
from spor.measures import expected, instruments  # noqa: E402
from spor.measures.models import PlanChange, Rating  # noqa: E402
from spor.treatment.models import Course, Session  # noqa: E402


def young_person(service, team, clinician, name, sessions):
    client = Client.objects.create(service=service, team=team, pseudonym=name, birth_year=2009)
    start = datetime.date(2021, 1, 4)
    course = Course.objects.create(client=client, team=team, clinician=clinician,
                                   kind="individual", start_date=start)
    made = Session.objects.bulk_create(
        Session(course=course, date=start + datetime.timedelta(days=7 * i))
        for i in range(sessions))
    ratings = []
    for i, session in enumerate(made):
        total = min(14 + 12 * (1 - 0.9 ** i) + (i % 3) * 0.7, 39)
        for code, value in (("ORS", total), ("SRS", 37.5 + (i % 4) * 0.5)):
            scales = instruments.get(code).scales
            answers = {s.code: round(value / 4, 1) for s in scales}
            ratings.append(Rating(session=session, course=course, date=session.date,
                                  instrument=code, rater="client", answers=answers,
                                  total=round(sum(answers.values()), 1), source="paper"))
    Rating.objects.bulk_create(ratings)
    PlanChange.objects.bulk_create(PlanChange(session=s, note="Ny plan") for s in made[5::40])
    return client


def main(renders):
    call_command("migrate", verbosity=0)
    setup_test_environment()
    service = Service.objects.create(name=f"Bench {time.time_ns()}")
    team = Team.objects.create(service=service, name="Rådgivning")
    clinician = User.objects.create_user(f"bench{time.time_ns()}", role="clinician",
                                         service=service)
    clinician.teams.add(team)
    pages = {n: young_person(service, team, clinician, f"Ung {n}", n) for n in (2, 200)}
    for i in range(40):  # closed courses, so that the expected band is drawn
        young_person(service, team, clinician, f"Afsluttet {i}", 14)
    Course.objects.filter(client__pseudonym__startswith="Afsluttet").update(
        end_date=datetime.date(2021, 6, 1))
    expected.refit(service)
    browser = Browser()
    browser.force_login(clinician)
    queries, times = {}, {n: [] for n in pages}
    for n, client in pages.items():  # warm up, and count the queries
        url = f"/clients/{client.pk}/"
        with CaptureQueriesContext(connection) as captured:
            response = browser.get(url)
        assert response.status_code == 200 and b"<svg" in response.content, response
        queries[n] = len(captured)
    for _ in range(renders):  # interleaved, so both see the same machine
        for n, client in pages.items():
            begin = time.perf_counter()
            browser.get(f"/clients/{client.pk}/")
            times[n].append(time.perf_counter() - begin)
    engine = connection.vendor
    print(f"client page, {engine}, median of {renders} renders each:")
    for n in pages:
        print(f"  {n:>3} sessions with ORS and SRS: {queries[n]} queries, "
              f"{statistics.median(times[n]) * 1000:.1f} ms")
    if queries[2] != queries[200]:
        print("  THE NUMBER OF QUERIES GROWS WITH THE SESSIONS")
        sys.exit(1)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
