"""The FIT, parent course, day team and outreach sections on designed data, for one service
and for every service together."""

import datetime
from decimal import Decimal

from django.test import TestCase

from spor.accounts.models import Service, Team
from spor.clients.models import Client
from spor.measures.tests.helpers import course_with
from spor.programmes.models import (
    DayTeamAttendance,
    DayTeamEnrolment,
    Exam,
    OutreachContact,
    ParentFollowup,
    ParentParticipant,
)
from spor.programmes.tests.helpers import make_parent_course
from spor.reports.build import make_report

D = datetime.date
START, END = D(2014, 3, 3), D(2014, 10, 1)


def young(service, team, age):
    born = D(START.year - age, START.month, START.day)
    return Client.objects.create(service=service, team=team, anonymous=False, first_name="Ung",
                                 birth_date=born, birth_year=born.year)


def fit_courses(service, team, totals, times=3, age=16, srs=(), end=END):
    for _ in range(times):
        course_with(young(service, team, age), team, totals, start=START, end=end, srs=srs)


class FitSectionTests(TestCase):
    """ORS for 13–17-year-olds: clinical cutoff 28, reliable change 5."""

    @classmethod
    def setUpTestData(cls):
        cls.service = Service.objects.create(name="Designet", small_cell_threshold=3)
        s, t = cls.service, Team.objects.create(service=cls.service, name="T")
        fit_courses(s, t, [20, 30], srs=(36, 36))  # recovered: +10 across 28
        fit_courses(s, t, [30, 36])                 # reliably improved, above the cutoff
        fit_courses(s, t, [20, 24.9])               # no reliable change (4.9 < 5)
        fit_courses(s, t, [30, 25])                 # reliably deteriorated (−5)
        fit_courses(s, t, [20, None])               # one rating only
        fit_courses(s, t, [20, 30], age=5)          # no norm under 6 years
        fit_courses(s, t, [None, None], times=1)    # never rated: not a course with ORS
        fit_courses(s, t, [20, 30], end=D(2015, 1, 5))  # ends next year: not counted
        other = Service.objects.create(name="Nabo", small_cell_threshold=3)
        fit_courses(other, Team.objects.create(service=other, name="T"), [20, 30])

    def test_change_classes_of_the_years_courses(self):
        fit = make_report(2014, self.service)["fit"]
        self.assertEqual({k: v for k, v in fit.items() if k != "sessions_rated"}, {
            "courses_with_ors": 18, "recovered": 3, "reliably_improved": 3, "no_change": 3,
            "deteriorated": 3, "single_rating": 3, "no_norm": 3})

    def test_share_of_the_years_attended_sessions_that_were_rated(self):
        # 2 sessions in each of 19 courses ended in 2014, and the 3 courses ending in 2015
        # had their 6 sessions in 2014 too: 44 sessions; 33 + 6 with an ORS, 6 with an SRS.
        self.assertEqual(make_report(2014, self.service)["fit"]["sessions_rated"], {
            "sessions": 44, "with_ors_percent": 89, "with_srs_percent": 14,
            "with_parent_ors_percent": 0})

    def test_small_change_classes_are_suppressed_with_a_complement(self):
        fit = make_report(2014, self.service, threshold=4)["fit"]
        self.assertEqual(fit["courses_with_ors"], 18)
        self.assertTrue(fit["suppressed"])
        hidden = [k for k in ("recovered", "reliably_improved", "no_change", "deteriorated",
                              "single_rating", "no_norm") if fit[k] is None]
        self.assertEqual(len(hidden), 6)  # every class counts 3 < 4

    def test_every_service_together(self):
        fit = make_report(2014)["fit"]
        self.assertEqual((fit["courses_with_ors"], fit["recovered"]), (21, 6))


def followup(participant, when, due, answers=None):
    """Answer (or, with None, leave open) a participant's survey due on `due`."""
    ParentFollowup.objects.filter(participant=participant, when=when).update(
        due_date=due, answers=answers or {}, source="staff" if answers is not None else "")


class ParentCourseSectionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.service = s = Service.objects.create(name="Designet", small_cell_threshold=3)
        team = Team.objects.create(service=s, name="Forældre", kind=Team.Kind.PARENTS)
        spring = make_parent_course(s, team, D(2014, 3, 4), name="Forår")
        autumn = make_parent_course(s, team, D(2014, 8, 5), name="Efterår")
        last_year = make_parent_course(s, team, D(2013, 3, 5), name="2013")
        answers = (
            [{"child_use": "smaller", "uses_new_options": "yes"}] * 3
            + [{"child_use": "stopped", "uses_new_options": "yes"}] * 3
            + [{"child_use": "dont_know", "uses_new_options": "dont_know"}] * 3
            + [{"child_use": None, "uses_new_options": "yes"}]  # left empty
            + [None, None]                                       # never answered
        )
        for i, answer in enumerate(answers):
            parent = ParentParticipant.objects.create(course=spring if i < 8 else autumn,
                                                      name=f"Forælder {i}")
            followup(parent, "3m", D(2014, 11, 1), answer)
            followup(parent, "1y", D(2015, 8, 1), {"child_use": "stopped"})
        for i in range(3):
            parent = ParentParticipant.objects.create(course=last_year, name=f"Tidligere {i}")
            followup(parent, "3m", D(2013, 9, 1), {"child_use": "larger"})
            followup(parent, "1y", D(2014, 6, 1), {"child_use": "stopped",
                                                   "uses_new_options": "no"})

    def test_courses_participants_and_answers_as_counted_by_hand(self):
        found = make_report(2014, self.service)["parent_courses"]
        self.assertEqual((found["courses"], found["participants"]), (2, 12))
        three = found["followup_3m"]
        self.assertEqual(three["due"], 12)
        self.assertEqual(three["child_use"], {
            "n": 12, "unchanged": {"count": 0, "percent": 0},
            "larger": {"count": 0, "percent": 0}, "smaller": {"count": 3, "percent": 25},
            "stopped": {"count": 3, "percent": 25}, "dont_know": {"count": 3, "percent": 25},
            "not_answered": {"count": 3, "percent": 25}})
        self.assertEqual(three["uses_new_options"]["yes"], {"count": 7, "percent": 58})
        self.assertEqual(three["uses_new_options"]["no"], {"count": 0, "percent": 0})

    def test_a_question_left_empty_is_not_answered_never_dont_know(self):
        three = make_report(2014, self.service, threshold=3)["parent_courses"]["followup_3m"]
        self.assertEqual(three["child_use"]["dont_know"]["count"], 3)
        self.assertEqual(three["child_use"]["not_answered"]["count"], 3)

    def test_one_year_surveys_of_the_year_are_those_of_last_years_courses(self):
        one = make_report(2014, self.service)["parent_courses"]["followup_1y"]
        self.assertEqual((one["due"], one["answered"]), (3, 3))
        self.assertEqual(one["child_use"]["stopped"], {"count": 3, "percent": 100})
        self.assertEqual(one["uses_new_options"]["no"], {"count": 3, "percent": 100})

    def test_small_answer_cells_hide_who_answered_too(self):
        three = make_report(2014, self.service)["parent_courses"]["followup_3m"]
        # Two surveys were never answered: that small cell is hidden with its smallest
        # neighbour, and so is the count of answers, which would bound it.
        hidden = {"count": None, "percent": None, "suppressed": True}
        uses = three["uses_new_options"]
        self.assertEqual((uses["not_answered"], uses["dont_know"]), (hidden, hidden))
        self.assertIsNone(three["answered"])
        self.assertTrue(three["suppressed"])

    def test_a_higher_threshold_hides_more(self):
        found = make_report(2014, self.service, threshold=4)["parent_courses"]
        self.assertIsNone(found["followup_3m"]["child_use"]["smaller"]["count"])
        self.assertEqual(found["followup_1y"]["child_use"]["stopped"]["count"], None)
        self.assertIsNone(found["followup_1y"]["answered"])
        self.assertEqual(found["participants"], 12)


class DayTeamAndOutreachSectionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.service = s = Service.objects.create(name="Designet", small_cell_threshold=3,
                                                 day_team_capacity=4)
        other = Service.objects.create(name="Nabo", day_team_capacity=6)
        team = Team.objects.create(service=s, name="Dagtilbud", kind=Team.Kind.DAY_TEAM)
        for i in range(2):
            enrolment = DayTeamEnrolment.objects.create(
                client=young(s, team, 16), start_date=D(2014, 1, 6), end_date=D(2014, 1, 10))
            DayTeamAttendance.objects.create(enrolment=enrolment, date=D(2014, 1, 6),
                                             status="present" if i else "absent")
        OutreachContact.objects.create(service=s, date=D(2014, 5, 2), place_kind="street",
                                       young_people=12, families=1, hours=Decimal("2.5"))
        OutreachContact.objects.create(service=other, date=D(2014, 5, 3),
                                       place_kind="street", young_people=5, hours=1)

    def test_day_team_places_are_shown_and_two_young_people_are_not(self):
        day = make_report(2014, self.service)["day_team"]
        self.assertEqual((day["places"], day["place_days"]), (4, 10))
        self.assertEqual(day["place_days_available"], 4 * 261)
        self.assertEqual(day["attendance"]["present_percent"], 50)
        self.assertIsNone(day["young_people"])
        self.assertTrue(day["suppressed"])

    def test_outreach_totals_are_activity_and_not_suppressed(self):
        outreach = make_report(2014, self.service)["outreach"]
        self.assertEqual((outreach["contacts"], outreach["young_people"], outreach["hours"]),
                         (1, 12, 2.5))
        everyone = make_report(2014)["outreach"]
        self.assertEqual((everyone["contacts"], everyone["young_people"]), (2, 17))
        self.assertEqual(make_report(2014)["day_team"]["places"], 10)

    def test_exams_by_subject_cannot_be_worked_out_from_the_total(self):
        team = Team.objects.get(name="Dagtilbud")
        grades = [("danish", 7)] * 5 + [("danish", 0)] + [("maths", 4)] * 2
        for i, (subject, grade) in enumerate(grades):
            enrolment = DayTeamEnrolment.objects.create(
                client=young(self.service, team, 16), start_date=D(2014, 2, 3 + i % 3))
            Exam.objects.create(enrolment=enrolment, subject=subject, grade=grade,
                                exam_date=D(2014, 6, 10))
        exams = make_report(2014, self.service)["day_team"]["exams"]
        # Two in maths is a small cell, and with the total shown Danish would give it
        # away: both are hidden. One failed is hidden, and the passed beside it.
        self.assertEqual((exams["exams"], exams["passed"]), (8, None))
        self.assertEqual(exams["by_subject"]["maths"], exams["by_subject"]["danish"])
        self.assertTrue(exams["by_subject"]["danish"]["suppressed"])
        self.assertTrue(exams["suppressed"])

    def test_two_young_peoples_exams_are_hidden_whatever_their_number(self):
        team = Team.objects.get(name="Dagtilbud")
        for _ in range(2):
            enrolment = DayTeamEnrolment.objects.create(client=young(self.service, team, 16),
                                                        start_date=D(2014, 2, 3))
            for form in ("written", "oral"):
                Exam.objects.create(enrolment=enrolment, subject="danish", form=form, grade=7,
                                    exam_date=D(2014, 6, 10))
        exams = make_report(2014, self.service)["day_team"]["exams"]
        self.assertEqual((exams["exams"], exams["young_people"], exams["passed"],
                          exams["average_grade"]), (None, None, None, None))
        self.assertEqual(exams["by_subject"]["danish"],
                         {"exams": None, "average": None, "suppressed": True})
