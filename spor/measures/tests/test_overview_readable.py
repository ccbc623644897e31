"""The leader's FIT overview reads at a glance: an effect size only where the courses can
carry it, no rows of zeros for teams that do not use FIT, a chart of the change classes,
and no wider than a 1366 px screen."""

import datetime
import importlib

import time_machine
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from spor.accounts.models import Team
from spor.clients.models import Client
from spor.lib.testing import BrowserTestCase, Personas, PersonaTestCase
from spor.measures import fit
from spor.measures.tests.helpers import TODAY, course_with

ENDED = datetime.date(2026, 6, 1)


def ended_courses(test, totals_list, clinician):
    for i, totals in enumerate(totals_list):
        client = Client.objects.create(service=test.service, team=test.team_a, anonymous=False,
                                       first_name=f"Ung{i}", last_name="Berg", gender="male",
                                       birth_date=datetime.date(2008, 1, 1), birth_year=2008)
        course_with(client, test.team_a, totals, start=datetime.date(2026, 2, 2), end=ENDED,
                    clinician=clinician)


@translation.override("en")
class EffectRuleTests(PersonaTestCase):
    def test_an_effect_size_needs_ten_courses(self):
        pairs = [(10 + i, 16 + i) for i in range(9)]
        found = fit.effect(pairs)
        self.assertIsNone(found.value)
        self.assertEqual(found.n, 9)
        self.assertIn("too few courses (n = 9, 10 needed)", found.reason)
        self.assertAlmostEqual(fit.effect([*pairs, (19, 25)]).value,
                               6 / fit.statistics.stdev(range(10, 20)))

    def test_a_spread_of_the_first_ratings_below_three_points_gives_no_number(self):
        # Twelve intakes within a point of each other: dividing by their spread would
        # give −32 where others lie between −0.5 and 0.7.
        pairs = [(20 + (i % 3) / 10, 12) for i in range(12)]
        found = fit.effect(pairs)
        self.assertIsNone(found.value)
        self.assertIn("the spread is too small (SD 0.1 points", found.reason)
        self.assertIsNone(fit.effect([(20, 25, 22)] * 3, adjusted=True).value)


@time_machine.travel(TODAY)
class OverviewPageTests(PersonaTestCase):
    def test_the_page_says_why_there_is_no_effect_size_and_leaves_out_teams_without_fit(self):
        Team.objects.create(service=self.service, name="Opsøgende team")
        ended_courses(self, [[18, 26], [20, 21], [15, 14]], self.alice)
        self.login(self.lene)
        response = self.client.get(reverse("fit_overview"))
        teams = [f.label for f in response.context["sections"][0][1]]
        self.assertEqual(teams, ["Rådgivning"])
        self.assertContains(response, "for få forløb (n = 3, der skal 10 til)")
        self.assertContains(response, "Ikke vist, uden FIT-vurderinger i perioden: Dagteam, "
                                      "Opsøgende team.")
        self.assertContains(response, 'role="img"')  # the change classes as a chart
        self.assertContains(response, "Rådgivning (n=3): Kommet sig")

    def test_ten_courses_with_a_spread_give_a_number(self):
        ended_courses(self, [[10 + i, 16 + i] for i in range(10)], self.alice)
        self.login(self.lene)
        response = self.client.get(reverse("fit_overview"))
        row = response.context["sections"][0][1][0]
        self.assertAlmostEqual(row.effect_size.value, 6 / fit.statistics.stdev(range(10, 20)))
        self.assertContains(response, "1,98 <span class=\"muted\">(n=10)</span>")


class OverviewWidthTests(Personas, BrowserTestCase):
    viewport = {"width": 1366, "height": 768}

    def setUp(self):
        super().setUp()
        importlib.import_module("spor.measures.migrations.0002_default_norms").load(apps, None)
        type(self).setUpTestData()
        ended = datetime.date.today() - datetime.timedelta(days=20)  # noqa: DTZ011
        for i in range(4):
            course_with(self.ida, self.team_a, [12 + i, 20 + i, 24], end=ended,
                        start=ended - datetime.timedelta(days=30),
                        clinician=self.carl if i % 2 else self.alice)

    def test_the_overview_fits_a_1366_px_screen(self):
        self.log_in("lene")
        self.visit(reverse("fit_overview"))
        width = self.page.evaluate("document.documentElement.scrollWidth")
        self.assertLessEqual(width, 1366)
        for table in self.page.locator("table.fit").all():
            box = table.bounding_box()
            self.assertLessEqual(box["x"] + box["width"], 1366)
        self.assertTrue(self.page.locator("figure.fit-chart svg").first.is_visible())
        self.assertNotIn("Dagteam", self.page.locator("table.fit").first.inner_text())
