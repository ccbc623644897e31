"""The drawing layer of the PDFs drawn directly (spor.lib.drawing): fonts, lines and the
charts' SVG as PDF shapes."""

import datetime
import io
import math
from unittest import skipUnless

import pypdf
from django.test import SimpleTestCase

from spor.lib import charts, drawing


def area(points):
    """The area inside a closed outline (the shoelace formula)."""
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2)
                   in zip(points, points[1:] + points[:1], strict=True))) / 2


def text_of(document):
    return "\n".join(page.extract_text()
                     for page in pypdf.PdfReader(io.BytesIO(document.output())).pages)


class LinesTests(SimpleTestCase):
    def test_a_line_is_broken_at_spaces_and_never_wider_than_its_column(self):
        d = drawing.Document("Test", "da")
        text = "Et forløb tælles med i det år, det blev afsluttet, og alderen er den unges"
        lines = d.wrap(text, 9, 120)
        self.assertGreater(len(lines), 2)
        self.assertEqual(" ".join(lines), text)
        for line in lines:
            self.assertLessEqual(d.width(line, 9), 120)

    def test_a_word_wider_than_its_column_is_broken_where_it_must(self):
        d = drawing.Document("Test", "da")
        lines = d.wrap("Samarbejdspartnermøde", 9, 40, bold=True)
        self.assertEqual("".join(lines), "Samarbejdspartnermøde")
        for line in lines:
            self.assertLessEqual(d.width(line, 9, bold=True), 40)

    def test_text_is_text_of_the_pdf_in_danish_letters(self):
        d = drawing.Document("Test", "da")
        d.add_page()
        d.text(50, 100, "Forældreforløb: −33 procentpoint · 1827 pladsdage", 10)
        d.text(500, 120, "Ændring", 10, bold=True, align="right")
        text = text_of(d)
        self.assertIn("Forældreforløb: −33 procentpoint · 1827 pladsdage", text)
        self.assertIn("Ændring", text)


class FontTests(SimpleTestCase):
    def test_the_fonts_are_read_once_for_every_document(self):
        drawing.Document("Test", "da")
        read = drawing._face.cache_info().misses
        for _ in range(2):
            d = drawing.Document("Test", "da")
            d.add_page()
            d.text(50, 100, "Stoppet", 10)
            self.assertIn("Stoppet", text_of(d))
        self.assertEqual(drawing._face.cache_info().misses, read)

    def test_each_document_has_a_subset_of_its_own(self):
        first, second = drawing.Document("Et", "da"), drawing.Document("To", "da")
        for d, words in ((first, "Hash"), (second, "Øget")):
            d.add_page()
            d.text(50, 100, words, 10)
        self.assertEqual(text_of(first).strip(), "Hash")
        self.assertEqual(text_of(second).strip(), "Øget")

    def test_a_subset_is_cut_once_for_the_same_letters(self):
        def drawn(words):
            d = drawing.Document("Test", "da")
            d.add_page()
            d.text(50, 100, words, 10)
            return text_of(d)
        drawn("Stoppet")
        cut = drawing._subset.cache_info().misses
        self.assertEqual(drawn("Stoppet"), drawn("Stoppet"))
        self.assertEqual(drawing._subset.cache_info().misses, cut)
        self.assertIn("Søgt", drawn("Søgt"))
        self.assertEqual(drawing._subset.cache_info().misses, cut + 1)

    def test_the_fonts_are_written_as_fpdf2_writes_them(self):
        # Spor's writer of the fonts (drawing._Output) stands in for fpdf2's own: the same
        # file, byte for byte, for the version of fpdf2 that is installed.
        def document(words):
            d = drawing.Document("Test", "da", words)
            d.pdf.set_creation_date(datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))
            d.add_page()
            d.text(50, 100, words, 10)
            d.text(50, 120, words, 10, bold=True)
            return d.pdf
        texts = ["Forældreforløb: −33 procentpoint · ▲ ☺ 28,0"]
        if drawing._system_faces():
            texts.append("Ἐλευσίνα Ungdom")
        for words in texts:
            ours = document(words).output(output_producer_class=drawing._Output)
            self.assertEqual(bytes(ours), bytes(document(words).output()))

    @skipUnless(drawing._system_faces(), "no DejaVu Sans through fontconfig")
    def test_letters_outside_the_kept_subset_are_set_in_the_full_font(self):
        name = "Ἐλευσίνα Ungdom"
        self.assertFalse(set(map(ord, name)) <= drawing.covered())
        d = drawing.Document("Test", "da", name)
        d.add_page()
        d.text(50, 100, name, 14)
        self.assertIn(name, text_of(d))


class ChartTests(SimpleTestCase):
    def test_the_slices_of_a_pie_make_its_whole_circle(self):
        # Slices of a sixth, a half and a third: each arc, the large one too, on the
        # circle about the pie's centre, and together the circle's area.
        _w, _h, shapes = drawing.parsed_chart(charts.pie("Hovedstof", ["a", "b", "c"],
                                                         [1, 3, 2]))
        slices = [shape[1] for shape in shapes if shape[0] == "polygon"][1:]  # not the page
        self.assertEqual(len(slices), 3)
        centre = slices[0][0]
        for points in slices:
            self.assertEqual(points[0], centre)
            for x, y in points[1:]:
                self.assertAlmostEqual(math.dist((x, y), centre), 80, delta=0.2)
        self.assertAlmostEqual(sum(map(area, slices)) / (math.pi * 80 ** 2), 1, delta=0.01)
        self.assertAlmostEqual(area(slices[1]) / (math.pi * 80 ** 2), 0.5, delta=0.01)

    def test_a_chart_keeps_its_text_its_colours_and_its_rotated_labels(self):
        _w, _h, shapes = drawing.parsed_chart(charts.bars("Alder", ["under 15", "15-17"],
                                                          [3, 16], total=19))
        texts = {shape[3]: shape for shape in shapes if shape[0] == "text"}
        self.assertIn("Alder", texts)
        self.assertEqual(texts["15-17"][8], -20)  # the ticks' labels are turned
        self.assertIn("84 %", texts)  # 16 of 19
        bars = [shape for shape in shapes if shape[0] == "polygon"
                and shape[2] == charts.COLOURS["accent"]]
        self.assertEqual(len(bars), 2)


class LayoutTests(SimpleTestCase):
    def layout(self):
        return drawing.Layout(drawing.Document("Test", "da"), 50, 50, 40, 40)

    def table(self, page, rows, keep):
        columns = [drawing.Column(200, bold=True), drawing.Column(80, "right")]
        return page.table(page.left, columns, ["Sted", "Antal"],
                          [[f"Sted {k}", str(k)] for k in range(rows)],
                          total=["I alt", str(sum(range(rows)))], keep=keep)

    def test_a_long_table_starts_where_it_is_and_repeats_its_header_on_the_next_page(self):
        page = self.layout()
        cursor = drawing.Cursor(page.book, 0, page.book.top)
        cursor.put(page.lines("Over tabellen", after=400))
        cursor.put(self.table(page, 40, keep=False))
        texts = [p.extract_text() for p in
                 pypdf.PdfReader(io.BytesIO(page.finish(lambda n, c: f"{n} / {c}"))).pages]
        self.assertEqual(len(texts), 2)
        self.assertIn("Sted 0", texts[0])
        self.assertIn("Over tabellen", texts[0])
        for number, text in enumerate(texts, 1):
            self.assertIn("Sted Antal", text)
            self.assertIn(f"{number} / 2", text)
        self.assertIn("I alt 780", " ".join(texts[1].split()))

    def test_a_kept_table_that_fits_a_page_goes_whole_to_the_next(self):
        page = self.layout()
        cursor = drawing.Cursor(page.book, 0, page.book.top)
        cursor.put(page.lines("Over tabellen", after=400))
        where = cursor.put(self.table(page, 30, keep=True))
        self.assertEqual(where, (1, page.book.top))
        self.assertEqual(len(page.book.pages), 2)

    def test_a_definition_list_keeps_each_term_with_its_values(self):
        page = self.layout()
        blocks = page.definitions([("Bevillingsgiver", ["Sundhedsministeriet"]),
                                   ("Bevillinger", ["2026: 450.000,00 kr.", "2027: 1 kr."])])
        self.assertEqual(len(blocks), 2)
        cursor = drawing.Cursor(page.book, 0, page.book.top)
        for block in blocks:
            cursor.put(block)
        text = " ".join(pypdf.PdfReader(io.BytesIO(page.finish())).pages[0]
                        .extract_text().split())
        self.assertIn("Bevillingsgiver Sundhedsministeriet Bevillinger 2026: 450.000,00 kr. "
                      "2027: 1 kr.", text)

    def test_runs_of_a_paragraph_keep_their_spaces(self):
        page = self.layout()
        cursor = drawing.Cursor(page.book, 0, page.book.top)
        cursor.put(page.runs([("Ændring gennem forløbet: ", False, drawing.INK),
                              ("Kommet sig", True, drawing.INK),
                              (" (grænse 28,0)", False, drawing.MUTED)]))
        text = pypdf.PdfReader(io.BytesIO(page.finish())).pages[0].extract_text()
        self.assertIn("Ændring gennem forløbet: Kommet sig (grænse 28,0)", text)


class SubsetTests(SimpleTestCase):
    def test_the_kept_fonts_have_the_signs_the_charts_and_labels_use(self):
        signs = "▲▼●■◆☹☺√–−·…≤≥→×æøåÆØÅé"
        self.assertLessEqual(set(map(ord, signs)), drawing.covered())
        bold = drawing._face(drawing.FONTS / drawing.FACES["B"])[0].cmap
        self.assertLessEqual(set(map(ord, signs)), set(bold))
