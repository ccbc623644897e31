"""A curve is drawn from its own course's ratings for each page that shows it: what it
shows follows every change at once, in the reader's language, and nothing of one young
person's curve is in another's."""

import datetime
import xml.etree.ElementTree as ET

from django.test import TestCase
from django.utils import translation

from spor.clients.models import Client
from spor.lib import charts
from spor.lib.testing import Personas
from spor.measures import curve
from spor.measures.curve import RATER_STYLE, curve_svg
from spor.measures.models import PlanChange, Rating
from spor.measures.progress import course_fits
from spor.measures.tests.helpers import course_with, rate
from spor.treatment.models import Session

SVG = "{http://www.w3.org/2000/svg}"


def elements(svg, tag):
    return list(ET.fromstring(svg).iter(f"{SVG}{tag}"))  # noqa: S314 (our own output)


def line_of(svg, rater):
    """The (x, y) points of a rater's outcome line."""
    colour = RATER_STYLE[rater]["colour"]
    line = next(p for p in elements(svg, "polyline")
                if p.get("stroke") == colour and p.get("stroke-width") == "1.8"
                and len(p.get("points").split()) > 1)
    return [tuple(map(float, point.split(","))) for point in line.get("points").split()]


class CurveDrawnTests(Personas, TestCase):
    def setUp(self):
        self.course = course_with(self.ida, self.team_a, [18, 19, 21], clinician=self.alice,
                                  srs=[38, 39, 34])

    def curve(self, course=None, width=7.5):
        course = course or self.course
        return curve_svg(course_fits([course], self.service)[course.pk], width)

    def test_the_young_persons_line_rises_and_falls_with_the_totals(self):
        points = line_of(self.curve(), Rating.Rater.CLIENT)
        self.assertEqual(len(points), 3)
        xs, ys = [x for x, _y in points], [y for _x, y in points]
        self.assertEqual(xs, sorted(xs))  # by date, left to right
        self.assertGreater(ys[0], ys[1])  # 18 → 19 → 21: higher up the chart
        self.assertGreater(ys[1], ys[2])
        self.assertAlmostEqual((ys[0] - ys[1]) * 2, ys[1] - ys[2], delta=0.2)

    def test_a_new_rating_is_drawn_at_once(self):
        before = self.curve()
        session = Session.objects.create(course=self.course, date=datetime.date(2026, 2, 1))
        rate(session, 25)
        after = self.curve()
        self.assertNotIn("25,0", before)
        self.assertIn("25,0", after)
        self.assertEqual(len(line_of(after, Rating.Rater.CLIENT)), 4)

    def test_a_changed_session_date_moves_its_point(self):
        before = line_of(self.curve(), Rating.Rater.CLIENT)
        session = self.course.sessions.order_by("date").last()
        session.date += datetime.timedelta(days=3)
        session.save()
        after = line_of(self.curve(), Rating.Rater.CLIENT)
        self.assertEqual(before[0], after[0])
        self.assertGreater(after[-1][0] - after[-2][0], before[-1][0] - before[-2][0])

    def test_plan_changes_and_flags_are_marked_where_they_are(self):
        third = self.course.sessions.order_by("date")[2]  # its SRS of 34 is flagged
        PlanChange.objects.create(session=third, note="Ny plan")
        svg = self.curve()
        marks = [t for t in elements(svg, "text") if t.text == "▼"]
        self.assertEqual(len(marks), 1)
        self.assertAlmostEqual(float(marks[0].get("x")), line_of(svg, "client")[2][0],
                               delta=0.2)
        crosses = [tuple(map(float, path.get("d")[1:].split("l")[0].split(",")))
                   for g in elements(svg, "g") if g.get("fill") == charts.COLOURS["bad"]
                   for path in g]
        panels = curve.TOP + curve.OUTCOME + curve.GAP + curve.ALLIANCE
        drawn = [(x, y) for x, y in crosses if y < panels]  # not the legend's
        self.assertEqual(len(drawn), 1)  # one cross, on the flagged rating
        self.assertAlmostEqual(drawn[0][0], line_of(svg, "client")[2][0], delta=5)

    def test_another_young_persons_curve_shows_only_their_own_ratings(self):
        other = Client.objects.create(service=self.service, team=self.team_a,
                                      pseudonym="Uglen", birth_year=2010, gender="female")
        PlanChange.objects.create(session=self.course.sessions.first(), note="Idas plan")
        theirs = course_with(other, self.team_a, [30, 31], clinician=self.alice)
        svg = self.curve(theirs)
        self.assertNotIn("Idas plan", svg)
        self.assertNotIn("18,0", svg)
        self.assertIn("Idas plan", self.curve())

    def test_each_language_and_width_is_drawn_in_its_own_words(self):
        with translation.override("da"):
            danish = self.curve()
        with translation.override("en"):
            english = self.curve()
        self.assertIn("Outcome (ORS)", english)
        self.assertNotIn("Outcome (ORS)", danish)
        self.assertIn('viewBox="0 0 504.0 ', self.curve(width=7))
        self.assertIn('viewBox="0 0 540.0 ', self.curve())
