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

from spor.lib import drawing
from spor.lib.drawing import A4, INK, MM, MUTED, Column, Cursor, Document, Layout, Table

ACCENT, HEADING_RULE = "#23695a", "#7fb8a4"
WIDTH, HEIGHT = A4
TOP, BOTTOM, LEFT = 18 * MM, HEIGHT - 20 * MM, 16 * MM
RIGHT = WIDTH - 16 * MM
GAP = 12  # between the two columns
COLUMN = (RIGHT - LEFT - GAP) / 2
BODY, SMALL = 10, 9  # the text, and the tables' and notes' text
PAD_X, PAD_Y = 4.5, 2.4  # inside a table's cell
SECTION_SPACE = 18  # under a section
BLOCK_SPACE = 9  # under a table


def shown(value) -> str:
    """A count or share as the page's template writes it (localized: 28,0 hours)."""
    return "" if value is None else str(formats.localize(value))


class Statistics(Layout):
    def __init__(self, ctx: dict):
        self.ctx = ctx
        self.compare = ctx["compare"]
        doc = ctx["doc"]
        # Not in f-strings: makemessages (xgettext) does not read them.
        title = _("Statistics") + f" {ctx['period']} · {ctx['service_name']}"
        # The words that are not Spor's own: names, sources, and what the document holds.
        own = ctx["service_name"] + json.dumps(doc, ensure_ascii=False)
        super().__init__(Document(title, get_language() or "da", own), TOP, HEIGHT - BOTTOM,
                         LEFT, WIDTH - RIGHT)

    # Blocks: (height, draw(y)) at a given x and width ------------------------------

    def lines(self, text, x=LEFT, width=RIGHT - LEFT, size=BODY, bold=False, ink=INK,
              before=0, after=0):
        return super().lines(text, x, width, size, bold, ink, before, after)

    def heading(self, text, x=LEFT, width=RIGHT - LEFT, size=14, ink=ACCENT):
        return super().heading(text, x, width, size, ink, rule=HEADING_RULE)

    def table(self, x, width, caption, items) -> Table:
        """A table of figures with its caption (one taller than a page goes on with its
        caption and header repeated)."""
        compare = self.compare
        count = 4 if compare else 2
        number = 36 if compare else 54
        columns = [Column(width - number * count, bold=True),
                   *[Column(number, "right")] * count]
        header = ["", self.ctx["period"], "%"] + ([str(compare["year"]), "%"] if compare
                                                 else [])
        rows = []
        for label, count_, pct, hidden, text, *other in items:
            if text:
                rows.append([label, text] + [None] * (count - 1))
                continue
            figures = [("–" if hidden else shown(count_)),
                       (f"{shown(pct)} %" if pct is not None else "–" if hidden else "")]
            if compare:
                c_count, c_pct, c_hidden = other
                figures += [("–" if c_hidden else shown(c_count)),
                            (f"{shown(c_pct)} %" if c_pct is not None
                             else "–" if c_hidden else "")]
            rows.append([label, *figures])
        return super().table(x, columns, header, rows, caption=caption or "", size=SMALL,
                             pad=(PAD_X, PAD_Y), middle=True, after=BLOCK_SPACE, keep=True)

    # The document ----------------------------------------------------------------------

    def cover(self, cursor):
        ctx = self.ctx
        cursor.y = TOP + 30 * MM
        span = RIGHT - LEFT
        for block in (
                self.lines(_("Statistics") + f" {ctx['period']}", LEFT, span, 26, True, ACCENT,
                           after=4),
                self.lines(ctx["service_name"], LEFT, span, 14),
                self.lines(self.period_line(), LEFT, span, 12, ink=MUTED, after=12 * MM)):
            cursor.place(*block)
        figures = ctx["key_figures"]
        if not figures:
            return
        cursor.place(*self.heading(_("The work in %(period)s") % {"period": figures["this"]}))
        cursor.put(self.key_table(figures))
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

    def key_table(self, figures) -> Table:
        span = RIGHT - LEFT
        columns = [Column(span - 3 * 78, bold=True), *[Column(78, "right")] * 3]
        return super().table(LEFT, columns, ["", figures["this"], figures["before"],
                                             _("Change")],
                             [list(row) for row in figures["rows"]], size=10.5,
                             pad=(4.2, 4.2), middle=True, after=4)

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
                left.append(self.table(LEFT, COLUMN, group, items))
        doc = self.ctx["doc"]
        if (section == "national_comparison" and not empty
                and doc["national_comparison"]["success_percent_national"] is None):
            left.append(self.lines(_(
                "No national figure is entered for this year. A leader enters it with its "
                "source; Spor never invents one."), LEFT, COLUMN, SMALL, ink=MUTED))
        names = {"outcomes": ["under_18", "all"], "main_substance": ["main_substance"],
                 "fit": ["fit"], "age_distribution": ["age_anonymous", "age_enrolled"]}
        right = [] if empty else [self.chart(charts[name], RIGHT - COLUMN, COLUMN, 6)
                                  for name in names.get(section, []) if charts.get(name)]
        return self.under_heading(cursor, title, left, right)

    def under_heading(self, cursor, title, left, right):
        """The heading, kept with the first block under it; then the two columns. Returns
        the cursor after the section and where its heading is (page, top)."""
        heading = self.heading(title)
        first = max([drawing.first_height(blocks[0]) for blocks in (left, right) if blocks] or [0])
        if not cursor.fits(heading[0] + first) and cursor.y > TOP:
            cursor.next_page()
        where = cursor.place(*heading)
        columns = []
        for blocks in (left, right):
            column = Cursor(self.book, cursor.index, cursor.y)
            for block in blocks:
                column.put(block)
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
            blocks.append(self.bulleted((height, draw), LEFT + 4, SMALL))
        blocks.append(self.lines(_("Cells with fewer than %(k)s persons are shown as –.") % {
            "k": doc["suppression_threshold"]}, LEFT, span, SMALL, before=6))
        return self.under_heading(cursor, _("How the numbers are counted"), blocks, [])

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
        return self.finish(lambda number, _count: str(number) if number > 1 else None,
                           SMALL, MUTED, WIDTH / 2, HEIGHT - 10 * MM, "centre")


def statistics_pdf(ctx: dict) -> bytes:
    """The statistics' PDF from the page's context (render.context)."""
    return Statistics(ctx).build()
