import datetime

import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from spor.audit.models import AccessLog
from spor.programmes.models import (
    ParentAttendance,
    ParentCourse,
    ParentFollowup,
    ParentParticipant,
    ParticipantAccessLog,
)
from spor.programmes.tests.helpers import ProgrammeTestCase, errors_of, make_parent_course

TODAY = datetime.date(2026, 8, 3)


class EnglishMixin:
    def login(self, user):
        super().login(user)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@time_machine.travel(TODAY)
class ParentCourseRuleTests(EnglishMixin, ProgrammeTestCase):
    def test_a_new_course_has_the_services_evenings_weekly_and_a_follow_up_evening(self):
        evenings = [(e.date, e.followup) for e in self.course.evenings.all()]
        self.assertEqual(evenings, [
            (datetime.date(2026, 3, 3), False), (datetime.date(2026, 3, 10), False),
            (datetime.date(2026, 3, 17), False), (datetime.date(2026, 3, 24), False),
            (datetime.date(2026, 4, 21), True)])
        self.assertEqual((self.course.start_date, self.course.end_date),
                         (datetime.date(2026, 3, 3), datetime.date(2026, 4, 21)))

    def test_the_number_of_evenings_is_the_services_setting(self):
        self.service.parent_course_evenings, self.service.parent_followup_evenings = 6, 2
        self.service.save()
        course = make_parent_course(self.service, self.team_p, datetime.date(2026, 9, 1))
        self.assertEqual(course.evenings.filter(followup=False).count(), 6)
        self.assertEqual(course.evenings.filter(followup=True).count(), 2)

    def test_a_course_belongs_to_a_parents_team_of_its_service(self):
        course = ParentCourse(service=self.service, team=self.team_a,
                              start_date=datetime.date(2026, 9, 1))
        self.assertEqual(errors_of(course), {"team"})
        course.team = self.team_p
        course.end_date = datetime.date(2026, 8, 1)
        self.assertEqual(errors_of(course), {"end_date"})

    def test_a_leader_creates_a_course_and_its_evenings_are_planned(self):
        self.login(self.lene)
        response = self.client.post(reverse("parent_course_new"), {
            "name": "Efterår 2026", "team": self.team_p.pk, "start_date": "2026-09-01",
            "staff": [self.carl.pk]})
        course = ParentCourse.objects.get(name="Efterår 2026")
        self.assertRedirects(response, reverse("parent_course", args=[course.pk]))
        self.assertEqual(course.evenings.count(), 5)
        self.assertEqual(list(course.staff.all()), [self.carl])

    def test_only_a_course_without_participants_can_be_deleted(self):
        self.login(self.carl)
        url = reverse("parent_course_edit", args=[self.course.pk])
        self.client.post(url, {"action": "delete"})
        self.assertTrue(ParentCourse.objects.filter(pk=self.course.pk).exists())
        empty = make_parent_course(self.service, self.team_p, datetime.date(2026, 9, 1))
        response = self.client.post(reverse("parent_course_edit", args=[empty.pk]),
                                    {"action": "delete"})
        self.assertRedirects(response, reverse("parent_courses"))
        self.assertFalse(ParentCourse.objects.filter(pk=empty.pk).exists())

    def test_a_bad_course_form_names_its_fields(self):
        self.login(self.carl)
        response = self.client.post(reverse("parent_course_new"), {
            "team": self.team_a.pk, "start_date": "1. september"})
        for field in ("team", "start_date"):
            self.assertContains(response, f'href="#id_{field}"')
        self.assertFalse(ParentCourse.objects.exclude(pk=self.course.pk).exists())

    def test_changing_the_evenings_moves_the_course_and_its_survey_due_dates(self):
        self.login(self.carl)
        evenings = list(self.course.evenings.all())
        data = {"form-TOTAL_FORMS": 6, "form-INITIAL_FORMS": 5, "form-MIN_NUM_FORMS": 0,
                "form-MAX_NUM_FORMS": 1000}
        for i, e in enumerate(evenings):
            data |= {f"form-{i}-id": e.pk, f"form-{i}-date": e.date.isoformat(),
                     f"form-{i}-followup": "on" if e.followup else ""}
        data["form-4-date"] = "2026-05-05"  # the follow-up evening two weeks later
        data |= {"form-5-date": "2026-06-02", "form-5-followup": "on"}  # and a second one
        response = self.client.post(reverse("parent_course_evenings", args=[self.course.pk]),
                                    data)
        self.assertRedirects(response, reverse("parent_course", args=[self.course.pk]))
        self.course.refresh_from_db()
        self.assertEqual(self.course.end_date, datetime.date(2026, 6, 2))
        self.assertEqual(self.pia.followups.get(when="3m").due_date, datetime.date(2026, 9, 2))

    def test_two_evenings_on_one_day_are_refused(self):
        self.login(self.carl)
        first = self.course.evenings.first()
        response = self.client.post(reverse("parent_course_evenings", args=[self.course.pk]), {
            "form-TOTAL_FORMS": 2, "form-INITIAL_FORMS": 1, "form-MIN_NUM_FORMS": 0,
            "form-MAX_NUM_FORMS": 1000, "form-0-id": first.pk, "form-0-date": "2026-03-03",
            "form-1-date": "2026-03-03"})
        self.assertContains(response, "Two evenings on the same day.")
        self.assertEqual(self.course.evenings.count(), 5)


@time_machine.travel(TODAY)
class AttendanceTests(EnglishMixin, ProgrammeTestCase):
    def test_attendance_is_saved_per_evening_for_the_whole_grid(self):
        first, second = list(self.course.evenings.all())[:2]
        self.login(self.carl)
        response = self.client.post(
            reverse("parent_course_attendance", args=[self.course.pk]),
            {f"a:{self.pia.pk}:{first.pk}": "on", f"a:{self.pia.pk}:{second.pk}": "on",
             f"a:{self.per.pk}:{second.pk}": "on"})
        self.assertRedirects(response, reverse("parent_course", args=[self.course.pk]))
        self.assertEqual(ParentAttendance.objects.count(), 3)
        # Unticking removes; a key naming another course's evening is ignored.
        other = make_parent_course(self.service, self.team_p, datetime.date(2026, 6, 2))
        self.client.post(reverse("parent_course_attendance", args=[self.course.pk]), {
            f"a:{self.pia.pk}:{first.pk}": "on",
            f"a:{self.pia.pk}:{other.evenings.first().pk}": "on"})
        self.assertEqual(list(ParentAttendance.objects.values_list("participant", "evening")),
                         [(self.pia.pk, first.pk)])
        self.assertEqual(ParentParticipant.objects.with_attendance().get(pk=self.pia.pk)
                         .attended(), 1)

    def test_evenings_ahead_cannot_be_ticked(self):
        course = make_parent_course(self.service, self.team_p, datetime.date(2026, 8, 4))
        participant = ParentParticipant.objects.create(course=course, name="Ole Ny")
        self.login(self.carl)
        self.client.post(reverse("parent_course_attendance", args=[course.pk]),
                         {f"a:{participant.pk}:{e.pk}": "on" for e in course.evenings.all()})
        self.assertFalse(ParentAttendance.objects.filter(participant=participant).exists())

    def test_attendance_is_a_post_only_action(self):
        self.login(self.carl)
        response = self.client.get(reverse("parent_course_attendance", args=[self.course.pk]))
        self.assertEqual(response.status_code, 405)


@time_machine.travel(TODAY)
class ParticipantTests(EnglishMixin, ProgrammeTestCase):
    def url(self, participant=None):
        if participant:
            return reverse("participant_edit", args=[participant.pk])
        return reverse("participant_new", args=[self.course.pk])

    def test_a_participant_needs_no_young_person_and_gets_two_surveys(self):
        self.login(self.carl)
        response = self.client.post(self.url(), {"name": "Lone Lund", "relation": "sibling",
                                                 "young_person_age": 17})
        self.assertRedirects(response, reverse("parent_course", args=[self.course.pk]))
        lone = ParentParticipant.objects.get(name="Lone Lund")
        self.assertIsNone(lone.young_person)
        self.assertEqual(
            {(s.when, s.due_date) for s in lone.followups.all()},
            {("3m", datetime.date(2026, 7, 21)), ("1y", datetime.date(2027, 4, 21))})

    def test_the_young_person_is_linked_by_cpr_among_those_the_user_sees(self):
        self.login(self.carl)
        self.client.post(self.url(), {"name": "Hanne Hansen", "relation": "mother",
                                      "find_young_person": "050310-4322"})
        hanne = ParentParticipant.objects.get(name="Hanne Hansen")
        self.assertEqual(hanne.young_person, self.ida)
        self.assertTrue(AccessLog.objects.filter(client=self.ida, user=self.carl).exists())

    def test_a_young_person_outside_the_users_scope_cannot_be_linked(self):
        self.login(self.carl)  # Dan is in the day team, which Carl does not see
        response = self.client.post(self.url(), {"name": "Dorte Jensen", "relation": "mother",
                                                 "find_young_person": "Dan Jensen"})
        self.assertContains(response, 'href="#id_find_young_person"')
        self.assertContains(response, "No registered young person you may see matches")
        self.assertFalse(ParentParticipant.objects.filter(name="Dorte Jensen").exists())

    def test_a_relation_is_required_and_named(self):
        self.login(self.carl)
        response = self.client.post(self.url(), {"name": "X", "email": "not-an-address"})
        self.assertContains(response, 'href="#id_relation"')
        self.assertContains(response, 'href="#id_email"')

    def test_editing_keeps_a_link_the_editor_cannot_see(self):
        self.login(self.carl)
        self.pia.young_person = self.dan
        self.pia.save()
        response = self.client.get(self.url(self.pia))
        self.assertContains(response, "registered, but not among the young people you see")
        self.assertNotContains(response, "Dan Jensen")
        self.client.post(self.url(self.pia), {"name": "Pia Petersen", "relation": "mother"})
        self.pia.refresh_from_db()
        self.assertEqual(self.pia.young_person, self.dan)

    def test_a_participant_registered_by_mistake_is_deleted_with_their_surveys(self):
        self.login(self.carl)
        response = self.client.post(self.url(self.per), {"action": "delete"})
        self.assertRedirects(response, reverse("parent_course", args=[self.course.pk]))
        self.assertFalse(ParentParticipant.objects.filter(pk=self.per.pk).exists())
        self.assertFalse(ParentFollowup.objects.filter(participant_id=self.per.pk).exists())
        self.assertTrue(ParticipantAccessLog.objects.filter(
            participant_id=self.per.pk, what="Participant deleted").exists())

    def test_every_look_at_a_participant_is_logged_without_the_name(self):
        self.login(self.carl)
        self.client.get(self.url(self.pia))
        row = ParticipantAccessLog.objects.get(participant=self.pia)
        self.assertEqual((row.user, row.purpose), (self.carl, "registration"))
        self.assertNotIn("Pia", row.what)

    def test_the_course_page_logs_every_participant_and_the_linked_client(self):
        self.login(self.carl)
        response = self.client.get(reverse("parent_course", args=[self.course.pk]))
        self.assertContains(response, "Pia Petersen")
        self.assertContains(response, "Ida Hansen")
        self.assertEqual(set(ParticipantAccessLog.objects.values_list("participant", flat=True)),
                         {self.pia.pk, self.per.pk})
        self.assertEqual(AccessLog.objects.filter(client=self.ida, user=self.carl).count(), 1)

    def test_a_linked_young_person_is_named_only_to_those_who_see_them(self):
        self.team_p.members.add(self.bob)  # Bob joins the parent team; he does not see Ida
        self.login(self.bob)
        response = self.client.get(reverse("parent_course", args=[self.course.pk]))
        self.assertContains(response, "Pia Petersen")
        self.assertNotContains(response, "Ida Hansen")
        self.assertContains(response, "The young person is registered in Spor.")
        self.assertFalse(AccessLog.objects.filter(client=self.ida).exists())

    def test_a_leader_exports_a_participants_access_log_and_others_may_not(self):
        self.login(self.carl)
        self.client.get(self.url(self.pia))
        self.assertEqual(self.client.get(
            reverse("participant_access_log", args=[self.pia.pk])).status_code, 403)
        self.login(self.lene)
        response = self.client.get(reverse("participant_access_log", args=[self.pia.pk]))
        text = response.content.decode()
        self.assertIn("Carl Test", text)
        self.assertIn("Participant form", text)
        self.assertIn("Access log exported", text)


@time_machine.travel(TODAY)
class ScopeTests(EnglishMixin, ProgrammeTestCase):
    def test_the_parent_team_and_leaders_see_the_course_others_do_not(self):
        self.assertEqual(set(ParentCourse.objects.visible_to(self.carl)), {self.course})
        self.assertEqual(set(ParentCourse.objects.visible_to(self.lene)), {self.course})
        for outsider in (self.alice, self.bob, self.tina, self.ali, self.adam, self.olga):
            self.assertFalse(ParentCourse.objects.visible_to(outsider).exists(), outsider)

    def test_the_list_is_refused_to_those_outside_the_parent_team(self):
        self.login(self.alice)
        self.assertEqual(self.client.get(reverse("parent_courses")).status_code, 403)
        self.assertEqual(self.client.get(reverse("parent_surveys")).status_code, 403)

    def test_the_list_takes_the_same_number_of_queries_for_more_courses(self):
        self.login(self.carl)
        url = reverse("parent_courses")
        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        for month in (5, 9, 10, 11):
            course = make_parent_course(self.service, self.team_p,
                                        datetime.date(2025, month, 2))
            ParentParticipant.objects.bulk_create(
                [ParentParticipant(course=course, name=f"P{i}") for i in range(6)])
        with self.assertNumQueries(len(few)):
            response = self.client.get(url)
        self.assertEqual(len(response.context["current"]) + len(response.context["earlier"]), 5)

    def test_the_course_page_takes_the_same_number_of_queries_for_more_participants(self):
        self.login(self.carl)
        url = reverse("parent_course", args=[self.course.pk])
        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        for i in range(10):
            ParentParticipant.objects.create(course=self.course, name=f"Deltager {i}",
                                             young_person=self.anon if i % 2 else None)
        with self.assertNumQueries(len(few)):
            self.client.get(url)


class SurveyDueTests(EnglishMixin, ProgrammeTestCase):
    """The rule: 3 and 12 calendar months after the last evening (follow-up included)."""

    def test_a_month_end_falls_back_to_the_last_day_of_the_target_month(self):
        course = ParentCourse(service=self.service, team=self.team_p,
                              start_date=datetime.date(2026, 10, 1),
                              end_date=datetime.date(2026, 11, 30))
        self.assertEqual(course.survey_due("3m"), datetime.date(2027, 2, 28))
        course.end_date = datetime.date(2027, 11, 30)
        self.assertEqual(course.survey_due("3m"), datetime.date(2028, 2, 29))
        self.assertEqual(course.survey_due("1y"), datetime.date(2028, 11, 30))
        course.end_date = None
        self.assertIsNone(course.survey_due("3m"))

    def test_the_due_list_shows_what_is_due_and_what_falls_due_within_a_month(self):
        with time_machine.travel(datetime.date(2026, 7, 20)):
            self.login(self.carl)
            response = self.client.get(reverse("parent_surveys"))
            self.assertEqual(response.context["due"], [])
            self.assertEqual({s.participant for s in response.context["soon"]},
                             {self.pia, self.per})
        with time_machine.travel(datetime.date(2026, 7, 21)):
            self.login(self.carl)
            response = self.client.get(reverse("parent_surveys"))
            self.assertEqual({(s.participant, s.when) for s in response.context["due"]},
                             {(self.pia, "3m"), (self.per, "3m")})
        with time_machine.travel(datetime.date(2027, 4, 21)):
            self.login(self.carl)  # a login lasts hours, not months
            self.pia.followups.filter(when="3m").update(source="staff")
            self.per.followups.filter(when="3m").update(closed_at=datetime.datetime(
                2026, 9, 1, tzinfo=datetime.UTC))
            response = self.client.get(reverse("parent_surveys"))
            self.assertEqual({(s.participant, s.when) for s in response.context["due"]},
                             {(self.pia, "1y"), (self.per, "1y")})
            self.assertContains(response, "22334455")  # Pia's phone, to reach her
        self.assertEqual(ParticipantAccessLog.objects.filter(purpose="caseload").count(), 6)

    def test_surveys_open_for_half_a_year_are_counted_and_can_be_closed_at_once(self):
        with time_machine.travel(datetime.date(2027, 2, 1)):
            self.login(self.carl)
            response = self.client.get(reverse("parent_surveys"))
            self.assertEqual(response.context["due"], [])  # due 21.07.2026: over 6 months
            self.assertEqual(response.context["stale"], 2)
            self.client.post(reverse("parent_surveys"), {"action": "close_stale"})
        self.assertEqual(ParentFollowup.objects.filter(closed_at__isnull=False).count(), 2)
        self.assertEqual(ParentFollowup.objects.open().filter(when="1y").count(), 2)

    def test_an_imported_course_without_evenings_counts_from_its_end_date(self):
        course = ParentCourse.objects.create(service=self.service, team=self.team_p,
                                             start_date=datetime.date(2014, 2, 4),
                                             end_date=datetime.date(2014, 3, 25))
        participant = ParentParticipant.objects.create(course=course, ref="p1")
        self.assertEqual(participant.followups.get(when="3m").due_date,
                         datetime.date(2014, 6, 25))
        self.assertEqual(participant.followups.get(when="1y").due_date,
                         datetime.date(2015, 3, 25))

    def test_the_answers_keep_not_answered_apart_from_dont_know(self):
        survey = self.pia.followups.get(when="3m")
        survey.record({"child_use": "dont_know", "uses_new_options": ""}, "staff")
        survey.save()
        survey.refresh_from_db()
        self.assertEqual(survey.answers, {"child_use": "dont_know", "uses_new_options": None,
                                          "comment": None})
        with translation.override("en"), self.assertRaises(Exception) as caught:
            survey.record({"child_use": "much", "shoe_size": 42}, "staff")
        self.assertEqual(set(caught.exception.message_dict), {"child_use", "shoe_size"})
