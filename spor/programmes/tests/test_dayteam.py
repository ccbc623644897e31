import datetime

import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from spor.audit.models import AccessLog
from spor.clients.models import Client
from spor.programmes.models import (
    DayTeamAttendance,
    DayTeamEnrolment,
    Exam,
    TeachingWeek,
    TimetableSlot,
)
from spor.programmes.models.dayteam import busiest_day
from spor.programmes.tests.helpers import ProgrammeTestCase, errors_of
from spor.programmes.tests.test_parents import EnglishMixin

TODAY = datetime.date(2026, 3, 12)  # a Thursday
MONDAY = datetime.date(2026, 3, 9)


def day_team_client(t, n, team=None):
    return Client.objects.create(service=t.service, team=team or t.team_b, anonymous=False,
                                 first_name=f"Elev{n}", last_name="Dagteam",
                                 birth_date=datetime.date(2011, 1, n), birth_year=2011)


@time_machine.travel(TODAY)
class CapacityTests(EnglishMixin, ProgrammeTestCase):
    def fill(self, n, start=datetime.date(2026, 1, 5), end=None):
        for i in range(n):
            DayTeamEnrolment.objects.create(client=day_team_client(self, i + 1),
                                            start_date=start, end_date=end)

    def test_an_eighth_place_is_refused_with_the_capacity_named(self):
        self.fill(7)
        eighth = DayTeamEnrolment(client=self.dan, start_date=datetime.date(2026, 3, 16))
        with translation.override("en"), self.assertRaises(ValidationError) as caught:
            eighth.full_clean()
        message = caught.exception.messages[0]
        self.assertIn("The day team has 7 places, and all 7 are taken on 16.03.2026", message)

    def test_the_refusal_reaches_the_leader_on_the_form_and_nothing_is_saved(self):
        self.fill(7)
        self.login(self.bob)
        response = self.client.post(reverse("day_team_enrol"), {
            "client": self.dan.pk, "start_date": "2026-03-16"})
        self.assertContains(response, "The day team has 7 places")
        self.assertFalse(DayTeamEnrolment.objects.filter(client=self.dan).exists())

    def test_a_place_after_the_others_end_is_given(self):
        self.fill(7, end=datetime.date(2026, 6, 26))
        place = DayTeamEnrolment(client=self.dan, start_date=datetime.date(2026, 6, 29))
        self.assertEqual(errors_of(place), set())
        place.end_date = None
        place.start_date = datetime.date(2026, 6, 26)  # overlaps the last day
        self.assertEqual(errors_of(place), {"__all__"})

    def test_a_planned_place_that_runs_into_a_full_period_is_refused_on_that_day(self):
        self.fill(7, start=datetime.date(2026, 8, 10))
        place = DayTeamEnrolment(client=self.dan, start_date=datetime.date(2026, 3, 16))
        with translation.override("en"), self.assertRaises(ValidationError) as caught:
            place.full_clean()
        self.assertIn("10.08.2026", caught.exception.messages[0])

    def test_the_capacity_is_the_services_setting(self):
        self.service.day_team_capacity = 2
        self.service.save()
        self.fill(2)
        with translation.override("en"), self.assertRaises(ValidationError) as caught:
            DayTeamEnrolment(client=self.dan, start_date=TODAY).full_clean()
        self.assertIn("has 2 places", caught.exception.messages[0])

    def test_a_young_person_has_one_place_at_a_time_and_must_be_identified(self):
        DayTeamEnrolment.objects.create(client=self.dan, start_date=datetime.date(2026, 1, 5))
        again = DayTeamEnrolment(client=self.dan, start_date=datetime.date(2026, 2, 1))
        self.assertEqual(errors_of(again), {"start_date"})
        anonymous = DayTeamEnrolment(client=self.anon, start_date=TODAY)
        self.assertEqual(errors_of(anonymous), {"client"})
        backwards = DayTeamEnrolment(client=self.ida, start_date=TODAY,
                                     end_date=datetime.date(2026, 1, 1))
        self.assertEqual(errors_of(backwards), {"end_date"})

    def test_the_busiest_day_counts_overlaps(self):
        d = datetime.date
        periods = [(d(2026, 1, 1), d(2026, 1, 10)), (d(2026, 1, 5), None),
                   (d(2026, 1, 8), d(2026, 1, 8))]
        self.assertEqual(busiest_day(periods, d(2026, 1, 1), None), (d(2026, 1, 8), 3))
        self.assertEqual(busiest_day(periods, d(2026, 1, 9), d(2026, 1, 20)),
                         (d(2026, 1, 9), 2))
        self.assertEqual(busiest_day([], d(2026, 1, 1), None), (d(2026, 1, 1), 0))

    def test_the_enrolment_form_offers_only_the_day_teams_own_young_people(self):
        self.login(self.bob)
        response = self.client.get(reverse("day_team_enrol"))
        self.assertEqual(list(response.context["form"].fields["client"].queryset), [self.dan])
        self.assertTrue(AccessLog.objects.filter(client=self.dan, user=self.bob).exists())

    def test_a_place_given_by_mistake_is_deleted_and_logged(self):
        place = DayTeamEnrolment.objects.create(client=self.dan, start_date=TODAY)
        self.login(self.bob)
        response = self.client.post(reverse("day_team_enrolment_edit", args=[place.pk]),
                                    {"action": "delete"})
        self.assertRedirects(response, reverse("day_team"))
        self.assertFalse(DayTeamEnrolment.objects.exists())
        self.assertTrue(AccessLog.objects.filter(client=self.dan,
                                                 what="Day team place deleted").exists())

    def test_only_the_day_team_and_leaders_give_places(self):
        self.login(self.alice)
        self.assertEqual(self.client.get(reverse("day_team_enrol")).status_code, 403)
        self.login(self.tina)
        response = self.client.post(reverse("day_team_enrol"), {
            "client": self.dan.pk, "start_date": "2026-03-16", "end_date": "2026-06-26"})
        place = DayTeamEnrolment.objects.get(client=self.dan)
        self.assertRedirects(response, reverse("day_team_enrolment", args=[place.pk]))


@time_machine.travel(TODAY)
class WeekTests(EnglishMixin, ProgrammeTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.place = DayTeamEnrolment.objects.create(client=cls.dan,
                                                    start_date=datetime.date(2026, 3, 10))

    def url(self, monday=MONDAY):
        return f"{reverse('day_team_week')}?week={monday.isoformat()}"

    def test_the_teacher_registers_the_weeks_attendance_and_teaching_hours(self):
        self.login(self.tina)
        prefix = f"s_{self.place.pk.hex}"
        response = self.client.post(self.url(), {f"{prefix}_1": "present",
                                                 f"{prefix}_2": "notified",
                                                 f"{prefix}_3": "absent", "hours": "9.5"})
        self.assertRedirects(response, self.url())
        self.assertEqual(
            list(DayTeamAttendance.objects.values_list("date", "status")),
            [(datetime.date(2026, 3, 10), "present"), (datetime.date(2026, 3, 11), "notified"),
             (datetime.date(2026, 3, 12), "absent")])
        self.assertEqual(str(TeachingWeek.objects.get(monday=MONDAY).hours), "9.5")
        # Changing and clearing cells updates and removes rows.
        self.client.post(self.url(), {f"{prefix}_1": "present", f"{prefix}_2": "present",
                                      "hours": "9.5"})
        self.assertEqual(list(DayTeamAttendance.objects.values_list("status", flat=True)),
                         ["present", "present"])

    def test_days_before_the_place_and_days_ahead_are_not_offered(self):
        self.login(self.tina)
        prefix = f"s_{self.place.pk.hex}"
        response = self.client.get(self.url())
        offered = {name for name in response.context["form"].fields if name.startswith("s_")}
        self.assertEqual(offered, {f"{prefix}_1", f"{prefix}_2", f"{prefix}_3"})
        self.client.post(self.url(), {f"{prefix}_0": "present", f"{prefix}_4": "present"})
        self.assertFalse(DayTeamAttendance.objects.exists())

    def test_bad_teaching_hours_are_refused_by_name(self):
        self.login(self.tina)
        response = self.client.post(self.url(), {"hours": "45"})
        self.assertContains(response, 'href="#id_hours"')
        self.assertFalse(TeachingWeek.objects.exists())

    def test_those_outside_the_day_team_see_no_one_and_change_nothing(self):
        self.login(self.alice)
        response = self.client.get(self.url())
        self.assertEqual(response.context["rows"], [])
        self.assertNotContains(response, "Dan Jensen")
        self.client.post(self.url(), {"hours": "8"})
        self.assertFalse(TeachingWeek.objects.exists())

    def test_the_week_logs_the_young_people_shown(self):
        self.login(self.tina)
        self.client.get(self.url())
        self.assertEqual(AccessLog.objects.filter(client=self.dan, user=self.tina).count(), 1)

    def test_the_week_takes_the_same_number_of_queries_for_a_full_day_team(self):
        self.login(self.bob)
        with CaptureQueriesContext(connection) as few:
            self.client.get(self.url())
        for i in range(6):
            place = DayTeamEnrolment.objects.create(client=day_team_client(self, i + 1),
                                                    start_date=datetime.date(2026, 1, 5))
            DayTeamAttendance.objects.create(enrolment=place, date=MONDAY, status="present")
        with self.assertNumQueries(len(few)):
            response = self.client.get(self.url())
        self.assertEqual(len(response.context["rows"]), 7)

    def test_attendance_lies_on_a_weekday_within_the_place_and_not_ahead(self):
        for day, field in [(datetime.date(2026, 3, 14), "date"),  # a Saturday
                           (datetime.date(2026, 3, 9), "date"),   # before the place
                           (datetime.date(2026, 3, 13), "date")]:  # tomorrow
            row = DayTeamAttendance(enrolment=self.place, date=day, status="present")
            self.assertEqual(errors_of(row), {field}, day)


@time_machine.travel(TODAY)
class ExamTests(EnglishMixin, ProgrammeTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.place = DayTeamEnrolment.objects.create(client=cls.dan,
                                                    start_date=datetime.date(2025, 8, 11))

    def exam(self, **fields):
        return Exam(**{"enrolment": self.place, "subject": "danish", "form": "written",
                       "exam_date": datetime.date(2026, 3, 2), **fields})

    def test_every_grade_of_the_seven_point_scale_is_accepted(self):
        for grade in (-3, 0, 2, 4, 7, 10, 12):
            self.assertEqual(errors_of(self.exam(grade=grade)), set(), grade)

    def test_grades_outside_the_scale_are_refused_with_the_scale_named(self):
        for grade in (3, 5, 11, 13, -2, 1):
            with translation.override("en"):
                with self.assertRaises(ValidationError) as caught:
                    self.exam(grade=grade).full_clean()
                self.assertEqual(caught.exception.message_dict["grade"], [  # read in English
                    "Give a grade of the 7-point scale: 12, 10, 7, 4, 02, 00 or -3."], grade)

    def test_a_grade_needs_a_held_exam_and_a_subject_may_be_read_without_one(self):
        self.assertEqual(errors_of(self.exam(exam_date=None)), set())
        self.assertEqual(errors_of(self.exam(exam_date=None, grade=7)), {"exam_date"})
        self.assertEqual(errors_of(self.exam(exam_date=datetime.date(2026, 6, 3), grade=7)),
                         {"grade"})

    def test_grades_show_in_danish_notation_and_02_passes(self):
        self.assertEqual(self.exam(grade=2).get_grade_display(), "02")
        self.assertEqual(self.exam(grade=0).get_grade_display(), "00")
        self.assertTrue(self.exam(grade=2).passed)
        self.assertFalse(self.exam(grade=0).passed)

    def test_the_teacher_registers_a_result_through_the_form(self):
        self.login(self.tina)
        response = self.client.post(reverse("exam_new", args=[self.place.pk]), {
            "subject": "maths", "form": "written", "exam_date": "2026-03-02", "grade": "10"})
        self.assertRedirects(response, reverse("day_team_enrolment", args=[self.place.pk]))
        page = self.client.get(reverse("day_team_enrolment", args=[self.place.pk]))
        self.assertContains(page, "Mathematics")
        response = self.client.post(reverse("exam_new", args=[self.place.pk]), {
            "subject": "maths", "exam_date": "2026-03-02", "grade": "5"})
        self.assertContains(response, 'href="#id_grade"')


@time_machine.travel(TODAY)
class TimetableTests(EnglishMixin, ProgrammeTestCase):
    def test_the_seeds_timetable_is_the_starting_point(self):
        self.login(self.tina)
        response = self.client.get(reverse("day_team_timetable"))
        activities = set(TimetableSlot.objects.values_list("activity", flat=True))
        self.assertTrue({"breakfast", "group_talk", "teaching", "physical_activity", "lunch",
                         "weekly_evaluation"} <= activities)
        self.assertEqual(TimetableSlot.objects.filter(activity="breakfast").count(), 5)
        self.assertEqual(TimetableSlot.planned_teaching_hours(self.service), 8)
        self.assertContains(response, "Sandwich og god weekend")

    def test_a_slot_may_not_overlap_another_on_the_same_day(self):
        TimetableSlot.ensure_default(self.service)
        self.login(self.tina)
        response = self.client.post(reverse("timetable_slot_new"), {
            "weekday": 0, "starts": "11:30", "ends": "12:15", "activity": "other"})
        self.assertContains(response, 'href="#id_starts"')
        response = self.client.post(reverse("timetable_slot_new"), {
            "weekday": 0, "starts": "12:30", "ends": "14:00", "activity": "physical_activity"})
        self.assertRedirects(response, reverse("day_team_timetable"))
        response = self.client.post(reverse("timetable_slot_new"), {
            "weekday": 1, "starts": "15:00", "ends": "14:00", "activity": "other"})
        self.assertContains(response, 'href="#id_ends"')

    def test_only_the_day_team_and_leaders_change_the_timetable(self):
        TimetableSlot.ensure_default(self.service)
        slot = TimetableSlot.objects.first()
        self.login(self.alice)
        self.assertEqual(self.client.get(reverse("day_team_timetable")).status_code, 200)
        self.assertEqual(self.client.post(reverse("timetable_slot_edit", args=[slot.pk]),
                                          {"action": "delete"}).status_code, 403)
        self.login(self.olga)
        self.assertEqual(self.client.get(reverse("timetable_slot_edit", args=[slot.pk]))
                         .status_code, 404)


@time_machine.travel(TODAY)
class DayTeamPageTests(EnglishMixin, ProgrammeTestCase):
    def test_the_overview_shows_places_in_use_and_only_visible_young_people(self):
        DayTeamEnrolment.objects.create(client=self.dan, start_date=datetime.date(2026, 1, 5))
        DayTeamEnrolment.objects.create(client=self.ida, start_date=datetime.date(2026, 1, 5))
        self.login(self.tina)
        response = self.client.get(reverse("day_team"))
        self.assertEqual(response.context["taken"], 2)
        self.assertContains(response, "Dan Jensen")
        self.assertNotContains(response, "Ida Hansen")
        self.assertEqual(set(AccessLog.objects.values_list("client", flat=True)), {self.dan.pk})

    def test_the_overview_takes_the_same_number_of_queries_for_more_places(self):
        self.login(self.bob)
        DayTeamEnrolment.objects.create(client=self.dan, start_date=datetime.date(2026, 1, 5))
        with CaptureQueriesContext(connection) as few:
            self.client.get(reverse("day_team"))
        for i in range(6):
            DayTeamEnrolment.objects.create(client=day_team_client(self, i + 1),
                                            start_date=datetime.date(2026, 1, 5))
        with self.assertNumQueries(len(few)):
            self.client.get(reverse("day_team"))
