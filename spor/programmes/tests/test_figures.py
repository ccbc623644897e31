"""The yearly figures for the statistics, on data designed so that each rule shows."""

import datetime
from decimal import Decimal

from spor.clients.models import Client
from spor.lib.numbers import percent
from spor.programmes.figures import day_team_year, parent_courses_year, weekdays
from spor.programmes.models import (
    DayTeamAttendance,
    DayTeamEnrolment,
    Exam,
    ParentCourse,
    ParentParticipant,
    TeachingWeek,
)
from spor.programmes.tests.helpers import ProgrammeTestCase, make_parent_course

d = datetime.date


def answer(participant, when, source, **answers):
    survey = participant.followups.get(when=when)
    survey.record(answers, source)
    survey.save()


class ParentCoursesYearTests(ProgrammeTestCase):
    """Courses count in the year they ended; surveys in the year they fell due."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()  # the spring course ends 21.04.2026: Pia and Per
        imported = ParentCourse.objects.create(service=cls.service, team=cls.team_p,
                                               start_date=d(2025, 2, 4), end_date=d(2025, 3, 25))
        q1, q2, _q3 = [ParentParticipant.objects.create(course=imported, ref=f"q{i}")
                       for i in (1, 2, 3)]
        november = ParentCourse.objects.create(service=cls.service, team=cls.team_p,
                                               start_date=d(2025, 10, 7), end_date=d(2025, 11, 30))
        d1 = ParentParticipant.objects.create(course=november, ref="d1")
        december = make_parent_course(cls.service, cls.team_p, d(2026, 10, 6))
        ParentParticipant.objects.create(course=december, ref="c1")
        answer(cls.pia, "3m", "parent_link", child_use="smaller", uses_new_options="yes")
        cls.per.followups.filter(when="3m").update(closed_at=datetime.datetime(
            2026, 9, 1, tzinfo=datetime.UTC))
        answer(d1, "3m", "staff", child_use="dont_know")
        answer(q1, "1y", "import", child_use="stopped", uses_new_options="yes")
        answer(q2, "1y", "import")
        # Another service's course, answered, is never counted here.
        other_team = cls.other_service.teams.create(name="Forældre", kind="parents")
        other = ParentCourse.objects.create(service=cls.other_service, team=other_team,
                                            start_date=d(2026, 1, 6), end_date=d(2026, 2, 24))
        answer(ParentParticipant.objects.create(course=other), "3m", "staff",
               child_use="larger")

    def test_courses_and_participants_of_the_courses_that_ended_in_the_year(self):
        figures = parent_courses_year(self.service, 2026, as_of=d(2026, 12, 31))
        self.assertEqual((figures["courses"], figures["participants"]), (2, 3))
        self.assertEqual(parent_courses_year(self.service, 2025, as_of=d(2026, 12, 31))
                         ["courses"], 2)

    def test_the_three_month_follow_ups_count_each_answer_and_not_answered(self):
        with self.assertNumQueries(3):
            figures = parent_courses_year(self.service, 2026, as_of=d(2026, 12, 31))
        self.assertEqual(figures["followup_3m"], {
            "due": 3, "answered": 2,
            "child_use": {"unchanged": 0, "larger": 0, "smaller": 1, "stopped": 0,
                          "dont_know": 1, "not_answered": 1},
            "uses_new_options": {"yes": 1, "no": 0, "dont_know": 0, "not_answered": 2}})

    def test_the_one_year_follow_ups_are_those_of_courses_that_ended_the_year_before(self):
        figures = parent_courses_year(self.service, 2026, as_of=d(2026, 12, 31))
        self.assertEqual(figures["followup_1y"]["due"], 4)
        self.assertEqual(figures["followup_1y"]["answered"], 2)
        self.assertEqual(figures["followup_1y"]["child_use"]["stopped"], 1)
        self.assertEqual(figures["followup_1y"]["child_use"]["not_answered"], 3)

    def test_surveys_not_yet_due_are_not_counted_as_unanswered(self):
        figures = parent_courses_year(self.service, 2026, as_of=d(2026, 11, 1))
        self.assertEqual(figures["followup_1y"]["due"], 3)  # November's falls due on 30.11
        self.assertEqual(figures["followup_3m"]["due"], 3)


class DayTeamYearTests(ProgrammeTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.emma = Client.objects.create(service=cls.service, team=cls.team_b, anonymous=False,
                                         first_name="Emma", last_name="Holm",
                                         birth_date=d(2011, 4, 4), birth_year=2011)
        dan = DayTeamEnrolment.objects.create(client=cls.dan, start_date=d(2025, 8, 11),
                                              end_date=d(2026, 6, 26))
        emma = DayTeamEnrolment.objects.create(client=cls.emma, start_date=d(2026, 8, 10))
        old = DayTeamEnrolment.objects.create(client=cls.ida, start_date=d(2024, 1, 1),
                                              end_date=d(2025, 6, 20))
        for day, status in ((d(2026, 1, 5), "present"), (d(2026, 1, 6), "present"),
                            (d(2026, 1, 7), "present"), (d(2026, 1, 8), "notified"),
                            (d(2025, 12, 1), "absent")):
            DayTeamAttendance.objects.create(enrolment=dan, date=day, status=status)
        DayTeamAttendance.objects.create(enrolment=emma, date=d(2026, 8, 10), status="absent")
        for monday, hours in ((d(2026, 1, 5), "10"), (d(2026, 1, 12), "8.5"),
                              (d(2025, 12, 29), "9")):
            TeachingWeek.objects.create(service=cls.service, monday=monday,
                                        hours=Decimal(hours))
        for subject, form, grade in (("danish", "written", 7), ("danish", "oral", 2),
                                     ("maths", "written", 0), ("english", "oral", None)):
            Exam.objects.create(enrolment=dan, subject=subject, form=form, grade=grade,
                                exam_date=d(2026, 6, 3) if grade is not None else None)
        Exam.objects.create(enrolment=old, subject="danish", exam_date=d(2025, 6, 5),
                            grade=12)

    def test_places_used_are_weekdays_with_a_place(self):
        with self.assertNumQueries(5):
            figures = day_team_year(self.service, 2026, as_of=d(2026, 12, 31))
        by_loop = sum(1 for n in range(365) if (d(2026, 1, 1) + datetime.timedelta(n)).weekday()
                      < 5 and (d(2026, 1, 1) + datetime.timedelta(n) <= d(2026, 6, 26)
                               or d(2026, 1, 1) + datetime.timedelta(n) >= d(2026, 8, 10)))
        self.assertEqual(figures["place_days"], by_loop)
        self.assertEqual(figures["place_days_available"], 7 * 261)
        self.assertEqual((figures["places"], figures["young_people"], figures["started"],
                          figures["ended"]), (7, 2, 1, 1))
        self.assertEqual(figures["occupancy_percent"], percent(by_loop, 7 * 261))

    def test_a_running_year_is_counted_up_to_today(self):
        figures = day_team_year(self.service, 2026, as_of=d(2026, 1, 9))
        self.assertEqual(figures["place_days"], 7)  # 1, 2, 5, 6, 7, 8, 9 January
        self.assertEqual(figures["place_days_available"], 7 * 7)

    def test_attendance_teaching_and_exams_of_the_year(self):
        figures = day_team_year(self.service, 2026, as_of=d(2026, 12, 31))
        self.assertEqual(figures["attendance"], {"present": 3, "notified": 1, "absent": 1,
                                                 "registered_days": 5, "present_percent": 60})
        self.assertEqual((figures["teaching_hours"], figures["teaching_weeks"]),
                         (Decimal("18.5"), 2))
        self.assertEqual(figures["exams"], {
            "exams": 3, "young_people": 1, "passed": 2, "average_grade": Decimal("3.0"),
            "by_subject": {"danish": {"exams": 2, "average": Decimal("4.5")},
                           "maths": {"exams": 1, "average": Decimal("0.0")}}})

    def test_weekdays_counts_mondays_to_fridays(self):
        self.assertEqual(weekdays(d(2026, 3, 9), d(2026, 3, 15)), 5)
        self.assertEqual(weekdays(d(2026, 3, 14), d(2026, 3, 15)), 0)
        self.assertEqual(weekdays(d(2026, 3, 13), d(2026, 3, 16)), 2)
        self.assertEqual(weekdays(d(2026, 3, 16), d(2026, 3, 13)), 0)
