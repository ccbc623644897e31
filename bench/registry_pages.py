"""Query counts and server time of the caseload and a client page, small vs large.

    .venv/bin/python bench/registry_pages.py            # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/registry_pages.py

Prints, for each page, the number of queries and the median server time with little data
and with much more data, measured in the same run. The counts must be equal.
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
from spor.treatment.models import Course, Session

START = datetime.date(2024, 1, 1)


def make_clients(service, team, clinician, n_clients, n_sessions):
    made = []
    for i in range(n_clients):
        client = Client.objects.create(service=service, team=team, pseudonym=f"B{i}",
                                       birth_year=2008)
        course = Course.objects.create(client=client, team=team, clinician=clinician,
                                       kind="individual", start_date=START)
        sessions = [Session(course=course, date=START + datetime.timedelta(days=d % 600))
                    for d in range(n_sessions)]
        Session.objects.bulk_create(sessions)
        Session.staff.through.objects.bulk_create(
            [Session.staff.through(session_id=s.pk, user_id=clinician.pk) for s in sessions])
        made.append(client)
    return made


def main():
    setup_test_environment()
    call_command("migrate", verbosity=0)
    service = Service.objects.create(name=f"Bench {time.time()}")
    small_team = Team.objects.create(service=service, name="Small")
    big_team = Team.objects.create(service=service, name="Big")
    small = User.objects.create_user(f"small{service.pk}", password="x", role="clinician",
                                     service=service)
    big = User.objects.create_user(f"big{service.pk}", password="x", role="clinician",
                                   service=service)
    small.teams.set([small_team])
    big.teams.set([big_team])
    few = make_clients(service, small_team, small, 2, 2)
    many = make_clients(service, big_team, big, 60, 200)
    rows = []
    for user, clients, label in [(small, few, "2 clients x 2 sessions"),
                                 (big, many, "60 clients x 200 sessions")]:
        browser = Browser()
        browser.force_login(user)
        rows.append(("caseload", label, *measure(browser, reverse("caseload"))))
        rows.append(("client page", label,
                     *measure(browser, reverse("client_detail", args=[clients[0].pk]))))
    print(f"database: {connection.vendor}")
    for page, label, queries, ms in rows:
        print(f"{page:12} {label:28} {queries:3} queries  median {ms:7.1f} ms")


if __name__ == "__main__":
    main()
