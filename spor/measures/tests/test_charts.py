"""The one chart code path: inline SVG that a screen reader, a browser page and a
WeasyPrint PDF can all use."""

import io
import re
import xml.etree.ElementTree as ET

from django.test import SimpleTestCase
from django.utils import translation
from pypdf import PdfReader
from weasyprint import HTML

from spor.lib import charts

SVG = "{http://www.w3.org/2000/svg}"


def small_chart(title="Kurve", desc="Fra 10,0 til 30,0"):
    with charts.figure(4, 2) as (fig, (ax,)):
        ax.plot([1, 2, 3], [10, 20, 30], label="ORS")
        ax.set_ylabel("Hvordan det går")
        charts.local_numbers(ax.yaxis, 1)
        return charts.to_svg(fig, title=title, desc=desc)


class ChartTests(SimpleTestCase):
    def test_the_svg_is_well_formed_and_says_what_it_shows(self):
        svg = small_chart(title="Idas kurve <&>")
        root = ET.fromstring(svg)  # noqa: S314 (our own output, not untrusted data)
        self.assertEqual(root.tag, f"{SVG}svg")
        self.assertEqual(root.get("role"), "img")
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        self.assertEqual(title.text, "Idas kurve <&>")
        self.assertEqual(desc.text, "Fra 10,0 til 30,0")
        self.assertEqual(root.get("aria-labelledby"), f"{title.get('id')} {desc.get('id')}")
        self.assertEqual(root.get("width"), "100%")
        self.assertIn("viewBox", root.attrib)

    def test_text_stays_text_with_a_danish_decimal_comma(self):
        with translation.override("da"):
            svg = small_chart()
        self.assertIn(">Hvordan det går<", svg)
        self.assertIn(">20,0<", svg)
        with translation.override("en"):
            self.assertIn(">20.0<", small_chart())

    def test_two_charts_on_one_page_share_no_ids_and_style_only_themselves(self):
        first, second = small_chart(), small_chart()
        ids = lambda svg: set(re.findall(r'\sid="([^"]+)"', svg))  # noqa: E731
        self.assertFalse(ids(first) & ids(second))
        for svg in (first, second):
            referenced = set(re.findall(r'(?:href="#|url\(#)([^")]+)', svg))
            self.assertLessEqual(referenced, ids(svg))
            self.assertNotIn("<style type=\"text/css\">*", svg)

    def test_weasyprint_draws_the_same_svg_in_a_pdf(self):
        html = f"<html><body><h1>Rapport</h1>{small_chart()}</body></html>"
        pdf = PdfReader(io.BytesIO(HTML(string=html).write_pdf()))
        text = pdf.pages[0].extract_text()
        self.assertIn("Hvordan det går", text)
        self.assertIn("20,0", text)
