"""Acting on alarms: a clinician records what was done, the caseload puts unanswered alarms
first, a leader's list for the team's FIT meeting records what the team decided, and
`spor fit_alarms` lists it all for analysts."""

import contextlib
import csv
import datetime
import io
import json
from unittest import mock

import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.urls import reverse

from spor.audit.models import AccessLog
from spor.clients.models import Client
from spor.lib.testing import PersonaTestCase
from spor.measures.management.commands.fit_alarms import Command
from spor.measures.models import AlarmResponse
from spor.measures.tests.helpers import TODAY, course_with, rate
from spor.treatment.models import Course, Session

START = datetime.date(2026, 9, 1)


def young_person(service, team, first, born=2010):
    return Client.objects.create(service=service, team=team, anonymous=False, first_name=first,
                                 last_name="Berg", birth_date=datetime.date(born, 4, 1),
                                 birth_year=born, gender="female")


@time_machine.travel(TODAY)
class ClinicianResponseTests(PersonaTestCase):
    def setUp(self):
        # Ida falls from 22 to 14: reliably worse than at intake, at session 3.
        self.course = course_with(self.ida, self.team_a, [22, 20, 14], start=START,
                                  clinician=self.alice)
        self.page = reverse("fit_alarms", args=[self.course.pk])

    def post(self, **data):
        return self.client.post(self.page, {"alarm": "worse:3", "action": "talked",
                                            "responded_on": "2026-11-27", **data})

    def test_the_course_page_offers_to_record_what_was_done_about_an_alarm(self):
        self.login(self.alice)
        page = self.client.get(reverse("course_detail", args=[self.course.pk]))
        self.assertContains(page, "Registrér hvad der blev gjort")
        self.assertContains(page, self.page + "?alarm=worse%3A3")

    def test_a_response_is_recorded_shown_and_logged(self):
        self.login(self.alice)
        response = self.post(note="Vi talte om skolen")
        self.assertRedirects(response, reverse("course_detail", args=[self.course.pk]))
        answer = AlarmResponse.objects.get()
        self.assertEqual((answer.kind, answer.session, answer.action, answer.recorded_by),
                         ("worse", 3, "talked", self.alice))
        self.assertFalse(answer.by_team)
        page = self.client.get(reverse("course_detail", args=[self.course.pk]))
        self.assertContains(page, "Talt med den unge om det · 27.11.2026")
        self.assertTrue(AccessLog.objects.filter(
            client=self.ida, user=self.alice, what="Response to an alarm").exists())

    def test_a_date_in_the_future_or_before_the_course_is_refused_naming_the_field(self):
        self.login(self.alice)
        for day in ("2026-11-29", "2026-08-01", "not a date"):
            response = self.post(responded_on=day)
            self.assertEqual(response.status_code, 400, day)
            self.assertContains(response, 'href="#id_responded_on"', status_code=400)
        self.assertFalse(AlarmResponse.objects.exists())

    def test_an_alarm_the_course_does_not_have_is_refused(self):
        self.login(self.alice)
        for alarm in ("off_track:3", "worse:2", "worse:3\x00", ""):
            response = self.post(alarm=alarm)
            self.assertContains(response, 'href="#id_alarm"', status_code=400)
        self.assertContains(self.post(action="shrug"), 'href="#id_action"', status_code=400)
        self.assertFalse(AlarmResponse.objects.exists())

    def test_a_new_rating_at_a_later_session_opens_the_alarm_again(self):
        self.login(self.alice)
        self.post()
        session = Session.objects.create(course=self.course, date=datetime.date(2026, 9, 22))
        rate(session, 13)
        page = self.client.get(self.page)
        self.assertContains(page, "ikke besvaret")
        self.assertContains(page, "Talt med den unge om det")  # the old response is kept

    def test_a_colleague_outside_the_team_gets_404(self):
        self.login(self.bob)
        self.assertEqual(self.client.get(self.page).status_code, 404)
        self.assertEqual(self.post().status_code, 404)
        self.assertFalse(AlarmResponse.objects.exists())


@time_machine.travel(TODAY)
class CaseloadOrderTests(PersonaTestCase):
    def test_unanswered_alarms_come_first_most_serious_first_then_what_is_due(self):
        worse = course_with(young_person(self.service, self.team_a, "Wera"), self.team_a,
                            [22, 20, 14], start=START, clinician=self.alice)
        no_change = course_with(young_person(self.service, self.team_a, "Nora"), self.team_a,
                                [20, 20, 21, 20], start=START, clinician=self.alice)
        answered = course_with(young_person(self.service, self.team_a, "Asta"), self.team_a,
                               [25, 23, 17], start=START, clinician=self.alice)
        AlarmResponse.objects.create(course=answered, kind="worse", session=3, action="plan",
                                     responded_on=TODAY)
        # Ræven's anonymous counselling reaches its fifth session: a decision is due.
        for day in (19, 26, 28):
            Session.objects.create(course=self.anon_course, date=datetime.date(2026, 1, day))
        self.login(self.alice)
        page = self.client.get(reverse("caseload")).content.decode()
        wera, nora, asta, raeven = (page.index(n) for n in ("Wera", "Nora", "Asta", "Ræven"))
        self.assertLess(wera, nora)  # reliably worse before no reliable change
        self.assertLess(nora, min(asta, raeven))  # unanswered before answered or only due
        row = page[asta:page.index("</tr>", asta)]
        self.assertIn("Pålideligt dårligere", row)
        self.assertIn("besvaret", row)
        self.assertTrue(no_change.fit_state.alarms and worse.fit_state.alarms)

    def test_a_response_moves_the_course_from_its_alarms_place_to_its_place_by_what_is_due(self):
        worse = course_with(young_person(self.service, self.team_a, "Xenia"), self.team_a,
                            [22, 20, 14], start=START, clinician=self.alice)
        worse.refresh_from_db()
        self.assertEqual(worse.fit_state.alarm_rank, 0)  # fit.SEVERITY: reliably worse
        self.login(self.alice)

        def first_page():
            with mock.patch("spor.treatment.views.CASELOAD_PAGE", 1):
                return [c.client for c in self.client.get(reverse("caseload")).context[
                    "courses"]]

        self.assertEqual(first_page(), [worse.client])  # whatever its name
        response = AlarmResponse.objects.create(course=worse, kind="worse", session=3,
                                                action="talked", responded_on=TODAY)
        worse.fit_state.refresh_from_db()
        self.assertIsNone(worse.fit_state.alarm_rank)
        self.assertEqual(first_page(), [self.ida])  # due: her own consent; by name
        response.delete()
        worse.fit_state.refresh_from_db()
        self.assertEqual(worse.fit_state.alarm_rank, 0)


@time_machine.travel(TODAY)
class MeetingListTests(PersonaTestCase):
    def setUp(self):
        self.course = course_with(self.ida, self.team_a, [22, 20, 14], start=START,
                                  clinician=self.alice)
        self.calm = course_with(young_person(self.service, self.team_a, "Rolf"), self.team_a,
                                [20, 26, 28], start=START, clinician=self.carl)

    def decide(self, **data):
        prefix = f"c{self.course.pk}-"
        fields = {"alarm": "worse:3", "action": "plan", "responded_on": "2026-11-26",
                  "note": "Forældrene inviteres med", **data}
        return self.client.post(reverse("fit_meeting"), {
            "course": str(self.course.pk), **{prefix + k: v for k, v in fields.items()}})

    def test_the_leader_sees_the_courses_off_track_by_team_and_records_the_decision(self):
        self.login(self.lene)
        page = self.client.get(reverse("fit_meeting"))
        self.assertContains(page, "Ida Hansen")
        self.assertContains(page, "Rådgivning")
        self.assertNotContains(page, "Rolf")  # improving: not on the list
        self.assertTrue(AccessLog.objects.filter(client=self.ida, user=self.lene,
                                                 what="FIT meeting list").exists())
        response = self.decide()
        self.assertRedirects(response, reverse("fit_meeting") + f"#course-{self.course.pk}")
        decided = AlarmResponse.objects.get()
        self.assertEqual((decided.by_team, decided.action, decided.recorded_by),
                         (True, "plan", self.lene))
        self.assertContains(self.client.get(reverse("fit_meeting")),
                            "Teamet: Ændrede planen · 26.11.2026")

    def test_a_team_decision_needs_words_and_a_date_not_in_the_future(self):
        self.login(self.lene)
        response = self.decide(note="  ")
        self.assertContains(response, f'href="#id_c{self.course.pk}-note"', status_code=400)
        response = self.decide(responded_on="2027-01-01")
        self.assertContains(response, f'href="#id_c{self.course.pk}-responded_on"',
                            status_code=400)
        self.assertFalse(AlarmResponse.objects.exists())

    def test_clinicians_and_other_roles_may_not_open_the_meeting_list(self):
        for user in (self.alice, self.tina, self.ali, self.adam):
            self.login(user)
            self.assertEqual(self.client.get(reverse("fit_meeting")).status_code, 403,
                             user.username)
            self.assertEqual(self.decide().status_code, 403, user.username)
        self.assertFalse(AlarmResponse.objects.exists())

    def test_a_leader_of_another_service_sees_nobody_and_cannot_decide_for_ida(self):
        self.login(self.olga)
        page = self.client.get(reverse("fit_meeting"))
        self.assertNotContains(page, "Hansen")
        self.assertEqual(self.decide().status_code, 404)
        for course in ("not-a-uuid", "", "00000000-0000-0000-0000-000000000000"):
            response = self.client.post(reverse("fit_meeting"), {"course": course})
            self.assertEqual(response.status_code, 404, course)
        self.assertFalse(AlarmResponse.objects.exists())
        self.assertFalse(AccessLog.objects.filter(client=self.ida).exists())


def fit_alarms(*args):
    out = io.StringIO()
    call_command("fit_alarms", *args, stdout=out)
    return out.getvalue()


@time_machine.travel(TODAY)
class FitAlarmsCommandTests(PersonaTestCase):
    def setUp(self):
        self.course = course_with(self.ida, self.team_a, [22, 20, 14], start=START,
                                  clinician=self.alice)
        self.course.ref = "K-17"
        self.course.save(update_fields=["ref"])
        AlarmResponse.objects.create(course=self.course, kind="worse", session=3,
                                     action="talked", responded_on=datetime.date(2026, 9, 16),
                                     note="Navne bliver på siden")

    def test_json_lists_every_active_course_with_its_alarms_and_responses(self):
        found = json.loads(fit_alarms("--service", "Helsingung"))
        active = Course.objects.filter(client__service=self.service, end_date__isnull=True)
        self.assertEqual(len(found), active.count())
        self.assertTrue(all(set(row) == {"course_ref", "alarms"} for row in found))
        row = next(r for r in found if r["course_ref"] == "K-17")
        worse = next(a for a in row["alarms"] if a["kind"] == "worse")
        self.assertEqual(worse, {"kind": "worse", "session": 3, "value": 14.0,
                                 "expected": 22.0, "responses": [
                                     {"action": "talked", "date": "2026-09-16",
                                      "by_team": False}]})
        # courses made in the web pages have an empty course_ref
        self.assertEqual(sorted(r["course_ref"] for r in found)[0], "")
        self.assertNotIn("Navne", json.dumps(found))

    def test_csv_has_one_line_per_response_alarm_or_course(self):
        rows = list(csv.DictReader(io.StringIO(fit_alarms("--service", "Helsingung",
                                                          "--format", "csv"))))
        ours = [r for r in rows if r["course_ref"] == "K-17"]
        worse = next(r for r in ours if r["kind"] == "worse")
        self.assertEqual((worse["session"], worse["value"], worse["expected"],
                          worse["response_date"], worse["response"], worse["by_team"]),
                         ("3", "14.0", "22.0", "2026-09-16", "talked", "false"))
        self.assertIn({"course_ref": "", "kind": ""}, [
            {"course_ref": r["course_ref"], "kind": r["kind"]} for r in rows])

    def test_the_meeting_list_reads_the_same_alarms(self):
        self.login(self.lene)
        page = self.client.get(reverse("fit_meeting")).content.decode()
        for row in json.loads(fit_alarms("--service", "Helsingung")):
            for alarm in row["alarms"]:
                if alarm["kind"] in ("worse", "off_track"):
                    self.assertIn(f"samtale {alarm['session']}", page)

    def test_bad_input_gives_a_message_and_exit_code_1_without_a_traceback(self):
        for args, message in ((["--service", "Nowhere"], "No service is called 'Nowhere'."),
                              (["--service", "Helsingung", "--format", "xml"],
                               "--format: 'xml' is not one of json, csv.")):
            with self.assertRaises(CommandError) as caught:
                fit_alarms(*args)
            self.assertEqual(str(caught.exception), message)
            code, err = run_from_argv(*args)
            self.assertEqual(code, 1)
            self.assertIn(message, err)
            self.assertNotIn("Traceback", err)
        self.assertEqual(run_from_argv()[0], 2)  # --service is required


def run_from_argv(*args):
    """Exit code and standard error of `spor fit_alarms ARGS` as the command line runs it.
    The command line closes the database connections when it ends; the test's own
    connection is kept open so the test database stays."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), mock.patch.object(connections, "close_all"):
        try:
            Command().run_from_argv(["spor", "fit_alarms", *args])
        except SystemExit as ended:
            return ended.code, err.getvalue()
    return 0, err.getvalue()
