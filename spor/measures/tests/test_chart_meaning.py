"""Charts keep one meaning per colour and say the year and the month in the reader's
language: the young person's line is the same colour in the FIT curve and the diary
timeline, a parent's another; a course across New Year shows both years; English charts
write English months."""

import datetime

from django.test import SimpleTestCase
from django.utils import translation
from matplotlib.colors import to_hex
from matplotlib.dates import date2num

from spor.lib import charts
from spor.measures import curve
from spor.measures.models import Rating
from spor.tracking import chart as timeline

DAYS = [datetime.date(2025, 11, 24) + datetime.timedelta(days=14 * i) for i in range(6)]


def tick_labels(language, days=DAYS):
    with translation.override(language), charts.figure(6, 2) as (fig, (ax,)):
        ax.plot([date2num(d) for d in days], range(len(days)))
        charts.date_axis(ax.xaxis, days[0], days[-1])
        fig.canvas.draw()
        return [t.get_text() for t in ax.get_xticklabels()]


class ChartMeaningTests(SimpleTestCase):
    def test_the_young_person_has_one_colour_in_every_chart_and_a_parent_another(self):
        own = curve.RATER_STYLE[Rating.Rater.CLIENT]["color"]
        with charts.figure(4, 2) as (_fig, (ax,)):
            timeline.draw_outcome(ax, [{"date": d, "total": 20.0} for d in DAYS])
            diary_ors = to_hex(ax.lines[0].get_color())
        self.assertEqual(diary_ors, own)
        self.assertEqual(own, charts.MEANING["young_person"])
        self.assertNotEqual(curve.RATER_STYLE[Rating.Rater.PARENT]["color"], own)
        with charts.figure(4, 2) as (_fig, (ax,)):
            timeline.draw_use(ax, [])
        self.assertNotIn(charts.MEANING["use"], {own, charts.MEANING["parent"]})

    def test_a_course_across_new_year_shows_both_years(self):
        labels = tick_labels("da")
        self.assertTrue(any("2025" in label for label in labels), labels)
        self.assertTrue(any("2026" in label for label in labels), labels)
        self.assertEqual(sum("2026" in label for label in labels), 1)  # where it changes

    def test_english_charts_have_english_months_and_danish_charts_danish(self):
        english, danish = " ".join(tick_labels("en")), " ".join(tick_labels("da"))
        self.assertRegex(english, r"(Dec|Jan|Feb) \d")
        self.assertNotRegex(english, r"\d\. (dec|jan|feb)")
        self.assertRegex(danish, r"\d\. (dec|jan|feb)")

    def test_a_long_course_is_labelled_by_month_and_year(self):
        days = [datetime.date(2025, 3, 1), datetime.date(2026, 5, 1)]
        self.assertTrue(all(label[-4:] in ("2025", "2026")
                            for label in tick_labels("en", days) if label), tick_labels("en", days))
