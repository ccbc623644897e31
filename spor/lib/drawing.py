"""Spor's PDFs (the statistics, a course's FIT curve, the outreach funding report) drawn
directly with fpdf2: text measured and set by Spor itself, the SVG charts of
spor.lib.charts drawn as PDF shapes, and one layout of blocks on pages (Layout: headings,
paragraphs, definition lists, tables, charts, a footer) that every PDF uses.

Laying a report out from HTML (WeasyPrint) cost half a second of processor for a
ten-page statistics document, most of it in general machinery (styles, boxes, SVG text
laid out a letter at a time) that a document of headings, tables and charts does not
need. Here a page is placed by arithmetic: widths come from the font's own advance
widths, lines are broken at spaces, and what is drawn is plain PDF text (extractable)
and shapes.

The font is DejaVu Sans, as in the HTML print stylesheet: a Latin subset of it is kept
under fonts/ (its licence beside it), so that a fresh clone needs nothing from the
system and each PDF subsets a font of a few hundred glyphs, not six thousand. A
document with a letter outside that subset (a name in Greek, say) is set in the full
DejaVu Sans of the system, found through fontconfig, when there is one. Fonts are read
once per process: each document gets a copy with a subset of its own, and the font file
of a subset is cut once per process for each set of letters.
"""

import copy
import dataclasses
import functools
import io
import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET  # noqa: S405 (only the SVG that charts.py writes)
import zlib
from pathlib import Path

from fontTools import subset as ftsubset
from fontTools import ttLib
from fpdf import FPDF
from fpdf.enums import PDFResourceType
from fpdf.fonts import SubsetMap, TTFFont
from fpdf.output import (
    CIDSystemInfo,
    OutputProducer,
    PDFContentStream,
    PDFFont,
    _build_cmap_blocks,
    _tt_font_widths,
)
from fpdf.syntax import Name, PDFArray

FONTS = Path(__file__).parent / "fonts"
FACES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FAMILY = "dejavu"
MM = 72 / 25.4
A4 = (595.28, 841.89)  # points


@functools.cache
def _system_faces() -> dict | None:
    """The full DejaVu Sans of the system (regular and bold), through fontconfig."""
    if not shutil.which("fc-match"):
        return None
    found = {}
    for style, pattern in (("", "DejaVu Sans:style=Book"), ("B", "DejaVu Sans:style=Bold")):
        try:
            path = subprocess.run(["fc-match", "-f", "%{file}", pattern],  # noqa: S603,S607
                                  capture_output=True, text=True, timeout=5).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
        if not path.endswith(".ttf") or "DejaVuSans" not in Path(path).name:
            return None
        found[style] = Path(path)
    return found


@functools.cache
def _face(path: Path):
    """(the parsed font, its file's bytes), read once per process: fpdf2 works out every
    letter's width and glyph when a font is added (most of the cost of a font)."""
    scratch = FPDF(unit="pt")
    scratch.add_font(FAMILY, "", path)
    return scratch.fonts[FAMILY], path.read_bytes()


@functools.cache
def covered() -> frozenset:
    """The letters of the kept subset."""
    return frozenset(_face(FONTS / FACES[""])[0].cmap)


def _install(pdf: FPDF, style: str, path: Path):
    """The parsed font into this document, with a subset of its own (the codes of the
    letters it sets) and tables of its own (fpdf2's own writer of the file, which
    _Output leaves only for fonts of other kinds, cuts them in place)."""
    parsed, data = _face(path)
    font = copy.copy(parsed)
    font.i = len(pdf.fonts) + 1
    font.fontkey = FAMILY + style
    font.ttfont = ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False, recalcBBoxes=False,
                               lazy=True)
    font.subset = SubsetMap(font)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    pdf.fonts[font.fontkey] = font
    return font


@functools.lru_cache(maxsize=64)
def _subset(path: Path, glyphs: frozenset) -> tuple[bytes, int, dict]:
    """(the font file cut to the glyphs, compressed; its length before; each glyph's id in
    it), as fpdf2 cuts a font when it writes a document, made once per process for each
    set of glyphs: cutting and writing a font was a third of the time of a statistics PDF.
    A font is no personal data, and the same glyphs give the same bytes."""
    ttfont = ttLib.TTFont(io.BytesIO(_face(path)[1]), recalcTimestamp=False,
                          recalcBBoxes=False, lazy=True)
    options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True)
    options.drop_tables += ["FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix",
                            "CBDT", "CBLC", "EBDT", "EBLC", "EBSC", "SVG ", "CPAL", "COLR"]
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(glyphs=glyphs)
    subsetter.subset(ttfont)
    out = io.BytesIO()
    ttfont.save(out)
    ids = {name: ttfont.getGlyphID(name) for name in glyphs}
    return zlib.compress(out.getvalue()), len(out.getvalue()), ids


class _Output(OutputProducer):
    """fpdf2's writer of the file, with the fonts written as its own _add_fonts writes a
    TrueType font (the same objects, the same bytes), but each font's subset taken from
    _subset. Pinned with fpdf2 (2.8): test_drawing compares the two writers' files."""

    def _add_fonts(self, *resources):
        fonts = sorted(self.fpdf.fonts.values(), key=lambda font: font.i)
        if not all(type(font) is TTFFont and not font.color_font and not font.is_cff
                   for font in fonts) or self.fpdf._compliance:
            return super()._add_fonts(*resources)
        return {font.i: self._add_font(font) for font in fonts}

    def _add_font(self, font: TTFFont) -> PDFFont:
        name = f"MPDFAA+{font.name}"
        used = [(glyph, code) for glyph, code in font.subset.items() if glyph is not None]
        data, length, ids = _subset(Path(font.ttffile),
                                    frozenset(glyph.glyph_name for glyph, _code in used))
        composite = PDFFont(subtype="Type0", base_font=name, encoding="Identity-H")
        self._add_pdf_obj(composite, "fonts")
        cid_font = PDFFont(subtype="CIDFontType2", base_font=name,
                           d_w=font.desc.missing_width, w=_tt_font_widths(font))
        self._add_pdf_obj(cid_font, "fonts")
        composite.descendant_fonts = PDFArray([cid_font])
        # Each code's letters, so that the text can be searched and copied.
        def letters(glyph):
            return "".join(map(chr, glyph.unicode)).encode("utf-16-be").hex().upper()
        chars = [f"<{code:04X}> <{letters(glyph)}>\n" for glyph, code in used
                 if isinstance(glyph.unicode, tuple) and glyph.unicode]
        to_unicode = PDFContentStream(
            ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
             "/CIDSystemInfo\n<</Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n"
             "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n"
             f"<0000> <FFFF>\nendcodespacerange\n{_build_cmap_blocks(chars, 'bfchar')}"
             "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
             ).encode("latin-1"))
        self._add_pdf_obj(to_unicode, "fonts")
        composite.to_unicode = to_unicode
        system_info = CIDSystemInfo()
        self._add_pdf_obj(system_info, "fonts")
        cid_font.c_i_d_system_info = system_info
        descriptor = copy.copy(font.desc)  # the parsed font's, shared by every document
        descriptor.font_name = Name(name)
        self._add_pdf_obj(descriptor, "fonts")
        cid_font.font_descriptor = descriptor
        glyph_ids = bytearray(2 * 256 * 256)
        for glyph, code in used:
            glyph_ids[2 * code:2 * code + 2] = ids[glyph.glyph_name].to_bytes(2, "big")
        cid_font.c_i_d_to_g_i_d_map = PDFContentStream(glyph_ids, compress=True)
        self._add_pdf_obj(cid_font.c_i_d_to_g_i_d_map, "fonts")
        font_file = PDFContentStream(data)
        font_file.filter, font_file.length1 = Name("FlateDecode"), length
        self._add_pdf_obj(font_file, "fonts")
        descriptor.font_file2 = font_file
        # As fpdf2 does: its caches of the letters picked hold every document until then.
        font.subset.pick.cache_clear()
        font.subset.get_glyph.cache_clear()
        font.close()
        return composite


@functools.cache
def colour(hex_colour: str) -> tuple:
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return tuple(int(value[i:i + 2], 16) for i in (0, 2, 4))


@functools.cache
def fill(hex_colour: str) -> str:
    """The colour as the PDF operator that fills with it (text is filled)."""
    return " ".join(f"{part / 255:.3f}" for part in colour(hex_colour)) + " rg"


@functools.cache
def stroke(hex_colour: str) -> str:
    """The colour as the PDF operator that draws lines with it."""
    return fill(hex_colour)[:-2] + "RG"


class Document:
    """An A4 document in points, y downwards from the top of the page, as fpdf2 counts."""

    def __init__(self, title: str, language: str, text: str = ""):
        """`text`: what the document will show that is not Spor's own words (names,
        sources), to choose the font that has all its letters."""
        self.pdf = pdf = FPDF(unit="pt", format="A4")
        pdf.set_auto_page_break(False)
        pdf.set_margins(0, 0, 0)
        pdf.set_title(title)
        pdf.set_lang(language)
        pdf.set_creator("Spor")
        faces = {style: FONTS / name for style, name in FACES.items()}
        if not set(map(ord, text)) <= covered() and _system_faces():
            faces = _system_faces()
        self.fonts = {style: _install(pdf, style, path) for style, path in faces.items()}
        self.widths = {style: _face(path)[0].cw for style, path in faces.items()}
        # What this document has measured and written, for each style: a table's figures,
        # labels and words come again and again.
        self.measured: dict[str, dict] = {style: {} for style in faces}
        self.encoded: dict[str, dict] = {style: {} for style in faces}

    # Pages and text -----------------------------------------------------------------

    def add_page(self) -> None:
        pdf = self.pdf
        pdf.add_page()
        for font in self.fonts.values():
            pdf._resource_catalog.add(PDFResourceType.FONT, font.i, pdf.page)

    def width(self, text: str, size: float, bold: bool = False) -> float:
        style = "B" if bold else ""
        measured = self.measured[style]
        units = measured.get(text)
        if units is None:
            widths = self.widths[style]
            units = measured[text] = sum(widths[ord(c)] for c in text)
        return units * size / 1000

    def wrap(self, text: str, size: float, width: float, bold: bool = False) -> list[str]:
        """The text in lines no wider than `width`, broken at spaces (a word wider than
        the line is broken where it must be)."""
        lines, line = [], ""
        space = self.width(" ", size, bold)
        used = 0.0
        for word in str(text).split():
            wide = self.width(word, size, bold)
            while wide > width:  # a word longer than the line: as much as fits
                if line:
                    lines.append(line)
                    line, used = "", 0.0
                cut = len(word) - 1
                while cut > 1 and self.width(word[:cut], size, bold) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
                wide = self.width(word, size, bold)
            if line and used + space + wide > width:
                lines.append(line)
                line, used = word, wide
            else:
                line, used = (f"{line} {word}", used + space + wide) if line else (word, wide)
        if line or not lines:
            lines.append(line)
        return lines

    def text(self, x: float, y: float, text: str, size: float, bold: bool = False,
             ink: str = "#1d2630", align: str = "left") -> None:
        """One line with its baseline at y; `align` "right" or "centre" puts its end or
        middle at x."""
        if not text:
            return
        if align != "left":
            wide = self.width(text, size, bold)
            x -= wide if align == "right" else wide / 2
        # Written as fpdf2's text() writes it, without its bookkeeping of the current
        # font (a third of the time of a page of tables, which change font in every row);
        # the colour is the text's own (q … Q), so that fpdf2's fill colour stays true.
        style = "B" if bold else ""
        font, encoded = self.fonts[style], self.encoded[style]
        codes = encoded.get(text)
        if codes is None:
            codes = encoded[text] = font.encode_text(text)
        self.pdf._out(f"q {fill(ink)} BT /F{font.i} {size:.2f} Tf {x:.2f} {A4[1] - y:.2f} Td "
                      f"{codes} ET Q")

    def rule(self, x1: float, y: float, x2: float, ink: str = "#d7dde2",
             width: float = 0.75) -> None:
        # Written directly, as text is, in a state of its own (q … Q): a table draws a rule
        # under every row, and fpdf2's colour and width bookkeeping cost more than the line.
        y = A4[1] - y
        self.pdf._out(f"q {stroke(ink)} {width:.2f} w {x1:.2f} {y:.2f} m {x2:.2f} {y:.2f} l S Q")

    def link(self, x: float, y: float, w: float, h: float, page: int, top: float) -> None:
        """A link from the rectangle to a place in the document."""
        target = self.pdf.add_link(page=page, y=top)
        self.pdf.link(x, y, w, h, target)

    def bookmark(self, title: str, top: float) -> None:
        """An entry of the PDF's outline, at `top` of the current page."""
        self.pdf.set_y(top)
        self.pdf.start_section(title)

    def output(self) -> bytes:
        return bytes(self.pdf.output(output_producer_class=_Output))

    # Charts ---------------------------------------------------------------------------

    def chart(self, svg: str, x: float, y: float, width: float) -> None:
        """An SVG chart of spor.lib.charts drawn `width` wide from (x, y)."""
        _vw, _vh, shapes = parsed_chart(svg)
        scale = width / _vw
        pdf = self.pdf
        for shape in shapes:
            kind = shape[0]
            if kind == "text":
                _k, tx, ty, content, size, ink, anchor, weight, turn = shape
                px, py = x + tx * scale, y + ty * scale
                align = {"end": "right", "middle": "centre"}.get(anchor, "left")
                if turn:
                    with pdf.rotation(-turn, px, py):
                        self.text(px, py, content, size * scale, weight, ink, align)
                else:
                    self.text(px, py, content, size * scale, weight, ink, align)
                continue
            _k, points, ink, line, line_width, dash, opacity = shape
            # Written directly in a state of its own (q … Q), as text is: fpdf2's polyline
            # writes each point of an arc on its own, with its bookkeeping of colours.
            ops = ["q"]
            if ink:
                ops.append(fill(ink))
            if line:
                ops.append(f"{stroke(line)} {line_width * scale:.2f} w")
            if dash:
                ops.append(f"[{dash[0] * scale:.3f} {dash[1] * scale:.3f}] 0 d")
            top = A4[1] - y
            ops += [f"{x + px * scale:.2f} {top - py * scale:.2f} {'l' if k else 'm'}"
                    for k, (px, py) in enumerate(points)]
            if kind == "polygon":
                ops.append("h")
            ops.append(("B" if line else "f") if ink else "S")
            ops.append("Q")
            if opacity is not None:
                with pdf.local_context(stroke_opacity=opacity):
                    pdf._out(" ".join(ops))
            else:
                pdf._out(" ".join(ops))


# Placing blocks on pages ------------------------------------------------------------------
#
# A document is laid out in two passes: first every block (a heading, a paragraph, a table,
# a chart) gets its page and place, so that a contents page can give page numbers and a
# footer the number of pages; then the pages are drawn in order. A block is
# (height, draw(y)), drawn from its top at y; a Table is placed row by row.

INK, MUTED, LINE = "#1d2630", "#5b6670", "#d7dde2"
LEADING = 1.25  # line height, as a share of the font size


class Book:
    """Pages of (draw, y) to be drawn, and where text runs on a page (top to bottom)."""

    def __init__(self, top: float, bottom: float):
        self.top, self.bottom = top, bottom
        self.pages: list[list] = []

    def page(self, index: int) -> list:
        while len(self.pages) <= index:
            self.pages.append([])
        return self.pages[index]


class Cursor:
    """Where the next block goes: a page of the book and a height on it."""

    def __init__(self, book: Book, page: int, y: float):
        self.book, self.index, self.y = book, page, y

    def fits(self, height: float) -> bool:
        return self.y + height <= self.book.bottom

    def next_page(self) -> None:
        self.index, self.y = self.index + 1, self.book.top

    def place(self, height: float, draw) -> tuple[int, float]:
        """The block (`draw(y)` draws it from its top) here, or at the top of the next
        page if it does not fit here; returns (page, top)."""
        if not self.fits(height) and self.y > self.book.top:
            self.next_page()
        self.book.page(self.index).append((draw, self.y))
        where = (self.index, self.y)
        self.y += height
        return where

    def put(self, block) -> tuple[int, float]:
        """A block or a Table; returns where it begins (page, top)."""
        if isinstance(block, Table):
            return block.place(self)
        return self.place(*block)

    def later(self, other: "Cursor") -> "Cursor":
        return self if (self.index, self.y) >= (other.index, other.y) else other


def first_height(block) -> float:
    """How much of a block must fit where it begins (a heading is kept with it)."""
    return block.first if isinstance(block, Table) else block[0]


@dataclasses.dataclass(frozen=True)
class Column:
    """A table's column: its width, how its cells (and its heading) are aligned ("left"
    or "right": figures, one line each, never broken), and whether its cells are bold (a
    row's label)."""
    width: float
    align: str = "left"
    bold: bool = False


@dataclasses.dataclass
class Table:
    """A table laid out: its head (caption and header) and its rows, each (height,
    draw(y)). Placed row by row: the head stays with the first row, and a row that does
    not fit goes to the next page under the head again. With `keep`, a table that fits on
    a page is not split: it goes whole to the next page if it does not fit where it is."""
    head: tuple
    rows: list
    after: float
    keep: bool

    @property
    def height(self) -> float:
        return self.head[0] + sum(height for height, _draw in self.rows) + self.after

    @property
    def first(self) -> float:
        return self.height if self.keep else self.head[0] + (self.rows[0][0] if self.rows
                                                             else 0)

    def place(self, cursor: Cursor) -> tuple[int, float]:
        book = cursor.book
        whole = self.keep and self.height <= book.bottom - book.top
        need = self.height if whole else self.head[0] + (self.rows[0][0] if self.rows else 0)
        if not cursor.fits(need) and cursor.y > book.top:
            cursor.next_page()
        where = cursor.place(*self.head)
        for height, draw in self.rows:
            if not cursor.fits(height) and cursor.y > book.top + self.head[0]:
                cursor.next_page()
                cursor.place(*self.head)
            # Here even if taller than the page: the head is not left alone.
            book.page(cursor.index).append((draw, cursor.y))
            cursor.y += height
        cursor.y += self.after
        return where


class Layout:
    """The blocks of a document on A4 pages with the given margins (points)."""

    def __init__(self, document: Document, top: float, bottom: float, left: float,
                 right: float):
        self.d = document
        self.book = Book(top, A4[1] - bottom)
        self.left, self.right = left, A4[0] - right
        self.span = self.right - self.left

    def lines(self, text, x=None, width=None, size=10, bold=False, ink=INK, before=0,
              after=0):
        """A paragraph of one style."""
        return self.runs([(text, bold, ink)], x, width, size, before, after)

    def runs(self, runs, x=None, width=None, size=10, before=0, after=0):
        """A paragraph of runs (text, bold, ink), broken at spaces: a run goes on where
        the one before it ended."""
        x = self.left if x is None else x
        width = self.span if width is None else width
        d = self.d
        space = d.width(" ", size)
        lines, line, used = [], [], 0.0
        spaced = False  # the run before ended with a space
        for text, bold, ink in runs:
            text = str(text)
            joined = not (spaced or text[:1].isspace())
            spaced = text[-1:].isspace()
            for k, word in enumerate(text.split()):
                glued = k == 0 and joined and line  # no space between two runs
                gap = 0 if glued or not line else space
                wide = d.width(word, size, bold)
                if line and used + gap + wide > width:
                    lines.append(line)
                    line, used, gap = [], 0.0, 0
                for piece in (d.wrap(word, size, width, bold) if wide > width else [word]):
                    if line and line[-1][1:] == (bold, ink):
                        line[-1][0] += (" " if gap else "") + piece
                    else:
                        line.append([(" " if gap else "") + piece, bold, ink])
                    used += gap + d.width(piece, size, bold)
                    gap = space
        if line or not lines:
            lines.append(line)
        step = size * LEADING

        def draw(y):
            for i, line in enumerate(lines):
                at = x
                for text, bold, ink in line:
                    d.text(at, y + before + size * 0.8 + i * step, text, size, bold, ink)
                    at += d.width(text, size, bold)
        return before + step * len(lines) + after, draw

    def heading(self, text, x=None, width=None, size=14, ink=INK, rule=None, after=10):
        """A bold heading (an entry of the PDF's outline), with a rule under it if
        `rule` is a colour."""
        x = self.left if x is None else x
        width = self.span if width is None else width
        wrapped = self.d.wrap(text, size, width, True)
        step = size * 1.2

        def draw(y):
            for i, line in enumerate(wrapped):
                self.d.text(x, y + size * 0.8 + i * step, line, size, True, ink)
            if rule:
                self.d.rule(x, y + step * len(wrapped) + 2, x + width, rule, 0.75)
            self.d.bookmark(text, y)
        return step * len(wrapped) + after, draw

    def bulleted(self, block, x, size, ink=INK, bullet="•"):
        """A block with a bullet at x on its first line."""
        height, draw = block

        def with_bullet(y):
            self.d.text(x, y + size * 0.8, bullet, size, ink=ink)
            draw(y)
        return height, with_bullet

    def definitions(self, items, x=None, width=None, size=10, after=2):
        """A definition list: each term (bold) over its values, one a line; each term
        with its values is one block."""
        blocks = []
        for term, values in items:
            parts = [self.lines(term, x, width, size, True)]
            parts += [self.lines(value, x, width, size) for value in values or ["–"]]
            blocks.append(stacked(parts, after))
        return blocks

    def table(self, x, columns, header, rows, total=None, caption=None, size=9,
              head_size=None, head_ink=INK, pad=(4.5, 2.4), middle=False, after=9,
              keep=False) -> Table:
        """A table. A cell is text (wrapped in its column), a list of runs (text, bold,
        ink) on one line, or None where the cell before it runs on over this column;
        `total` is a last row in bold. Headings are bold and sit on the header's lowest
        line; with `middle`, a row's shorter cells sit in its middle, else at its top."""
        d = self.d
        pad_x, pad_y = pad
        head_size = head_size or size
        width = sum(c.width for c in columns)
        lefts = [x + sum(c.width for c in columns[:k]) for k in range(len(columns))]
        step, head_step = size * LEADING, head_size * LEADING
        heads = [d.wrap(title, head_size, column.width - 2 * pad_x, True) if title else []
                 for title, column in zip(header, columns, strict=True)]
        head_lines = max(len(lines) for lines in heads)
        cap = d.wrap(caption, size, width, True) if caption else []
        under = 0 if caption is None else 2  # under the caption (an empty one too)
        head_height = len(cap) * step + under + head_lines * head_step + 2 * pad_y

        def draw_head(y):
            for i, line in enumerate(cap):
                d.text(x, y + size * 0.8 + i * step, line, size, True)
            y += len(cap) * step + under
            for lines, column, left in zip(heads, columns, lefts, strict=True):
                first = y + pad_y + head_size * 0.8 + (head_lines - len(lines)) * head_step
                for i, line in enumerate(lines):
                    cell_text(left, column.width, column.align, first + i * head_step,
                              [(line, True, head_ink)])
            d.rule(x, y + head_lines * head_step + 2 * pad_y, x + width)

        def cell_text(left, wide, align, baseline, runs):
            at = left + pad_x if align == "left" else left + wide - pad_x - sum(
                d.width(text, size, bold) for text, bold, _ink in runs)
            for text, bold, ink in runs:
                d.text(at, baseline, text, size, bold, ink)
                at += d.width(text, size, bold)

        def laid_out(cells, bold_row):
            spans = []  # (column, width, lines as runs)
            for k, cell in enumerate(cells):
                if cell is None:
                    continue
                wide, end = columns[k].width, k + 1
                while end < len(cells) and cells[end] is None:
                    wide += columns[end].width
                    end += 1
                bold = bold_row or columns[k].bold
                if isinstance(cell, list):
                    lines = [cell]
                elif columns[k].align == "right":  # a figure: never broken
                    lines = [[(str(cell), bold, INK)]] if str(cell) else []
                else:
                    lines = [[(line, bold, INK)] for line in
                             d.wrap(str(cell), size, wide - 2 * pad_x, bold)] if str(cell) \
                        else []
                spans.append((k, wide, lines))
            count = max([len(lines) for _k, _w, lines in spans] or [1]) or 1
            height = count * step + 2 * pad_y

            def draw(y):
                for k, wide, lines in spans:
                    shift = (count - len(lines)) * step / 2 if middle else 0
                    for i, runs in enumerate(lines):
                        cell_text(lefts[k], wide, columns[k].align if wide == columns[k].width
                                  else "left", y + pad_y + size * 0.8 + shift + i * step,
                                  runs)
                d.rule(x, y + height, x + width)
            return height, draw

        laid = [laid_out(cells, False) for cells in rows]
        if total is not None:
            laid.append(laid_out(total, True))
        return Table((head_height, draw_head), laid, after, keep)

    def chart(self, svg, x=None, width=None, after=6):
        """An SVG chart of spor.lib.charts, `width` wide, kept whole."""
        x = self.left if x is None else x
        width = self.span if width is None else width
        vw, vh = chart_size(svg)
        return width * vh / vw + after, lambda y: self.d.chart(svg, x, y, width)

    def finish(self, footer=None, size=8, ink=MUTED, x=None, y=None, align="right") -> bytes:
        """The document with its pages drawn; `footer(number, count)` is the text at the
        foot of each page (None for none), at x (the right margin) and y (the middle of
        the bottom margin)."""
        d, pages = self.d, self.book.pages
        x = self.right if x is None else x
        y = (self.book.bottom + A4[1]) / 2 + size * 0.35 if y is None else y
        for number, blocks in enumerate(pages, 1):
            d.add_page()
            for draw, top in blocks:
                draw(top)
            text = footer(number, len(pages)) if footer else None
            if text:
                d.text(x, y, text, size, ink=ink, align=align)
        return d.output()


def stacked(blocks, after=0):
    """Blocks one under another as one block (kept on one page)."""
    height = sum(h for h, _draw in blocks) + after

    def draw(y):
        for h, each in blocks:
            each(y)
            y += h
    return height, draw


def chart_size(svg: str) -> tuple[float, float]:
    vw, vh, _shapes = parsed_chart(svg)
    return vw, vh


NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?")
SVG_NS = "{http://www.w3.org/2000/svg}"


@functools.lru_cache(maxsize=256)
def parsed_chart(svg: str):
    """(width, height, shapes) of a chart's SVG: the few elements charts.py writes
    (rect, polyline, polygon, circle, path of lines and circular arcs, text, g) as
    polylines, polygons and text. Kept per process for each chart drawn, as the chart
    itself is kept for each change of its data."""
    root = ET.fromstring(svg)  # noqa: S314 (our own SVG, from charts.py)
    _x, _y, vw, vh = (float(v) for v in root.get("viewBox").split())
    shapes = []
    _shapes(root, {"fill": root.get("fill", "#000000"),
                   "font-size": float(root.get("font-size", 9))}, shapes)
    return vw, vh, shapes


def _shapes(element, inherited, shapes):
    for child in element:
        tag = child.tag.replace(SVG_NS, "")
        if tag in ("title", "desc"):
            continue
        fill = child.get("fill", inherited["fill"])
        fill = None if fill == "none" else fill
        stroke = child.get("stroke")
        stroke_width = float(child.get("stroke-width", 1))
        dash = child.get("stroke-dasharray")
        dash = tuple(float(v) for v in dash.split()) if dash else None
        opacity = child.get("stroke-opacity")
        opacity = float(opacity) if opacity else None
        if tag == "g":
            _shapes(child, {**inherited, "fill": fill or "none"}, shapes)
        elif tag == "text":
            turn = child.get("transform")
            angle = float(NUMBER.findall(turn)[0]) if turn else 0
            shapes.append(("text", float(child.get("x")), float(child.get("y")),
                           child.text or "", float(child.get("font-size",
                                                             inherited["font-size"])),
                           fill or "#000000", child.get("text-anchor", "start"),
                           child.get("font-weight") in ("bold", "600", "700"), angle))
        else:
            if tag == "rect":
                x, y = float(child.get("x", 0)), float(child.get("y", 0))
                w, h = float(child.get("width")), float(child.get("height"))
                outlines = [[(x, y), (x + w, y), (x + w, y + h), (x, y + h)]]
                closed = True
            elif tag in ("polyline", "polygon"):
                values = [float(v) for v in NUMBER.findall(child.get("points"))]
                outlines = [list(zip(values[::2], values[1::2], strict=True))]
                closed = tag == "polygon"
            elif tag == "circle":
                cx, cy, r = (float(child.get(a)) for a in ("cx", "cy", "r"))
                outlines = [_arc_points(cx, cy, r, 0, 2 * math.pi)]
                closed = True
            elif tag == "path":
                outlines = _path(child.get("d"))
                closed = True
            else:
                continue
            for points in outlines:
                shapes.append(("polygon" if closed else "polyline", points, fill, stroke,
                               stroke_width, dash, opacity))


def _arc_points(cx, cy, r, start, end):
    """Points along a circle from angle `start` to `end` (radians, from 3 o'clock towards
    6 o'clock as SVG's y points down), fine enough to look round at any print size: a
    step of at most 2 degrees and half a point (a marker's dot needs a few dozen points,
    not 180)."""
    turn = abs(end - start)
    steps = max(2, math.ceil(min(turn / (math.pi / 90), max(turn * r / 0.5, 8))))
    return [(cx + r * math.cos(start + (end - start) * k / steps),
             cy + r * math.sin(start + (end - start) * k / steps)) for k in range(steps + 1)]


def _path(d):
    """The outlines of a path of M, L, l, A (circular) and Z commands."""
    outlines, points = [], []
    for command, args in re.findall(r"([MLlAZz])([^MLlAZz]*)", d):
        values = [float(v) for v in NUMBER.findall(args)]
        if command == "M":
            if points:
                outlines.append(points)
            points = [(values[0], values[1])]
        elif command == "L":
            points.extend(zip(values[::2], values[1::2], strict=True))
        elif command == "l":
            for dx, dy in zip(values[::2], values[1::2], strict=True):
                points.append((points[-1][0] + dx, points[-1][1] + dy))
        elif command == "A":
            r, _ry, _turn, large, sweep, x2, y2 = values
            points.extend(_arc(points[-1], (x2, y2), r, bool(large), bool(sweep))[1:])
    if points:
        outlines.append(points)
    return outlines


def _arc(p1, p2, r, large, sweep):
    """A circular arc of radius r from p1 to p2, as SVG's flags choose it among four."""
    (x1, y1), (x2, y2) = p1, p2
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    dx, dy = x2 - x1, y2 - y1
    half = math.hypot(dx, dy) / 2
    if half == 0:
        return [p1]
    r = max(r, half)
    depth = math.sqrt(max(r * r - half * half, 0))
    # The centre lies on the perpendicular bisector, on the side the flags choose.
    sign = 1 if large != sweep else -1
    cx, cy = mx - sign * depth * dy / (2 * half), my + sign * depth * dx / (2 * half)
    a1, a2 = math.atan2(y1 - cy, x1 - cx), math.atan2(y2 - cy, x2 - cx)
    if sweep and a2 < a1:
        a2 += 2 * math.pi
    elif not sweep and a2 > a1:
        a2 -= 2 * math.pi
    return _arc_points(cx, cy, r, a1, a2)
