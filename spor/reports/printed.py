"""The statistics as a printed document (PDF): the page's report, drawn directly.

The same context as the page (render.context: tables, key figures, the charts' SVG) is
laid out in two passes: first every block (a heading, a table with its caption, a chart,
a paragraph) gets its page and place, so that the contents can give page numbers; then
the pages are drawn in order. Rules of the page break, as the print stylesheet had them:
a heading stays with the block under it, a table stays whole with its caption (one taller
than a page goes on with its caption and header repeated), a chart stays whole; the
tables and the charts of a section run in two columns side by side.
"""

import json

from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from spor.lib.drawing import A4, MM, Document, chart_size

INK, MUTED, ACCENT, LINE, HEADING_RULE = "#1d2630", "#5b6670", "#23695a", "#d7dde2", "#7fb8a4"
WIDTH, HEIGHT = A4
TOP, BOTTOM, LEFT = 18 * MM, HEIGHT - 20 * MM, 16 * MM
RIGHT = WIDTH - 16 * MM
GAP = 12  # between the two columns
COLUMN = (RIGHT - LEFT - GAP) / 2
BODY, SMALL = 10, 9  # the text, and the tables' and notes' text
LEADING = 1.25  # line height, as a share of the font size
PAD_X, PAD_Y = 4.5, 2.4  # inside a table's cell
SECTION_SPACE = 18  # under a section
BLOCK_SPACE = 9  # under a table


class Book:
    """Pages of (draw, y) to be drawn, and cursors that run down them."""

    def __init__(self):
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
        return self.y + height <= BOTTOM

    def next_page(self) -> None:
        self.index, self.y = self.index + 1, TOP

    def place(self, height: float, draw) -> tuple[int, float]:
        """The block (`draw(y)` draws it from its top) here, or at the top of the next
        page if it does not fit here; returns (page, top)."""
        if not self.fits(height) and self.y > TOP:
            self.next_page()
        self.book.page(self.index).append((draw, self.y))
        where = (self.index, self.y)
        self.y += height
        return where

    def later(self, other: "Cursor") -> "Cursor":
        return self if (self.index, self.y) >= (other.index, other.y) else other


def shown(value) -> str:
    """A count or share as the page's template writes it (localized: 28,0 hours)."""
    return "" if value is None else str(formats.localize(value))


class Layout:
    def __init__(self, ctx: dict):
        self.ctx = ctx
        self.compare = ctx["compare"]
        doc = ctx["doc"]
        title = f"{_('Statistics')} {ctx['period']} · {ctx['service_name']}"
        # The words that are not Spor's own: names, sources, and what the document holds.
        own = ctx["service_name"] + json.dumps(doc, ensure_ascii=False)
        self.d = Document(title, get_language() or "da", own)
        self.book = Book()

    # Blocks: (height, draw(y)) at a given x and width ------------------------------

    def lines(self, text, x, width, size=BODY, bold=False, ink=INK, before=0, after=0):
        wrapped = self.d.wrap(text, size, width, bold)
        step = size * LEADING

        def draw(y):
            for i, line in enumerate(wrapped):
                self.d.text(x, y + before + size + i * step - size * 0.2, line, size, bold,
                            ink)
        return before + step * len(wrapped) + after, draw

    def heading(self, text, x=LEFT, width=RIGHT - LEFT, size=14, ink=ACCENT):
        wrapped = self.d.wrap(text, size, width, True)
        step = size * 1.2

        def draw(y):
            for i, line in enumerate(wrapped):
                self.d.text(x, y + size + i * step - size * 0.2, line, size, True, ink)
            self.d.rule(x, y + step * len(wrapped) + 2, x + width, HEADING_RULE, 0.75)
            self.d.bookmark(text, y)
        return step * len(wrapped) + 10, draw

    def columns(self, width):
        """(label width, [right edge of each number column]) of a table."""
        count = 4 if self.compare else 2
        number = 36 if self.compare else 54
        edges = [width - number * (count - 1 - k) for k in range(count)]
        return width - number * count, edges, number

    def table(self, x, width, caption, items):
        """A table of figures with its caption as one or more blocks (a table taller than
        a page goes on with its caption and header repeated)."""
        period, compare = self.ctx["period"], self.compare
        label_width, edges, number = self.columns(width)
        # A period other than a year is long: its heading goes over lines in its column.
        header = [self.d.wrap(title, SMALL, number - 2 * PAD_X, True) for title in
                  [period, "%"] + ([str(compare["year"]), "%"] if compare else [])]
        head = max(len(lines) for lines in header) * SMALL * LEADING
        cap = self.d.wrap(caption, SMALL, width, True) if caption else []
        step = SMALL * LEADING
        rows = []
        for label, count, pct, hidden, text, *other in items:
            if text:
                cells = self.d.wrap(text, SMALL, width - label_width - 2 * PAD_X)
                figures = None
            else:
                cells = None
                figures = [("–" if hidden else shown(count)),
                           (f"{shown(pct)} %" if pct is not None else "–" if hidden else "")]
                if compare:
                    c_count, c_pct, c_hidden = other
                    figures += [("–" if c_hidden else shown(c_count)),
                                (f"{shown(c_pct)} %" if c_pct is not None
                                 else "–" if c_hidden else "")]
            names = self.d.wrap(label, SMALL, label_width - 2 * PAD_X, True)
            lines = max(len(names), len(cells or ()))
            rows.append((names, figures, cells, lines * step + 2 * PAD_Y))
        top_height = len(cap) * step + 2 + head + 2 * PAD_Y
        chunks, chunk, height = [], [], top_height
        for row in rows:
            if chunk and height + row[3] > BOTTOM - TOP:
                chunks.append((chunk, height))
                chunk, height = [], top_height
            chunk.append(row)
            height += row[3]
        chunks.append((chunk, height))

        def drawer(chunk):
            def draw(y):
                d = self.d
                for i, line in enumerate(cap):
                    d.text(x, y + SMALL + i * step - SMALL * 0.2, line, SMALL, True)
                y += len(cap) * step + 2
                base = y + PAD_Y + head - SMALL * LEADING + SMALL - SMALL * 0.2
                for lines, edge in zip(header, edges, strict=True):  # on the lowest line
                    for i, line in enumerate(lines):
                        d.text(x + edge - PAD_X, base - (len(lines) - 1 - i) * step, line,
                               SMALL, True, align="right")
                y += head + 2 * PAD_Y
                d.rule(x, y, x + width)
                for names, figures, cells, tall in chunk:
                    base = y + PAD_Y + SMALL - SMALL * 0.2
                    for i, line in enumerate(names):
                        d.text(x + PAD_X, base + i * step, line, SMALL, True)
                    if figures is not None:  # in the middle of the row, as a cell's are
                        middle = base + (len(names) - 1) * step / 2
                        for figure, edge in zip(figures, edges, strict=True):
                            d.text(x + edge - PAD_X, middle, figure, SMALL, align="right")
                    else:
                        for i, line in enumerate(cells):
                            d.text(x + label_width + PAD_X, base + i * step, line, SMALL)
                    y += tall
                    d.rule(x, y, x + width)
            return draw
        return [(height + BLOCK_SPACE, drawer(chunk)) for chunk, height in chunks]

    def chart(self, svg, x, width):
        vw, vh = chart_size(svg)
        return width * vh / vw + 6, lambda y: self.d.chart(svg, x, y, width)

    # The document ----------------------------------------------------------------------

    def cover(self, cursor):
        ctx = self.ctx
        cursor.y = TOP + 30 * MM
        span = RIGHT - LEFT
        for block in (
                self.lines(f"{_('Statistics')} {ctx['period']}", LEFT, span, 26, True, ACCENT,
                           after=4),
                self.lines(ctx["service_name"], LEFT, span, 14),
                self.lines(self.period_line(), LEFT, span, 12, ink=MUTED, after=12 * MM)):
            cursor.place(*block)
        figures = ctx["key_figures"]
        if not figures:
            return
        cursor.place(*self.heading(_("The work in %(period)s") % {"period": figures["this"]}))
        cursor.place(*self.key_table(figures))
        cursor.place(*self.lines(_("Success is stopped or reduced use at the end of the course;"
                                   " its change is in percentage points. – is a number too "
                                   "small to show."), LEFT, span, SMALL, ink=MUTED, before=4))

    def period_line(self):
        ctx = self.ctx
        text = _("Courses ended from %(start)s to %(end)s") % {
            "start": ctx["first_day"], "end": ctx["last_day"]}
        if self.compare:
            text += " · " + _("compared with %(year)s") % {"year": self.compare["year"]}
        return text

    def key_table(self, figures):
        size, pad = 10.5, 4.2
        step = size * LEADING
        span = RIGHT - LEFT
        edges = [span - 78 * k for k in (2, 1, 0)]
        header = [self.d.wrap(title, size, 78 - 2 * pad, True)
                  for title in (figures["this"], figures["before"], _("Change"))]
        head = max(len(lines) for lines in header) * step
        rows = [(self.d.wrap(title, size, edges[0] - 78 - 2 * pad, True), values)
                for title, *values in figures["rows"]]
        height = head + 2 * pad + sum(len(names) * step + 2 * pad for names, _v in rows)

        def draw(y):
            d = self.d
            base = y + pad + head - step + size * 0.8
            for lines, edge in zip(header, edges, strict=True):  # on the lowest line
                for i, line in enumerate(lines):
                    d.text(LEFT + edge - pad, base - (len(lines) - 1 - i) * step, line, size,
                           True, align="right")
            y += head + 2 * pad
            d.rule(LEFT, y, RIGHT)
            for names, values in rows:
                base = y + pad + size * 0.8
                for i, line in enumerate(names):
                    d.text(LEFT + pad, base + i * step, line, size, True)
                for value, edge in zip(values, edges, strict=True):
                    d.text(LEFT + edge - pad, base + (len(names) - 1) * step / 2, value,
                           size, align="right")
                y += len(names) * step + 2 * pad
                d.rule(LEFT, y, RIGHT)
        return height + 4, draw

    def section(self, cursor, section, title, groups, empty):
        """A section: its heading over the tables (left) and the charts (right)."""
        charts = self.ctx["charts"]
        left = []
        if empty:
            left.append(self.lines(_("Nothing registered in the period."), LEFT,
                                   RIGHT - LEFT, BODY, ink=MUTED, after=4))
        for group, items in ([] if empty else groups):
            if not items:
                text = (f"{group}: " if group else "") + _("nothing in the period.")
                left.append(self.lines(text, LEFT, COLUMN, SMALL, ink=MUTED, after=6))
            else:
                left.extend(self.table(LEFT, COLUMN, group, items))
        doc = self.ctx["doc"]
        if (section == "national_comparison" and not empty
                and doc["national_comparison"]["success_percent_national"] is None):
            left.append(self.lines(_(
                "No national figure is entered for this year. A leader enters it with its "
                "source; Spor never invents one."), LEFT, COLUMN, SMALL, ink=MUTED))
        names = {"outcomes": ["under_18", "all"], "main_substance": ["main_substance"],
                 "fit": ["fit"], "age_distribution": ["age_anonymous", "age_enrolled"]}
        right = [] if empty else [self.chart(charts[name], RIGHT - COLUMN, COLUMN)
                                  for name in names.get(section, []) if charts.get(name)]
        return self.under_heading(cursor, title, left, right)

    def under_heading(self, cursor, title, left, right):
        """The heading, kept with the first block under it; then the two columns. Returns
        the cursor after the section and where its heading is (page, top)."""
        heading = self.heading(title)
        first = max([blocks[0][0] for blocks in (left, right) if blocks] or [0])
        if not cursor.fits(heading[0] + first) and cursor.y > TOP:
            cursor.next_page()
        where = cursor.place(*heading)
        columns = []
        for blocks in (left, right):
            column = Cursor(self.book, cursor.index, cursor.y)
            for block in blocks:
                column.place(*block)
            columns.append(column)
        end = columns[0].later(columns[1])
        end.y += SECTION_SPACE
        return Cursor(self.book, end.index, end.y), where

    def rules(self, cursor):
        doc = self.ctx["doc"]
        span = RIGHT - LEFT
        blocks = []
        for rule in doc["rules"]:
            height, draw = self.lines(_(rule), LEFT + 14, span - 14, SMALL, after=2)
            blocks.append((height, self.bulleted(draw)))
        blocks.append(self.lines(_("Cells with fewer than %(k)s persons are shown as –.") % {
            "k": doc["suppression_threshold"]}, LEFT, span, SMALL, before=6))
        return self.under_heading(cursor, _("How the numbers are counted"), blocks, [])

    def bulleted(self, draw):
        def with_bullet(y):
            self.d.text(LEFT + 4, y + SMALL * 0.8, "•", SMALL)
            draw(y)
        return with_bullet

    def contents(self, entries):
        """The contents on the second page: each title and its page, on a ruled line,
        linking to it."""
        page = self.book.page(1)
        height, draw = self.heading(_("Contents"))
        page.append((draw, TOP))
        y, size = TOP + height, SMALL
        for title, (index, top) in entries:
            def entry(y, title=title, index=index, top=top):
                d = self.d
                d.text(LEFT, y + size, title, size)
                d.text(RIGHT, y + size, str(index + 1), size, align="right")
                d.rule(LEFT, y + size * 1.55, RIGHT)
                d.link(LEFT, y, RIGHT - LEFT, size * 1.6, index + 1, top)
            page.append((entry, y))
            y += size * 1.85

    def build(self) -> bytes:
        book = self.book
        cursor = Cursor(book, 0, TOP)
        self.cover(cursor)
        cursor = Cursor(book, 2, TOP)  # the contents have the second page
        entries = []
        for section, title, groups, empty in self.ctx["tables"]:
            cursor, where = self.section(cursor, section, title, groups, empty)
            entries.append((title, where))
        cursor, where = self.rules(cursor)
        entries.append((_("How the numbers are counted"), where))
        self.contents(entries)
        d = self.d
        for number, blocks in enumerate(book.pages, 1):
            d.add_page()
            for draw, y in blocks:
                draw(y)
            if number > 1:
                d.text(WIDTH / 2, HEIGHT - 10 * MM, str(number), SMALL, ink=MUTED,
                       align="centre")
        return d.output()


def statistics_pdf(ctx: dict) -> bytes:
    """The statistics' PDF from the page's context (render.context)."""
    return Layout(ctx).build()
