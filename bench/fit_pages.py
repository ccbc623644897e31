"""FIT pages at scale against a trivial logged-in page, measured in the same run.

    .venv/bin/python bench/fit_pages.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/fit_pages.py

A leader's own caseload, team caseload and FIT overview over 2 and over 500 active
courses, each course with 20 attended sessions rated ORS and SRS, and a client page with
200 rated sessions (its FIT panel kept from the last visit, and worked out anew). Prints,
per page, the queries, the median server time and the median processor time of the
process (steadier on a busy machine), each with its ratio to the trivial page (the unread
count of requests). The data is analyzed first, as autovacuum would.
Target: the same queries at 2 and 500 courses, and every ratio at most 10. Also prints
how long the stored FIT state takes to rebuild for the 500 courses.
"""

import datetime
import time

from pages import measure  # sets Django up: first

# isort: split
from django.core.management import call_command
from django.db import connection
from django.test import Client as Browser
from django.test.utils import setup_test_environment
from django.urls import reverse

from spor.accounts.models import Service, Team, User
from spor.clients.models import Client
from spor.measures import state
from spor.measures.models import Rating
from spor.measures.templatetags.fit import PANELS
from spor.measures.tests.helpers import lines
from spor.treatment.models import Course, Session

START = datetime.date(2025, 1, 6)


def courses(service, team, clinician, n, sessions):
    """`n` active courses of `sessions` weekly sessions, each rated ORS and SRS, written in
    bulk (as an import does), then their FIT state worked out once."""
    made = []
    for i in range(n):
        client = Client.objects.create(service=service, team=team, pseudonym=f"B{i}",
                                       birth_year=2008, gender="male")
        course = Course.objects.create(client=client, team=team, clinician=clinician,
                                       kind="individual", start_date=START)
        rows = Session.objects.bulk_create([
            Session(course=course, date=START + datetime.timedelta(days=7 * k))
            for k in range(sessions)])
        ratings = []
        for k, session in enumerate(rows):
            ors = min(12 + (i % 9) + k * 0.6 - (k % 3), 40)
            srs = 39 if (i + k) % 7 else 33
            for code, value in (("ORS", ors), ("SRS", srs)):
                answers = lines(value, code)
                ratings.append(Rating(session=session, course=course, date=session.date,
                                      instrument=code, answers=answers,
                                      total=sum(answers.values())))
        Rating.objects.bulk_create(ratings)
        made.append(course)
    return made


def main():
    setup_test_environment()
    call_command("migrate", verbosity=0)
    service = Service.objects.create(name=f"Bench {time.time()}")
    teams = {size: Team.objects.create(service=service, name=f"{size}") for size in (2, 500)}
    leaders, made = {}, {}
    for size, team in teams.items():
        leader = User.objects.create_user(f"leader{size}-{service.pk}", password="x",  # noqa: S106
                                          role="leader", service=service)
        leader.teams.set([team])
        leaders[size] = leader
        made[size] = courses(service, team, leader, size, 20)
    deep = courses(service, teams[2], leaders[2], 1, 200)[0]
    began = time.perf_counter()
    state.refresh_services([service.pk])
    rebuild = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    rows = []
    browser = Browser()
    browser.force_login(leaders[2])
    base_q, base_ms, base_cpu = measure(browser, reverse("talk_request_count"), cpu=True)
    rows.append(("trivial page", "", base_q, base_ms, base_cpu))
    for size in (2, 500):
        browser = Browser()
        browser.force_login(leaders[size])
        label = f"{size} courses x 20 rated sessions"
        rows.append(("caseload", label,
                     *measure(browser, reverse("caseload"), runs=10, cpu=True)))
        rows.append(("team caseload", label,
                     *measure(browser, reverse("caseload") + "?scope=team", runs=10,
                              cpu=True)))
        rows.append(("FIT overview", label, *measure(browser, reverse("fit_overview"), runs=10,
                                                     cpu=True)))
    browser = Browser()
    browser.force_login(leaders[2])
    url = reverse("client_detail", args=[deep.client.pk])
    rows.append(("client page", "200 rated sessions, FIT panel kept",
                 *measure(browser, url, cpu=True)))
    drawn, drawn_cpu = [], []
    for _ in range(5):
        PANELS.clear()
        began, began_cpu = time.perf_counter(), time.process_time()
        browser.get(url)
        drawn.append((time.perf_counter() - began) * 1000)
        drawn_cpu.append((time.process_time() - began_cpu) * 1000)
    rows.append(("client page", "200 rated sessions, panel worked out", rows[-1][2],
                 sorted(drawn)[2], sorted(drawn_cpu)[2]))

    print(f"database: {connection.vendor}")
    print(f"FIT state of {Course.objects.filter(client__service=service).count()} courses "
          f"worked out in {rebuild:.1f} s")
    for page, label, queries, ms, cpu in rows:
        print(f"{page:14} {label:36} {queries:3} queries  median {ms:7.1f} ms "
              f"{ms / base_ms:5.1f}x trivial, processor {cpu:6.1f} ms {cpu / base_cpu:5.1f}x")


if __name__ == "__main__":
    main()
