"""The session form, its GET and its POST, against a trivial logged-in page, same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/session_form.py

A leader's team of five with 20 active courses of 20 attended sessions rated ORS and SRS,
each client with two relatives (so that both lists of checkboxes are drawn). Prints per
page the queries, the median server time and the median processor time of the process
(steadier on a busy machine) and its ratio to the trivial page (the unread count of
requests). Each POST registers one session, dated after the made ones, with a rating's
FIT state refreshed as in use. With --html FOLDER, also writes the form's HTML (empty and
with errors, Danish and English) there, to compare before and after a change.
"""

import argparse
import re
import statistics
import time
from pathlib import Path

from pages import measure  # sets Django up: first

# isort: split
from django.core.management import call_command
from django.db import connection
from django.test import Client as Browser
from django.test.utils import setup_test_environment
from django.urls import reverse
from fit_pages import courses

from spor.accounts.models import Service, Team, User
from spor.clients.models import Relative
from spor.measures import state

TOKEN = re.compile(r'name="(csrfmiddlewaretoken|form_token)" value="([^"]+)"')


def post_times(browser, urls, runs):
    """Median (server, processor) milliseconds of the POST alone, a new course each time."""
    times, cpu = [], []
    for i in range(runs):
        url = urls[i % len(urls)]
        body = browser.get(url).content.decode()
        data = {**dict(TOKEN.findall(body)), "kind": "individual", "attendance": "attended",
                "date": "2026-01-05", "duration_min": "45"}
        began, began_cpu = time.perf_counter(), time.process_time()
        response = browser.post(url, data)
        times.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
        assert response.status_code == 302, response.status_code
    return statistics.median(times), statistics.median(cpu)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--html", type=Path)
    args = parser.parse_args()
    setup_test_environment()
    call_command("migrate", verbosity=0)
    service = Service.objects.create(name=f"Bench {time.time()}")
    team = Team.objects.create(service=service, name="Team")
    leader = User.objects.create_user(f"formleader-{service.pk}", password="x",  # noqa: S106
                                      role="leader", service=service)
    leader.teams.set([team])
    for i in range(4):
        User.objects.create_user(f"formstaff{i}-{service.pk}", role="clinician",
                                 service=service, first_name="Kim", last_name=f"S{i}"
                                 ).teams.set([team])
    made = courses(service, team, leader, 20, 20)
    for course in made:
        Relative.objects.create(client=course.client, kind="parent", name="Mor")
        Relative.objects.create(client=course.client, kind="caseworker", name="Sagsbehandler")
    state.refresh_services([service.pk])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    urls = [reverse("session_new", args=[c.pk]) for c in made]

    browser = Browser()
    browser.force_login(leader)
    if args.html:
        args.html.mkdir(parents=True, exist_ok=True)
        for lang in ("da", "en"):
            browser.cookies["django_language"] = lang
            for name, response in (("get", browser.get(urls[0])),
                                   ("errors", browser.post(urls[0], {"duration_min": "x",
                                                                     "staff": ["nobody"]}))):
                html = re.sub(r'value="[^"]{20,}"', 'value="TOKEN"', response.content.decode())
                (args.html / f"{name}-{lang}.html").write_text(html)
        browser.cookies.pop("django_language")
    rows = [("trivial page", *measure(browser, reverse("talk_request_count"), args.runs, True))]
    rows.append(("session form GET", *measure(browser, urls[0], args.runs, True)))
    rows.append(("session form POST", "", *post_times(browser, urls, args.runs)))
    base = rows[0][3]
    print(f"{'page':20} {'queries':>7} {'ms':>7} {'cpu ms':>7} {'cpu ratio':>9}")
    for name, queries, ms, cpu in rows:
        print(f"{name:20} {queries!s:>7} {ms:7.1f} {cpu:7.1f} {cpu / base:9.1f}")


if __name__ == "__main__":
    main()
