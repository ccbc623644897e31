"""The one chart code path: inline SVG that a screen reader, a browser page and a PDF
(drawn from the same SVG by spor.lib.drawing) can all use."""

import datetime
import io
import re
import xml.etree.ElementTree as ET

from django.test import SimpleTestCase
from django.utils import translation
from pypdf import PdfReader

from spor.lib import charts, drawing

SVG = "{http://www.w3.org/2000/svg}"


def small_chart(title="Kurve", desc="Fra 10,0 til 30,0", label="Hvordan det går"):
    chart = charts.Chart(4, 2)
    ax = chart.axes(50, 10, 220, 100, x=(1, 3), y=(0, 40))
    ax.yticks([0, 10, 20, 30, 40], [charts.number(v, 1) for v in (0, 10, 20, 30, 40)])
    ax.line([1, 2, 3], [10, 20, 30], charts.COLOURS["accent"], marker="o")
    ax.ylabel(label)
    chart.legend([charts.Key("ORS", charts.COLOURS["accent"], marker="o")], 120)
    return chart.svg(title=title, desc=desc)


def parsed(svg):
    return ET.fromstring(svg)  # noqa: S314 (our own output, not untrusted data)


class ChartTests(SimpleTestCase):
    def test_the_svg_is_well_formed_and_says_what_it_shows(self):
        root = parsed(small_chart(title="Idas kurve <&>", label="a < b & c"))
        self.assertEqual(root.tag, f"{SVG}svg")
        self.assertEqual(root.get("role"), "img")
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        self.assertEqual(title.text, "Idas kurve <&>")
        self.assertEqual(desc.text, "Fra 10,0 til 30,0")
        self.assertEqual(root.get("aria-labelledby"), f"{title.get('id')} {desc.get('id')}")
        self.assertEqual(root.get("width"), "100%")
        self.assertEqual(root.get("viewBox"), "0 0 288.0 144.0")  # 4 × 2 inches in points
        self.assertIn("a < b & c", [t.text for t in root.iter(f"{SVG}text")])

    def test_text_stays_text_with_a_danish_decimal_comma(self):
        with translation.override("da"):
            svg = small_chart()
        self.assertIn(">Hvordan det går<", svg)
        self.assertIn(">20,0<", svg)
        with translation.override("en"):
            self.assertIn(">20.0<", small_chart())

    def test_a_line_goes_through_its_points_in_the_axes(self):
        root = parsed(small_chart())
        line = next(p for p in root.iter(f"{SVG}polyline")
                    if p.get("stroke") == charts.COLOURS["accent"] and len(
                        p.get("points").split()) == 3)
        # x 1..3 over 50..270 points, y 0..40 from 110 up to 10
        self.assertEqual(line.get("points"), "50.0,85.0 160.0,60.0 270.0,35.0")
        dots = [(c.get("cx"), c.get("cy")) for c in root.iter(f"{SVG}circle")]
        self.assertIn(("160.0", "60.0"), dots)

    def test_two_charts_on_one_page_share_no_ids_and_style_only_themselves(self):
        first, second = small_chart(), small_chart()
        ids = lambda svg: set(re.findall(r'\sid="([^"]+)"', svg))  # noqa: E731
        self.assertFalse(ids(first) & ids(second))
        for svg in (first, second):
            referenced = set(re.findall(r'(?:href="#|url\(#)([^")]+)', svg))
            self.assertLessEqual(referenced, ids(svg))
            self.assertNotIn("<style", svg)
            self.assertNotIn("style=", svg)

    def test_a_pdf_draws_the_same_svg_with_its_text(self):
        d = drawing.Document("Rapport", "da")
        d.add_page()
        d.chart(small_chart(), 50, 50, 300)
        text = PdfReader(io.BytesIO(d.output())).pages[0].extract_text()
        self.assertIn("Hvordan det går", text)
        self.assertIn("20,0", text)


class LayoutTests(SimpleTestCase):
    def inside(self, svg):
        root = parsed(svg)
        width = float(root.get("viewBox").split()[2])
        for text in root.iter(f"{SVG}text"):
            x, wide = float(text.get("x")), charts.text_width(text.text, charts.SMALL)
            start = {"start": x, "middle": x - wide / 2, "end": x - wide}[
                text.get("text-anchor", "start")]
            self.assertGreaterEqual(start, 0, text.text)
            self.assertLessEqual(start + wide, width, text.text)

    def test_a_legend_too_wide_for_one_row_takes_two_and_stays_inside(self):
        chart = charts.Chart(4, 2)
        keys = [charts.Key(f"En ret lang forklaring nummer {i}", "#000000") for i in range(4)]
        end = chart.legend(keys, 10, columns=4, centre=250)
        self.assertGreater(end - 10, 13)  # more than one row
        self.inside(chart.svg("Forklaring"))

    def test_the_labels_of_a_pie_stay_inside_it(self):
        self.inside(charts.pie("Forandring", ["Pålideligt forværret i forløbet", "Kommet sig",
                                              "Ingen pålidelig ændring i forløbet"], [5, 5, 1]))

    def test_long_names_of_rows_get_room_on_the_left(self):
        rows = [("Rådgivning og behandling for unge", [5, 3, 1, 1]), ("Dagteam", [1, 0, 0, 0])]
        self.inside(charts.stacked_shares("Ændring", rows, ["Kommet sig", "Pålideligt bedret",
                                                            "Ingen pålidelig ændring",
                                                            "Pålideligt forværret"],
                                          ["#1f6b3a", "#23695a", "#5b6670", "#a3262a"]))


class AxisTicksTests(SimpleTestCase):
    def test_numbers_are_round_and_evenly_spaced(self):
        self.assertEqual(charts.ticks(0, 40.5, most=4), [0, 20, 40])
        self.assertEqual(charts.ticks(29, 40.5, most=4), [30, 35, 40])
        self.assertEqual(charts.ticks(0, 2.6, integer=True), [0, 1, 2])
        self.assertEqual(charts.ticks(0, 169, integer=True), [0, 50, 100, 150])
        self.assertEqual(charts.ticks(0, 1, most=4), [0, 0.25, 0.5, 0.75, 1])
        self.assertEqual(charts.ticks(0, 1, most=4, integer=True), [0, 1])

    def test_a_date_axis_has_three_to_eight_round_days_at_any_span(self):
        first = datetime.date(2025, 11, 24)
        for span in [*range(2, 120), *range(120, 5000, 7)]:
            last = first + datetime.timedelta(days=span)
            days = charts.date_ticks(first, last)
            with self.subTest(span=span):
                self.assertTrue(3 <= len(days) <= 8, days)
                self.assertEqual(days, sorted(days))
                self.assertTrue(first <= days[0] and days[-1] <= last)
                gaps = {(b - a).days for a, b in zip(days, days[1:], strict=False)}
                self.assertLessEqual(max(gaps) - min(gaps), 7 if span < 366 * 2 else 366)

    def test_dates_are_first_days_of_months_when_the_course_is_long(self):
        days = charts.date_ticks(datetime.date(2025, 3, 12), datetime.date(2025, 11, 2))
        self.assertEqual({d.day for d in days}, {1})
        self.assertEqual(days[0], datetime.date(2025, 4, 1))
