"""Charts keep one meaning per colour and say the year and the month in the reader's
language: the young person's line is the same colour in the FIT curve and the diary
timeline, a parent's another; a course across New Year shows both years; English charts
write English months."""

import datetime
import xml.etree.ElementTree as ET

from django.test import SimpleTestCase
from django.utils import translation

from spor.lib import charts
from spor.measures import curve
from spor.measures.models import Rating
from spor.tracking import chart as timeline
from spor.tracking.summary import Week

SVG = "{http://www.w3.org/2000/svg}"
DAYS = [datetime.date(2025, 11, 24) + datetime.timedelta(days=14 * i) for i in range(6)]


def elements(svg, tag):
    return list(ET.fromstring(svg).iter(f"{SVG}{tag}"))  # noqa: S314 (our own output)


def tick_labels(language, days=DAYS):
    """The texts under a date axis from the first day to the last, a tick's year its own
    line."""
    with translation.override(language):
        chart = charts.Chart(6, 2)
        ax = chart.axes(40, 10, 380, 100, x=(days[0].toordinal(), days[-1].toordinal()),
                        y=(0, 1))
        charts.date_axis([ax], days[0], days[-1])
        return [t.text for t in elements(chart.svg("Dage"), "text")]


class ChartMeaningTests(SimpleTestCase):
    def test_the_young_person_has_one_colour_in_every_chart_and_a_parent_another(self):
        own = curve.RATER_STYLE[Rating.Rater.CLIENT]["colour"]
        weeks = [Week(d, use_days=2, known_days=7) for d in DAYS]
        svg = timeline.timeline_svg(weeks, [{"date": d, "total": 20.0} for d in DAYS])
        lines = {p.get("stroke") for p in elements(svg, "polyline")
                 if p.get("stroke-width") == "1.6"}
        self.assertEqual(lines, {own})  # the diary's ORS line
        self.assertEqual(own, charts.MEANING["young_person"])
        self.assertNotEqual(curve.RATER_STYLE[Rating.Rater.PARENT]["colour"], own)
        bars = {r.get("fill") for r in elements(svg, "rect")}
        self.assertIn(charts.MEANING["use"], bars)
        self.assertNotIn(charts.MEANING["use"], {own, charts.MEANING["parent"]})

    def test_a_course_across_new_year_shows_both_years(self):
        labels = tick_labels("da")
        self.assertEqual(labels.count("2025"), 1, labels)  # under the first tick
        self.assertEqual(labels.count("2026"), 1, labels)  # where it changes
        self.assertLess(labels.index("2025"), labels.index("2026"))

    def test_english_charts_have_english_months_and_danish_charts_danish(self):
        english, danish = " ".join(tick_labels("en")), " ".join(tick_labels("da"))
        self.assertRegex(english, r"(Dec|Jan|Feb) \d")
        self.assertNotRegex(english, r"\d\. (dec|jan|feb)")
        self.assertRegex(danish, r"\d\. (dec|jan|feb)")

    def test_a_long_course_is_labelled_by_month_and_year(self):
        days = [datetime.date(2025, 3, 1), datetime.date(2026, 5, 1)]
        labels = tick_labels("en", days)
        self.assertGreaterEqual(len(labels), 3)
        self.assertTrue(all(label[-4:] in ("2025", "2026") for label in labels), labels)
        self.assertRegex(" ".join(labels), r"[A-Z][a-z]{2} 2026")
