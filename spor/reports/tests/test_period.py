"""A period other than the calendar year applies to every section: the seed's "since 2012"
figures (parent courses, their participants and follow-ups), the day team and outreach,
as well as the courses. Designed data from 2009 to 2015 whose counts are worked out by
hand; the period is 2012–2014."""

import datetime
import io
import json

from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse

from spor.accounts.models import Service, Team, User
from spor.lib.testing import make_user
from spor.programmes.models import (
    DayTeamAttendance,
    DayTeamEnrolment,
    Exam,
    OutreachContact,
    ParentFollowup,
    ParentParticipant,
)
from spor.programmes.tests.helpers import make_parent_course
from spor.reports.build import Scope, make_report
from spor.reports.tests.test_report import course
from spor.treatment.models import Session

D = datetime.date
FROM, TO = D(2012, 1, 1), D(2014, 12, 31)


def parents(parent_course, n, due_3m, due_1y, answer="smaller"):
    """`n` participants whose 3-month survey (due `due_3m`) says `answer` and whose 1-year
    survey (due `due_1y`) was never answered."""
    for i in range(n):
        participant = ParentParticipant.objects.create(course=parent_course, name=f"F {i}")
        ParentFollowup.objects.filter(participant=participant, when="3m").update(
            due_date=due_3m, answers={"child_use": answer, "uses_new_options": "yes"},
            source="staff")
        ParentFollowup.objects.filter(participant=participant, when="1y").update(
            due_date=due_1y, answers={}, source="")


class PeriodTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.service = s = Service.objects.create(name="Helsingung", small_cell_threshold=3,
                                                 day_team_capacity=4)
        team = Team.objects.create(service=s, name="Rådgivning")
        # Courses: 3 ended in 2012, 4 in 2013 and 5 in 2014 (12 stopped or reduced); not
        # counted: 2 ended in 2011 and 2 in 2015.
        for year, n, outcome in [(2012, 3, "stopped"), (2013, 4, "reduced"),
                                 (2014, 5, "stopped"), (2011, 2, "stopped"),
                                 (2015, 2, "unchanged")]:
            for _ in range(n):
                c = course(s, team, 16, outcome, start=D(year, 2, 1), end=D(year, 6, 1))
                Session.objects.create(course=c, date=D(year, 3, 1), kind="individual",
                                       attendance="attended")
        # Anonymous contacts: 6 in the period; 3 in 2009–2011, the period before it
        # (1 in 2011, 2 in 2009), and 1 in 2008, before that.
        for end in [D(2012, 5, 1)] * 3 + [D(2014, 11, 1)] * 3 + [D(2011, 5, 1)] + [
                D(2009, 5, 1)] * 2 + [D(2008, 5, 1)]:
            course(s, team, 17, kind="anonymous_counselling", anonymous=True,
                   start=end - datetime.timedelta(days=30), end=end)

        # Parent courses: 2012 (5 parents), 2013 (6) and 2014 (7) are the period's 3
        # courses and 18 parents; 2011 (4) and 2015 (3) are not. 3-month surveys fall due
        # three months after each course, 1-year surveys a year after: in the period are
        # the 3-month surveys of 2012–2014 (18; of 2011's course, due in 2011, none) and
        # the 1-year surveys of 2011–2013 (4 + 5 + 6 = 15).
        parent_team = Team.objects.create(service=s, name="Forældre", kind=Team.Kind.PARENTS)
        for year, n, answer in [(2011, 4, "stopped"), (2012, 5, "smaller"),
                                (2013, 6, "stopped"), (2014, 7, "smaller"),
                                (2015, 3, "stopped")]:
            spring = make_parent_course(s, parent_team, D(year, 3, 6), name=str(year))
            parents(spring, n, D(year, 8, 1), D(year + 1, 6, 1), answer)

        # Day team: three young people with a place of one week (5 weekdays) in 2012, one
        # of two weeks across the new year 2013/14 (all 10 days in the period), and one
        # in 2015; attendance on one day of each place; exams in 2013 and 2015.
        day_team = Team.objects.create(service=s, name="Dagteam", kind=Team.Kind.DAY_TEAM)
        places = [(D(2012, 1, 9), D(2012, 1, 13))] * 3 + [(D(2013, 12, 23), D(2014, 1, 3)),
                                                          (D(2015, 1, 5), D(2015, 1, 9))]
        for first, last in places:
            place = DayTeamEnrolment.objects.create(
                client=course(s, day_team, 16, start=D(2016, 1, 4), end=None).client,
                start_date=first, end_date=last)
            DayTeamAttendance.objects.create(enrolment=place, date=first, status="present")
            Exam.objects.create(enrolment=place, subject="danish", grade=7,
                                exam_date=D(2013, 6, 1) if first.year < 2015 else last)

        # Outreach: 3 contacts in the period (1 + 2 + 4 young people), 2 outside it.
        for day, young_people in [(D(2011, 12, 31), 10), (D(2012, 1, 1), 1),
                                  (D(2013, 6, 1), 2), (D(2014, 12, 31), 4),
                                  (D(2015, 1, 1), 20)]:
            OutreachContact.objects.create(service=s, date=day, place_kind="street",
                                           young_people=young_people, hours=1)

    def report(self):
        return make_report(2014, self.service, start=FROM, end=TO)

    def test_courses_and_sessions_are_those_of_the_period(self):
        doc = self.report()
        self.assertEqual(doc["period"], {"from": "2012-01-01", "to": "2014-12-31"})
        self.assertEqual(doc["outcomes"]["all"]["n"], 12 + 6)  # and the anonymous courses
        self.assertEqual(doc["outcomes"]["all"]["reduced"]["count"], 4)
        self.assertEqual(doc["sessions"]["by_kind"]["individual"]["count"], 12)

    def test_anonymous_contacts_compare_with_the_period_before_it(self):
        self.assertEqual(Scope(2014, start=FROM, end=TO).previous(),
                         (D(2009, 1, 1), D(2011, 12, 31)))
        self.assertEqual(self.report()["anonymous_contacts"],
                         {"this_year": 6, "previous_year": 3, "change_percent": 100})

    def test_parent_courses_ended_in_the_period_and_surveys_due_in_it(self):
        found = self.report()["parent_courses"]
        self.assertEqual((found["courses"], found["participants"]), (3, 18))
        three = found["followup_3m"]
        self.assertEqual((three["due"], three["answered"]), (18, 18))
        self.assertEqual(three["child_use"]["smaller"], {"count": 12, "percent": 67})
        self.assertEqual(three["child_use"]["stopped"], {"count": 6, "percent": 33})
        one = found["followup_1y"]
        self.assertEqual((one["due"], one["answered"]), (15, 0))
        self.assertEqual(one["child_use"]["not_answered"], {"count": 15, "percent": 100})

    def test_day_team_places_attendance_and_exams_of_the_period(self):
        day = self.report()["day_team"]
        self.assertEqual((day["young_people"], day["started"], day["ended"]), (4, 4, 4))
        self.assertEqual(day["place_days"], 3 * 5 + 10)
        # 261 weekdays in each of 2012, 2013 and 2014, four places.
        self.assertEqual(day["place_days_available"], 4 * 3 * 261)
        self.assertEqual(day["attendance"]["present"], 4)
        self.assertEqual(day["exams"]["exams"], 4)

    def test_outreach_contacts_of_the_period(self):
        outreach = self.report()["outreach"]
        self.assertEqual((outreach["contacts"], outreach["young_people"]), (3, 7))

    def test_a_calendar_year_still_covers_that_year_only(self):
        doc = make_report(2014, self.service)
        self.assertEqual((doc["parent_courses"]["courses"], doc["outreach"]["contacts"]),
                         (1, 1))
        self.assertEqual(doc["parent_courses"]["followup_1y"]["due"], 6)

    def test_the_command_takes_a_period_without_a_year(self):
        out = io.StringIO()
        call_command("report", "--service", "Helsingung", "--from", "2012-01-01",
                     "--to", "2014-12-31", stdout=out)
        doc = json.loads(out.getvalue())
        self.assertEqual((doc["year"], doc["parent_courses"]["participants"],
                          doc["outreach"]["contacts"]), (2014, 18, 3))

    def test_bad_dates_on_the_command_line_name_the_option(self):
        for args, message in [
                (["--from", "2012-13-01", "--to", "2014-12-31"], "--from: '2012-13-01'"),
                (["--from", "2012-01-01", "--to", "31.12.2014"], "--to: '31.12.2014'"),
                (["--from", "2015-01-01", "--to", "2014-12-31"], "--from: 2015-01-01 is after"),
                (["--year", "2013", "--from", "2014-01-01"], "--from: 2014-01-01 is after"),
                (["--from", "2012-01-01"], "--year: give a year, or a period")]:
            with self.assertRaisesMessage(CommandError, message):
                call_command("report", *args, stdout=io.StringIO())


class PeriodPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        PeriodTests.setUpTestData.__func__(cls)
        make_user(cls.service, "ali", User.Role.ANALYST)

    def setUp(self):
        self.client.force_login(User.objects.get(username="ali"))

    def get(self, **query):
        return self.client.get(reverse("statistics"), {"year": 2014, **query})

    def test_the_page_covers_the_period_in_every_section(self):
        doc = json.loads(self.get(start="2012-01-01", end="2014-12-31", format="json").content)
        self.assertEqual((doc["parent_courses"]["participants"], doc["outreach"]["contacts"],
                          doc["day_team"]["place_days"]), (18, 3, 25))

    def test_bad_dates_on_the_page_name_the_field(self):
        page = self.get(start="2012-13-01", end="2014-12-31")
        self.assertContains(page, 'href="#id_start"')
        self.assertNotContains(page, 'class="report-section"')
        page = self.get(start="2015-01-01", end="2014-12-31")
        self.assertContains(page, 'href="#id_end"')
        self.assertContains(page, "Perioden slutter, før den begynder.")
