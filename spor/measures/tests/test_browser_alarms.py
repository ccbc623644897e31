"""Acting on an alarm in real Chromium: the clinician records what was done from the course
page, and the leader records the team's decision on the FIT meeting list."""

import datetime
import importlib

from django.apps import apps
from django.urls import reverse

from spor.lib.dates import today
from spor.lib.testing import BrowserTestCase, Personas
from spor.measures.models import AlarmResponse
from spor.measures.tests.helpers import course_with


class AlarmResponseBrowserTests(Personas, BrowserTestCase):
    def setUp(self):
        super().setUp()
        # The live server's tests empty the database between tests: the default norms of
        # the data migration are loaded again.
        importlib.import_module("spor.measures.migrations.0002_default_norms").load(apps, None)
        type(self).setUpTestData()
        # Ida falls from 22 to 14 over three weeks: reliably worse than at intake.
        start = today() - datetime.timedelta(days=30)
        self.course = course_with(self.ida, self.team_a, [22, 20, 14], start=start,
                                  clinician=self.alice)

    def test_the_clinician_records_a_response_from_the_course_page(self):
        self.log_in("alice", "alice-password-1")
        self.visit(reverse("course_detail", args=[self.course.pk]))
        alarm = self.page.locator(".alarms li", has_text="Pålideligt dårligere")
        alarm.get_by_role("link", name="Registrér hvad der blev gjort").click()
        self.page.wait_for_load_state()
        self.page.get_by_label("Talt med den unge om det").check()
        self.page.fill("#id_note", "Vi aftalte at tale om søvn næste gang")
        self.page.get_by_role("button", name="Registrér handlingen").click()
        self.page.wait_for_load_state()
        self.assertIn("Handlingen er registreret.", self.page.content())
        answered = self.page.locator(".alarms li", has_text="Pålideligt dårligere")
        self.assertIn("Talt med den unge om det", answered.inner_text())
        self.assertEqual(AlarmResponse.objects.get().action, "talked")

        # On the caseload the alarm is now marked as answered.
        self.visit(reverse("caseload"))
        tag = self.page.locator("li.tag", has_text="Pålideligt dårligere")
        self.assertIn("besvaret", tag.first.inner_text())

    def test_the_leader_records_the_teams_decision_on_the_meeting_list(self):
        self.log_in("lene", "lene-password-1")
        self.visit(reverse("fit_overview"))
        self.page.get_by_role("link", name="Forløb ude af kurs til FIT-mødet").click()
        self.page.wait_for_load_state()
        row = self.page.locator("article.meeting-course", has_text="Ida Hansen")
        self.assertIn("1 ubesvaret", row.inner_text())
        row.get_by_text("Registrér hvad teamet besluttede").click()
        row.get_by_role("button", name="Registrér beslutningen").click()  # no words yet
        self.page.wait_for_load_state()
        row = self.page.locator("article.meeting-course", has_text="Ida Hansen")
        self.assertIn("Skriv hvad teamet besluttede.", row.inner_text())
        row.get_by_label("Ændrede planen").check()
        row.get_by_label("Hvad teamet besluttede").fill("Forældrene inviteres med")
        row.get_by_role("button", name="Registrér beslutningen").click()
        self.page.wait_for_load_state()
        row = self.page.locator("article.meeting-course", has_text="Ida Hansen")
        self.assertIn("Teamet: Ændrede planen", row.inner_text())
        self.assertNotIn("ubesvaret", row.inner_text())
        decided = AlarmResponse.objects.get()
        self.assertEqual((decided.by_team, decided.note), (True, "Forældrene inviteres med"))
