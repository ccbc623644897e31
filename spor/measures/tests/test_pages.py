"""What clinicians, leaders and administrators see: curves, alarms, the overview, settings."""

import datetime
import io
import json
import tempfile
from pathlib import Path

import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from spor.clients.models import Client
from spor.lib.drawing import Document
from spor.lib.testing import PersonaTestCase
from spor.measures import expected, printed
from spor.measures.models import AllianceRule, ExpectedCourse, Licence, Norm, PlanChange
from spor.measures.state import state_of
from spor.measures.tests.helpers import TODAY, course_with, rate
from spor.measures.trajectory import learn
from spor.treatment.models import Course, Session


def learned(service, n=40):
    """An expected course as if learned from `n` closed courses rising 1.5 a session."""
    series = [[(k, min(intake + 1.5 * (k - 1) + (i % 3), 40)) for k in range(1, 13)]
              for i in range(n) for intake in (10, 15, 20, 26)]
    return ExpectedCourse.objects.create(service=service, kind="learned",
                                         params=learn(series), n_courses=n * 4)


@time_machine.travel(TODAY)
class ClientPageTests(PersonaTestCase):
    def setUp(self):
        self.course = course_with(self.ida, self.team_a, [18, 19, 18.5, 19, 18],
                                  start=datetime.date(2026, 9, 1), clinician=self.alice,
                                  srs=[38, 39, 34, 39, 39.5])
        self.third = self.course.sessions.order_by("date")[2]
        PlanChange.objects.create(session=self.third, note="Forældrene er med igen")

    def client_page(self):
        self.login(self.alice)
        return self.client.get(self.url("client_detail", self.ida.pk))

    def test_the_client_page_shows_the_curve_with_cutoff_flags_and_plan_change(self):
        learned(self.service)
        page = self.client_page().content.decode()
        self.assertIn('role="img"', page)
        self.assertIn("Klinisk grænse (28)", page)      # Ida is 16: the 13–17 cutoff
        self.assertIn("Forventet forløb", page)         # the band
        self.assertIn("Markering", page)                 # the flagged SRS
        self.assertIn("Planen ændret ved samtale 3: Forældrene er med igen", page)
        self.assertIn("Under det forventede forløb ved samtale 5", page)

    def test_without_enough_closed_courses_the_page_says_why_there_is_no_band(self):
        self.assertContains(self.client_page(), "Intet forventet forløb endnu")
        ExpectedCourse.objects.create(service=self.service, kind="learned",
                                      params=learn([]), n_courses=12)
        self.assertContains(self.client_page(), "hviler på 12 afsluttede forløb")

    def test_a_first_rating_above_32_has_a_band_too(self):
        learned(self.service)
        Course.objects.all().delete()
        course_with(self.ida, self.team_a, [36, 37], start=datetime.date(2026, 9, 1))
        self.assertContains(self.client_page(), "Forventet forløb: percentil 25 til 75")

    def test_parents_get_their_own_line(self):
        rate(self.third, 15, rater="parent")
        self.assertContains(self.client_page(), "Forælder")

    def test_the_client_page_costs_the_same_queries_for_2_or_40_sessions(self):
        def count():
            self.login(self.alice)
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(self.url("client_detail", self.ida.pk))
                                 .status_code, 200)
            return len(queries)

        Course.objects.filter(client=self.ida).delete()
        course_with(self.ida, self.team_a, [20, 22], srs=[38, 38],
                    start=datetime.date(2026, 1, 5))
        few = count()
        course_with(self.ida, self.team_a, [20 + i / 4 for i in range(38)],
                    srs=[38] * 38, start=datetime.date(2026, 1, 5))
        self.assertEqual(count(), few + 0)

    def test_the_fit_panel_is_kept_until_the_course_s_fit_state_changes(self):
        self.assertContains(self.client_page(), "Forældrene er med igen")
        with CaptureQueriesContext(connection) as queries:
            self.assertContains(self.client_page(), "Forældrene er med igen")
        self.assertFalse([q for q in queries if '"measures_rating"' in q["sql"]
                          and "total" in q["sql"] and "answers" in q["sql"]])

    def test_a_plan_change_edited_or_removed_shows_at_once(self):
        self.client_page()
        plan = self.third.plan_change
        plan.note = "Skolen er med"
        plan.save()
        self.assertContains(self.client_page(), "Skolen er med")
        plan.delete()
        self.assertNotContains(self.client_page(), "Skolen er med")
        PlanChange.objects.create(session=self.third, note="Ny plan")
        PlanChange.objects.filter(session=self.third).delete()
        self.assertNotContains(self.client_page(), "Ny plan")

    def test_a_response_to_an_alarm_shows_at_once(self):
        learned(self.service)
        self.client_page()
        self.course.alarm_responses.create(kind="off_track", session=5, action="talked",
                                           responded_on=TODAY, recorded_by=self.alice)
        self.assertContains(self.client_page(), "Talt med den unge om det")

    def test_the_kept_panel_is_in_the_language_of_the_page(self):
        self.client_page()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.assertContains(self.client.get(self.url("client_detail", self.ida.pk)),
                            "Ratings of the session")

    def test_the_course_page_and_its_pdf(self):
        self.login(self.alice)
        page = self.client.get(self.url("fit_course", self.course.pk))
        self.assertContains(page, "FIT-kurve")
        self.assertContains(page, "Forældrene er med igen")
        response = self.client.get(self.url("fit_course_pdf", self.course.pk))
        self.assertEqual(response["Content-Type"], "application/pdf")
        text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
        for expected_text in ("FIT-kurve", "Ida Hansen", "Klinisk grænse", "Forældrene er med"):
            self.assertIn(expected_text, text)

    def pdf_text(self, language="da"):
        self.login(self.alice)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = self.client.get(self.url("fit_course_pdf", self.course.pk))
        self.assertEqual(response["Content-Type"], "application/pdf")
        return [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]

    def test_the_pdf_has_the_alarms_with_their_responses_the_change_and_the_table(self):
        learned(self.service)
        self.course.alarm_responses.create(kind="off_track", session=5, action="talked",
                                           responded_on=TODAY, recorded_by=self.alice,
                                           note="Skolen er med næste gang")
        [text] = self.pdf_text()
        flat = " ".join(text.split())
        for words in ("Under det forventede forløb ved samtale 5", "Talt med den unge om det",
                      "Skolen er med næste gang", "Forventet forløb", "Markering",
                      "Samtale Dato Ung Forælder Sessionsvurdering Planen ændret",
                      "3 ", "18,5", "34,0 !", "▼", "1 / 1"):
            self.assertIn(words, flat)
        self.assertNotIn("Registrér", flat)  # the page's link to act: nothing to click

    def test_the_pdf_is_in_the_readers_language(self):
        [text] = self.pdf_text("en")
        flat = " ".join(text.split())
        for words in ("FIT curve · Ida Hansen", "printed", "Clinical cutoff (28)",
                      "Session rating", "18.5"):
            self.assertIn(words, flat)
        self.assertNotIn("Samtale", flat)

    def test_each_heading_of_the_pdfs_table_is_on_one_line_in_both_languages(self):
        document = Document("Test", "da")
        for language in ("da", "en"):
            with translation.override(language):
                for title, width in zip(printed.header(), printed.WIDTHS, strict=False):
                    lines = document.wrap(title, printed.SIZE, width - 2 * printed.PAD, True)
                    self.assertEqual(lines, [title])

    def test_a_long_course_goes_on_over_pages_with_the_tables_header_again(self):
        Course.objects.filter(pk=self.course.pk).delete()
        self.course = course_with(self.ida, self.team_a,
                                  [10 + (k % 20) for k in range(60)],
                                  start=datetime.date(2025, 1, 1), clinician=self.alice)
        pages = self.pdf_text()
        self.assertEqual(len(pages), 2)
        for number, text in enumerate(pages, 1):
            self.assertIn("Samtale", text)
            self.assertIn(f"{number} / 2", text)
        self.assertIn("Hvordan det går", pages[0])  # the curve, then the table's start
        self.assertRegex(pages[0], r"(?m)^60 ")
        self.assertRegex(pages[1], r"(?m)^1 ")

    def test_the_course_page_of_an_ended_course_shows_the_change_class(self):
        self.course.end_date = datetime.date(2026, 10, 15)
        self.course.save()
        rate(self.course.sessions.order_by("date").last(), 29)  # 18 → 29, across 28
        self.login(self.alice)
        page = self.client.get(self.url("fit_course", self.course.pk))
        self.assertContains(page, "Ændring gennem forløbet: <strong>Kommet sig</strong>")
        self.assertNotContains(page, "Under det forventede")  # no alarms on an ended course


@time_machine.travel(TODAY)
class CaseloadAlarmTests(PersonaTestCase):
    def test_clients_with_alarms_come_first_with_the_reason(self):
        # Ida (named H…) has a weak session; "Ræven" (anonymous) comes first by name.
        course_with(self.ida, self.team_a, [20, 21], srs=[38, 33],
                    start=datetime.date(2026, 11, 2), clinician=self.alice)
        Course.objects.filter(pk=self.ida_course.pk).delete()
        self.login(self.alice)
        response = self.client.get(reverse("caseload"))
        courses = response.context["courses"]
        self.assertEqual(courses[0].client, self.ida)
        self.assertTrue(courses[0].alarms)
        self.assertContains(response, "Alliance: sessionsvurdering under grænsen")

    def test_the_most_serious_signal_comes_first_whatever_the_name(self):
        # Ida has a weak session and a decision-like due item; Zara is reliably worse.
        zara = Client.objects.create(service=self.service, team=self.team_a, anonymous=False,
                                     first_name="Zara", last_name="Ørum", gender="female",
                                     birth_date=datetime.date(2009, 1, 1), birth_year=2009)
        course_with(zara, self.team_a, [30, 27, 22], start=datetime.date(2026, 10, 1),
                    clinician=self.alice)
        course_with(self.ida, self.team_a, [20, 21], srs=[38, 33],
                    start=datetime.date(2026, 11, 2), clinician=self.alice)
        self.login(self.alice)
        page = self.client.get(reverse("caseload")).content.decode()
        rows = page[page.index("<tbody>"):]
        self.assertLess(rows.index("Zara Ørum"), rows.index("Ida Hansen"))
        self.assertLess(rows.index("Pålideligt dårligere"), rows.index("Alliance:"))

    def test_no_reliable_change_by_the_session_of_the_service_setting(self):
        course_with(self.ida, self.team_a, [20, 21, 22, 21], start=datetime.date(2026, 10, 1),
                    clinician=self.alice)
        self.login(self.alice)
        self.assertContains(self.client.get(reverse("caseload")),
                            "Ingen pålidelig ændring ved samtale 4")
        self.service.no_change_alarm_session = 5
        self.service.save()
        self.assertNotContains(self.client.get(reverse("caseload")), "pålidelig ændring")

    def test_the_caseload_costs_the_same_queries_for_any_number_of_clients_and_ratings(self):
        def count():
            self.login(self.alice)
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(reverse("caseload"))
            return len(queries), len(response.context["courses"])

        before = count()
        for i in range(6):
            client = Client.objects.create(service=self.service, team=self.team_a,
                                           pseudonym=f"Ny {i}", birth_year=2009)
            course_with(client, self.team_a, [18, 19, 17, 18, 19][: i + 1],
                        srs=[38, 33, 39][: i], start=datetime.date(2026, 10, 1),
                        clinician=self.alice)
        after = count()
        self.assertEqual(after[1], before[1] + 6)
        self.assertEqual(after[0], before[0])


@time_machine.travel(TODAY)
class OverviewTests(PersonaTestCase):
    def setUp(self):
        ended = datetime.date(2026, 6, 1)
        course_with(self.ida, self.team_a, [18, 26], end=ended, clinician=self.alice,
                    start=datetime.date(2026, 3, 2), srs=[38, None])
        course_with(self.ida, self.team_a, [20, 21], end=ended, clinician=self.carl,
                    start=datetime.date(2026, 3, 2))
        late = course_with(self.dan, self.team_b, [15, 25], end=ended, clinician=self.bob,
                           start=datetime.date(2026, 3, 2), rater="parent")
        late.end_reason = "no_contact"
        late.save()

    def test_a_leader_sees_teams_and_clinicians(self):
        self.login(self.lene)
        response = self.client.get(reverse("fit_overview"))
        teams = {f.label: f for f in response.context["sections"][0][1]}
        counselling = teams["Rådgivning"]
        self.assertEqual(counselling.ended, 2)
        self.assertEqual(counselling.classes["reliably_improved"], 1)   # 18 → 26 (cutoff 28)
        self.assertEqual(counselling.classes["no_change"], 1)
        self.assertEqual((counselling.sessions, counselling.with_outcome,
                          counselling.with_alliance), (7, 4, 1))  # with the personas' three
        day_team = teams["Dagteam"]
        self.assertEqual((day_team.dropout_share, day_team.parent_classes["reliably_improved"]),
                         (100, 1))
        self.assertEqual(sum(day_team.classes.values()), 0)  # parents are counted apart
        clinicians = {f.label: f for f in response.context["sections"][1][1]}
        self.assertEqual(clinicians["Alice Test"].classes["reliably_improved"], 1)
        self.assertContains(response, "Behandlere")

    def test_active_courses_are_counted_with_those_that_have_an_alarm(self):
        course_with(self.dan, self.team_a, [20, 21], srs=[38, 33],
                    start=datetime.date(2026, 11, 2), clinician=self.alice)  # weak alliance
        course_with(self.ida, self.team_a, [20, 24], start=datetime.date(2026, 11, 2),
                    clinician=self.carl)
        active = [c for c in Course.objects.filter(team=self.team_a, end_date__isnull=True,
                                                   start_date__isnull=False)]
        alarmed = [c for c in active if state_of(c).alarms]
        self.login(self.lene)
        response = self.client.get(reverse("fit_overview"))
        counselling = {f.label: f for f in response.context["sections"][0][1]}["Rådgivning"]
        self.assertEqual((counselling.active, counselling.alarmed), (len(active), len(alarmed)))
        self.assertEqual(len(alarmed), 1)
        clinicians = {f.label: f for f in response.context["sections"][1][1]}
        self.assertEqual(clinicians["Alice Test"].alarmed, 1)
        self.assertEqual(clinicians["Carl Test"].alarmed, 0)

    def test_a_clinician_sees_only_the_teams(self):
        self.login(self.alice)
        response = self.client.get(reverse("fit_overview"))
        self.assertEqual([f.label for f in response.context["sections"][0][1]], ["Rådgivning"])
        self.assertEqual(len(response.context["sections"]), 1)
        self.assertNotContains(response, "Carl Test")

    def test_a_period_that_ends_before_it_begins_is_refused(self):
        self.login(self.lene)
        response = self.client.get(reverse("fit_overview") + "?from=2026-05-01&to=2026-01-01")
        self.assertContains(response, "Perioden slutter, før den begynder")

    def test_the_overview_costs_the_same_queries_for_any_number_of_courses(self):
        def count():
            self.login(self.lene)
            with CaptureQueriesContext(connection) as queries:
                self.client.get(reverse("fit_overview"))
            return len(queries)

        before = count()
        for i in range(5):
            course_with(self.ida, self.team_a, [15, 18, 22, 27], clinician=self.carl,
                        start=datetime.date(2026, 4, 1 + i),
                        end=datetime.date(2026, 8, 1) if i % 2 else None)
        self.assertEqual(count(), before)

    def test_analysts_and_administrators_do_not_see_it(self):
        for user in (self.ali, self.adam):
            self.login(user)
            self.assertEqual(self.client.get(reverse("fit_overview")).status_code, 403)


class SettingsTests(PersonaTestCase):
    def setUp(self):
        self.login(self.adam)

    def test_only_the_administrator_changes_the_fit_settings(self):
        self.login(self.lene)
        self.assertEqual(self.client.get(reverse("fit_settings")).status_code, 403)
        self.assertEqual(self.client.get(reverse("fit_norms", args=["ORS"])).status_code, 403)

    def test_recording_the_licence_opens_the_digital_screens(self):
        page = self.client.get(reverse("fit_settings"))
        self.assertContains(page, "Ingen licens i kraft")
        response = self.client.post(reverse("fit_licence"), {
            "holder": "Helsingør Kommune", "reference": "ICCE-2026-17",
            "granted_on": "2026-01-02"})
        self.assertRedirects(response, reverse("fit_settings"))
        licence = Licence.objects.in_force(self.service)
        self.assertEqual((licence.holder, licence.recorded_by), ("Helsingør Kommune", self.adam))

    def test_a_bad_licence_names_the_field(self):
        response = self.client.post(reverse("fit_licence"), {
            "holder": "", "reference": "x", "granted_on": "2026-01-02",
            "valid_until": "2025-01-01"})
        self.assertContains(response, 'href="#id_holder"')
        self.assertContains(response, 'href="#id_valid_until"')
        self.assertFalse(Licence.objects.exists())

    def norm_post(self, rows, **extra):
        data = {"form-TOTAL_FORMS": len(rows), "form-INITIAL_FORMS": 0, **extra}
        for i, row in enumerate(rows):
            for key, value in row.items():
                data[f"form-{i}-{key}"] = value
        return self.client.post(reverse("fit_norms", args=["ORS"]), data)

    def test_a_service_replaces_the_default_norms_with_its_own(self):
        rows = [{"min_age": 13, "max_age": 17, "cutoff": "28", "reliable_change": "6.6",
                 "source": "CYP IAPT"},
                {"min_age": 18, "max_age": "", "cutoff": "25", "reliable_change": "6.6",
                 "source": "CYP IAPT"}]
        self.assertRedirects(self.norm_post(rows), reverse("fit_settings"))
        own = Norm.objects.in_effect(self.service)
        self.assertEqual([(n.instrument, float(n.reliable_change)) for n in own],
                         [("CORS", 5.0), ("ORS", 6.6), ("ORS", 6.6)])
        self.assertEqual(Norm.objects.filter(service=None).count(), 3)  # defaults untouched
        self.assertEqual(Norm.objects.in_effect(self.other_service)[1].reliable_change, 5)
        self.client.post(reverse("fit_norms", args=["ORS"]), {"reset": "1"})
        self.assertFalse(Norm.objects.filter(service=self.service).exists())

    def test_overlapping_age_bands_are_refused(self):
        rows = [{"min_age": 13, "max_age": 18, "cutoff": "28", "reliable_change": "5",
                 "source": "x"},
                {"min_age": 18, "max_age": "", "cutoff": "25", "reliable_change": "5",
                 "source": "x"}]
        self.assertContains(self.norm_post(rows), "overlapper")
        self.assertFalse(Norm.objects.filter(service=self.service).exists())

    def test_the_srs_flag_rule_is_a_setting(self):
        response = self.client.post(reverse("fit_alliance_rule", args=["SRS"]), {
            "total_below": "34", "item_below": "8", "drop_by": "2", "source": "Egen praksis"})
        self.assertRedirects(response, reverse("fit_settings"))
        self.assertEqual(AllianceRule.objects.get(service=self.service).total_below, 34)
        self.assertEqual(AllianceRule.objects.filter(service=None).count(), 3)
        self.assertEqual(self.client.get(reverse("fit_alliance_rule", args=["ORS"])).status_code,
                         404)

    def test_the_expected_course_is_learned_or_loaded_from_a_file(self):
        self.assertRedirects(self.client.post(reverse("fit_expected")), reverse("fit_settings"))
        self.assertEqual(ExpectedCourse.objects.get().n_courses, 0)
        model = {"name": "ETR", "source": "ICCE", "max_session": 10, "n_courses": 900,
                 "low": [2, 0.9, 2, 0], "mid": [4, 0.9, 3, 0], "high": [6, 0.9, 4, 0]}
        upload = io.BytesIO(json.dumps(model).encode())
        upload.name = "etr.json"
        self.client.post(reverse("fit_expected"), {"file": upload})
        self.assertEqual(ExpectedCourse.objects.get().kind, "loglinear")
        bad = io.BytesIO(b'{"name": "x"}')
        bad.name = "bad.json"
        response = self.client.post(reverse("fit_expected"), {"file": bad}, follow=True)
        self.assertContains(response, "max_session")
        self.assertEqual(ExpectedCourse.objects.get().name, "ETR")


@time_machine.travel(TODAY)
class ExpectedCourseCommandTests(PersonaTestCase):
    def test_refitting_leaves_out_zig_zag_courses_and_can_run_again(self):
        for i in range(3):
            course_with(self.ida, self.team_a, [15, 18 + i, 21], end=datetime.date(2026, 6, 1))
        course_with(self.ida, self.team_a, [10, 17, 10, 17, 10], end=datetime.date(2026, 6, 1))
        course_with(self.ida, self.team_a, [15, 20])  # still active: not learned from
        first = expected.refit(self.service)
        self.assertEqual((first.expected.n_courses, first.doubtful), (3, 1))
        self.assertEqual(expected.refit(self.service).expected.pk, first.expected.pk)

    def test_a_licensed_model_is_kept_unless_replaced(self):
        expected.load(self.service, {"name": "ETR", "source": "ICCE", "max_session": 10,
                                     "low": [2, 0.9, 2, 0], "mid": [4, 0.9, 3, 0],
                                     "high": [6, 0.9, 4, 0]})
        self.assertTrue(expected.refit(self.service).kept_file_model)
        self.assertFalse(expected.refit(self.service, replace_file_model=True)
                         .expected.from_file)

    def test_a_session_the_young_person_missed_is_no_session_number(self):
        course = course_with(self.ida, self.team_a, [15, None, 20])
        Session.objects.filter(course=course).order_by("date")[1:2].get().delete()
        Session.objects.create(course=course, date=datetime.date(2026, 1, 8),
                               attendance="cancelled")
        from spor.measures.progress import course_fits

        fit = course_fits([Course.objects.select_related("client").get(pk=course.pk)],
                          self.service)[course.pk]
        self.assertEqual([p.number for p in fit.own], [1, 2])

    def test_the_command_learns_for_every_service_and_loads_a_file_for_one(self):
        out = io.StringIO()
        call_command("fit_expected", stdout=out)
        self.assertIn("Helsingung: learned from 0 of 0 closed courses", out.getvalue())
        self.assertIn("Andetsteds: learned from 0", out.getvalue())
        path = Path(tempfile.mkdtemp()) / "etr.json"
        path.write_text(json.dumps({"name": "ETR", "source": "ICCE", "max_session": 1,
                                    "low": [1, 1, 1], "mid": [4, 0.9, 3, 0],
                                    "high": [6, 0.9, 4, 0]}))
        with self.assertRaises(CommandError) as caught:
            call_command("fit_expected", "--service", "Helsingung", "--from-file", str(path))
        self.assertIn("etr.json: max_session:", str(caught.exception))
        self.assertIn("etr.json: low: 4 numbers are required", str(caught.exception))
        with self.assertRaises(CommandError):
            call_command("fit_expected", "--from-file", str(path))  # which service?
        path.write_text(json.dumps({"name": "ETR", "source": "ICCE", "max_session": 10,
                                    "low": [2, 0.9, 2, 0], "mid": [4, 0.9, 3, 0],
                                    "high": [6, 0.9, 4, 0]}))
        call_command("fit_expected", "--service", "Helsingung", "--from-file", str(path),
                     stdout=out)
        self.assertEqual(ExpectedCourse.objects.get(service=self.service).name, "ETR")
