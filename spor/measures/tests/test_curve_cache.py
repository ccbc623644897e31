"""A curve is drawn once for each change of what it shows, and only for its own course.

Every drawing gets a fresh chart id, so an unchanged id means the chart came from the cache.
"""

import datetime
import re

from django.core.cache import caches
from django.test import TestCase
from django.utils import translation

from spor.clients.models import Client
from spor.lib.testing import Personas
from spor.measures.curve import curve_svg
from spor.measures.progress import course_fits
from spor.measures.tests.helpers import course_with, rate
from spor.treatment.models import Session


def chart_id(svg):
    return re.search(r'id="(chart-\w+)"', svg).group(1)


class CurveCacheTests(Personas, TestCase):
    def setUp(self):
        caches["charts"].clear()
        self.course = course_with(self.ida, self.team_a, [18, 19, 21], clinician=self.alice,
                                  srs=[38, 39, 34])

    def curve(self, course=None, width=7.5):
        course = course or self.course
        return curve_svg(course_fits([course], self.service)[course.pk], width)

    def test_an_unchanged_course_is_drawn_once(self):
        first = self.curve()
        self.assertEqual(self.curve(), first)

    def test_a_new_rating_draws_it_again(self):
        first = self.curve()
        session = Session.objects.create(course=self.course, date=datetime.date(2026, 2, 1))
        rate(session, 25)
        second = self.curve()
        self.assertNotEqual(chart_id(second), chart_id(first))
        self.assertIn("25,0", second)

    def test_a_changed_session_date_draws_it_again(self):
        first = self.curve()
        session = self.course.sessions.order_by("date").last()
        session.date += datetime.timedelta(days=3)
        session.save()
        self.assertNotEqual(chart_id(self.curve()), chart_id(first))

    def test_another_young_person_with_the_same_ratings_gets_a_chart_of_their_own(self):
        other = Client.objects.create(service=self.service, team=self.team_a,
                                      pseudonym="Uglen", birth_year=2010, gender="female")
        twin = course_with(other, self.team_a, [18, 19, 21], clinician=self.alice,
                           srs=[38, 39, 34])
        self.assertNotEqual(chart_id(self.curve(twin)), chart_id(self.curve()))

    def test_each_language_and_width_is_drawn_in_its_own_words(self):
        with translation.override("da"):
            danish = self.curve()
        with translation.override("en"):
            english = self.curve()
        self.assertIn("Outcome (ORS)", english)
        self.assertNotIn("Outcome (ORS)", danish)
        self.assertNotEqual(chart_id(self.curve(width=7)), chart_id(self.curve()))
