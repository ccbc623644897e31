"""The statistics PDF reads like the seed's "Statistik 2014" pages: read back from the PDF
itself (its text, page by page) and from the page's HTML."""

import datetime
import io
import re

import pypdf
from django.test import TestCase
from django.utils import translation

from spor.accounts.models import Service, Team
from spor.lib import charts, drawing
from spor.programmes.tests.helpers import make_parent_course
from spor.reports import printed, render
from spor.reports.build import make_report
from spor.reports.tests.test_period import parents
from spor.reports.tests.test_report import course

D = datetime.date


def pdf_pages(doc, language="da"):
    with translation.override(language):
        pdf = render.to_pdf(doc, "Helsingung")
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


class StatisticsPdfTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.service = s = Service.objects.create(name="Helsingung", small_cell_threshold=3)
        t = Team.objects.create(service=s, name="Rådgivning")
        # 2014: 16 courses; under 18: 9 (3 stopped, 3 reduced, 3 unchanged: 67 %); 18 and
        # over: 7 (3 stopped, 4 unchanged): success for all 9 of 16, 56 %.
        for outcome in ["stopped"] * 3 + ["reduced"] * 3 + ["unchanged"] * 3:
            course(s, t, 16, outcome)
        for outcome in ["stopped"] * 3 + ["unchanged"] * 4:
            course(s, t, 20, outcome)
        # 2013: 4 courses of under-18s, all stopped: 100 %.
        for _ in range(4):
            course(s, t, 16, "stopped", start=D(2013, 2, 1), end=D(2013, 6, 1))
        cls.doc = make_report(2014, s)
        cls.pages = pdf_pages(cls.doc)
        cls.text = "\n".join(cls.pages)

    def test_the_first_page_gives_the_key_figures_against_last_year(self):
        first = self.pages[0]
        for words in ("Statistik 2014", "Helsingung", "Den samlede indsats i 2014",
                      "2013", "Ændring"):
            self.assertIn(words, first)
        self.assertRegex(first, r"Afsluttede forløb\s*16\s*4\s*\+300 %")
        self.assertRegex(first, r"Succes, unge under 18 år\s*67 %\s*100 %\s*−33 procentpoint")
        self.assertRegex(first, r"Succes, alle\s*56 %\s*100 %\s*−44 procentpoint")

    def test_dates_are_written_out_in_danish_and_in_english(self):
        self.assertIn("fra 1. januar 2014 til 31. december 2014", self.pages[0])
        english = pdf_pages(self.doc, "en")[0]
        self.assertIn("from 1 January 2014 to 31 December 2014", english)
        self.assertIn("The work in 2014", english)
        self.assertNotIn("2014-01-01", self.text + english)

    def test_the_method_text_has_no_json_words(self):
        for word in ("null", "suppressed", "true", '"'):
            self.assertNotIn(word, self.text)
        self.assertRegex(self.text, r"skjules\s+og\s+vises\s+som\s+en\s+tankestreg")

    def test_a_section_with_nothing_in_it_is_one_line(self):
        # No ratings, day team, outreach or parent course in 2014: each says so in one line.
        for title in ("Feedback \\(FIT\\): forandring ved afslutning", "Dagteam",
                      "Opsøgende arbejde", "Forældreforløb"):
            self.assertRegex(self.text, rf"{title}\s*Intet registreret i perioden\.")
        for label in ("Brugte pladsdage", "Mulige pladsdage", "Kontakter", "Spørgeskemaer"):
            self.assertNotIn(label, self.text)

    def test_a_group_with_nothing_in_it_is_one_line(self):
        # Parents whose 3-month surveys fell due in 2014 and whose 1-year surveys are not
        # due yet: the 1-year follow-up and both its questions are one line.
        team = Team.objects.create(service=self.service, name="Forældre",
                                   kind=Team.Kind.PARENTS)
        parents(make_parent_course(self.service, team, D(2014, 3, 4)), 6, D(2014, 8, 1),
                D(2015, 6, 1))
        text = "\n".join(pdf_pages(make_report(2014, self.service)))
        self.assertIn("Opfølgning efter 3 måneder · Har din", text)
        self.assertEqual(text.count("Opfølgning efter 1 år: intet i perioden."), 1)
        self.assertNotIn("Opfølgning efter 1 år ·", text)

    def test_a_heading_never_ends_a_page(self):
        # The section headings are the only text set in 14 pt: on every page, some text
        # is set below each of them (the page number aside).
        found = 0
        for number, page in enumerate(pypdf.PdfReader(io.BytesIO(self.pdf())).pages, 1):
            items = []

            def visit(text, cm, tm, font, size, items=items):
                if text.strip():
                    items.append((round(size * tm[3] * cm[3], 1), tm[5] * cm[3] + cm[5]))

            page.extract_text(visitor_text=visit)
            body = [y for size, y in items if size < 13]
            lowest = sorted(body)[1] if len(body) > 1 else 0  # above the page number
            for size, y in items:
                if size >= 13:
                    found += 1
                    self.assertGreater(y, lowest, f"a heading ends page {number}")
        self.assertGreaterEqual(found, 10)

    def pdf(self):
        with translation.override("da"):
            return render.to_pdf(self.doc, "Helsingung")

    def test_every_table_has_the_same_percent_column(self):
        with translation.override("da"):
            html = render.to_html(self.doc, "Helsingung")
        tables = re.findall(r'<table class="figures">.*?</table>', html, re.S)
        self.assertGreaterEqual(len(tables), 5)
        for table in tables:
            self.assertIn('<th class="num">%</th>', table)
        # Plain counts get their share too: 9 of the 16 enrolled courses were 15-17.
        ages = html[html.index('id="age_distribution"'):html.index('id="anonymous_contacts"')]
        self.assertRegex(ages, r'15-17</th>\s*<td class="num">9</td>\s*<td class="num">56 %')

    def test_the_charts_are_drawn_into_the_pdf_with_their_text(self):
        # The pies' and bars' labels are text of the PDF, set small beside the tables.
        sizes = {}
        for page in pypdf.PdfReader(io.BytesIO(self.pdf())).pages:
            def visit(text, cm, tm, font, size, sizes=sizes):
                if text.strip():
                    sizes.setdefault(text.strip(), set()).add(round(size * tm[0] * cm[0], 1))

            page.extract_text(visitor_text=visit)
        chart_text = {text for text, found in sizes.items() if min(found) < 7}
        self.assertIn("38 %", chart_text)  # 6 of 16 stopped: the pie of all courses
        self.assertIn("56 %", chart_text)  # 9 of 16 enrolled aged 15-17: the bars
        self.assertIn("Stoppet", chart_text)

    def test_every_table_of_the_page_is_in_the_pdf(self):
        with translation.override("da"):
            html = render.to_html(self.doc, "Helsingung")
        captions = re.findall(r"<caption>([^<]*)</caption>", html)
        labels = set(re.findall(r'<th scope="row">([^<]*)</th>', html))
        self.assertGreaterEqual(len(captions), 3)
        self.assertGreaterEqual(len(labels), 30)
        flat = re.sub(r"\s+", " ", self.text)
        for words in captions + sorted(labels):
            self.assertIn(words.replace("&#x27;", "'"), flat)

    def test_a_table_longer_than_a_page_repeats_its_caption_and_header(self):
        with translation.override("da"):
            layout = printed.Statistics(render.context(self.doc, "Helsingung"))
            items = [(f"Sted {k}", k, None, False, "") for k in range(60)]
            table = layout.table(printed.LEFT, printed.COLUMN, "Efter sted", items)
            drawing.Cursor(layout.book, 0, printed.TOP).put(table)
            self.assertEqual(len(layout.book.pages), 2)
            pages = pypdf.PdfReader(io.BytesIO(layout.finish())).pages
        texts = [page.extract_text() for page in pages]
        self.assertEqual(len(texts), 2)
        for text in texts:
            self.assertIn("Efter sted", text)
            self.assertRegex(text, r"2014\s*%")
        self.assertIn("Sted 59", texts[1])

    def test_charts_show_their_percentages(self):
        svgs = render.chart_svgs(self.doc)
        self.assertIn("56 %", svgs["age_enrolled"])  # 9 of 16 aged 15-17
        self.assertIn("38 %", svgs["all"])           # 6 of 16 stopped


class EvenAxisTicksTests(TestCase):
    def test_a_bar_chart_counts_in_even_steps_of_whole_numbers(self):
        for values in ([13, 7, None], [16, 8, 6], [2, 1, 0], [130, 45, 3]):
            svg = charts.bars("Alder", ["a", "b", "c"], values)
            axis = re.search(r'<g class="y-axis">.*?</g>', svg).group(0)
            ticks = [int(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", axis)]
            steps = {b - a for a, b in zip(ticks, ticks[1:], strict=False)}
            self.assertEqual(ticks[0], 0, values)
            self.assertEqual(len(steps), 1, (values, ticks))
            self.assertGreaterEqual(len(ticks), 3, values)
