"""Query counts and server time of the programmes' pages and yearly figures, small vs large.

    .venv/bin/python bench/programmes_pages.py            # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/programmes_pages.py

Two services are built in the same run: one with a handful of rows per programme, one
with years of them. For each page the number of queries and the median server time are
printed for both; the query counts must be equal.
"""

import datetime
import statistics
import time
from decimal import Decimal

from pages import measure  # sets Django up: first

# isort: split
from django.core.management import call_command
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.urls import reverse

from spor.accounts.models import Service, Team, User
from spor.clients.models import Client
from spor.lib.dates import today
from spor.programmes.figures import (
    consultancy_year,
    day_team_year,
    outreach_year,
    parent_courses_year,
)
from spor.programmes.models import (
    CaseConference,
    ConferenceCase,
    ConsultancyActivity,
    DayTeamAttendance,
    DayTeamEnrolment,
    FundingSource,
    Grant,
    OutreachContact,
    ParentAttendance,
    ParentCourse,
    ParentParticipant,
)

YEAR = 2025
DAY = datetime.timedelta(days=1)


def build(scale: int):
    """A service whose programmes hold `scale` times a small service's data."""
    service = Service.objects.create(name=f"Bench {scale} {time.time()}")
    parents = Team.objects.create(service=service, name="Forældre", kind="parents")
    day_team = Team.objects.create(service=service, name="Dagteam", kind="day_team")
    outreach = Team.objects.create(service=service, name="Opsøgende", kind="outreach")
    leader = User.objects.create_user(f"leader{service.pk}", password=None, role="leader",
                                      service=service)
    leader.teams.set([parents, day_team, outreach])
    start = datetime.date(YEAR - 2, 1, 6)
    # Parent courses every five weeks, the last one ending about two months ago, so that
    # the due list has surveys in both services.
    first_course = today() - (35 * scale + 85) * DAY
    biggest = None
    for n in range(scale):
        course = ParentCourse.objects.create(service=service, team=parents, name=f"K{n}",
                                             start_date=first_course + 35 * n * DAY)
        course.plan_evenings()
        people = [ParentParticipant.objects.create(course=course, name=f"Deltager {i}")
                  for i in range(8)]
        ParentAttendance.objects.bulk_create([ParentAttendance(evening=e, participant=p)
                                              for e in course.evenings.all() for p in people])
        biggest = course
    for i in range(min(scale, 7)):  # day team places with a year of attendance
        client = Client.objects.create(service=service, team=day_team, anonymous=False,
                                       first_name=f"Elev{i}", last_name="B", birth_year=2010)
        place = DayTeamEnrolment.objects.create(client=client, start_date=start)
        DayTeamAttendance.objects.bulk_create([
            DayTeamAttendance(enrolment=place, date=start + d * DAY, status="present")
            for d in range(0, 700) if (start + d * DAY).weekday() < 5])
    source = FundingSource.objects.create(service=service, name="Pulje", kind="ministry_pool")
    Grant.objects.create(source=source, starts=datetime.date(YEAR, 1, 1),
                         ends=datetime.date(YEAR, 12, 31), amount=Decimal(450000))
    contacts = OutreachContact.objects.bulk_create([
        OutreachContact(service=service, date=datetime.date(YEAR, 1, 1) + (i % 360) * DAY,
                        place_kind="street", young_people=5, families=1, hours=Decimal(2))
        for i in range(25 * scale)])
    OutreachContact.staff.through.objects.bulk_create([
        OutreachContact.staff.through(outreachcontact_id=c.pk, user_id=leader.pk)
        for c in contacts])
    OutreachContact.funding.through.objects.bulk_create([
        OutreachContact.funding.through(outreachcontact_id=c.pk, fundingsource_id=source.pk)
        for c in contacts])
    ConsultancyActivity.objects.bulk_create([
        ConsultancyActivity(service=service, date=datetime.date(YEAR, 1, 1) + (i % 360) * DAY,
                            kind="supervision", partner=f"Partner {i % 9}", hours=2)
        for i in range(8 * scale)])
    for month in range(1, 13):
        conference = CaseConference.objects.create(service=service, units_present="SSPK",
                                                   date=datetime.date(YEAR, month, 10))
        ConferenceCase.objects.bulk_create([ConferenceCase(conference=conference, summary="s",
                                                           advice="a") for _ in range(3)])
    return service, leader, biggest, source


def measure_figures(service, runs=20):
    rows = []
    for name, fn in (("parent_courses_year", parent_courses_year),
                     ("day_team_year", day_team_year), ("outreach_year", outreach_year),
                     ("consultancy_year", consultancy_year)):
        with CaptureQueriesContext(connection) as queries:
            fn(service, YEAR)
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            fn(service, YEAR)
            times.append((time.perf_counter() - began) * 1000)
        rows.append((name, len(queries), statistics.median(times)))
    return rows


def main():
    setup_test_environment()
    call_command("migrate", verbosity=0)
    results = []
    for scale, label in ((1, "small"), (40, "large (x40)")):
        service, leader, course, source = build(scale)
        browser = Browser()
        browser.force_login(leader)
        week = f"{reverse('day_team_week')}?week={YEAR}-06-02"
        report = (f"{reverse('outreach_funding_report', args=[source.pk])}"
                  f"?start={YEAR}-01-01&end={YEAR}-12-31")
        for page, url in (("parent courses", reverse("parent_courses")),
                          ("parent course page", reverse("parent_course", args=[course.pk])),
                          ("surveys due", reverse("parent_surveys")),
                          ("day team", reverse("day_team")),
                          ("day team week", week),
                          ("outreach list", f"{reverse('outreach')}?year={YEAR}"),
                          ("funding report", report),
                          ("consultancy", f"{reverse('consultancy')}?year={YEAR}")):
            results.append((page, label, *measure(browser, url)))
        for name, count, ms in measure_figures(service):
            results.append((name, label, count, ms))
    print(f"database: {connection.vendor}")
    for page, label, queries, ms in results:
        print(f"{page:20} {label:12} {queries:3} queries  median {ms:7.1f} ms")


if __name__ == "__main__":
    main()
