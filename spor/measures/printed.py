"""A course's FIT curve as a printed document (PDF), for the record or a meeting: what
the course's page shows (alarms, change class, the curve with its expected band, cutoff
and session ratings, the table of ratings by session), drawn with spor.lib.drawing from
the same chart SVG as the page.

The web page's actions (the link to record what was done about an alarm) are left out:
paper has nothing to click. The table goes on over pages with its header repeated."""

from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from spor.lib.drawing import INK, MM, MUTED, Column, Cursor, Document, Layout

SIZE, FLAG = 9.5, "#a3262a"  # the text; the ink of alarms and of a flagged session rating


def value(total) -> str:
    """A total as the page's table writes it ({{ total|default:"–" }}, localized)."""
    return str(formats.localize(total)) if total else "–"


def course_pdf(fit, course, svg, printed) -> bytes:
    """The PDF of a course's curve: `fit` as the page has it (with its alarms' responses),
    `svg` its curve, `printed` the local time it is printed at."""
    client = course.client
    # Not in f-strings: makemessages (xgettext) does not read them.
    title = _("FIT curve") + f" · {client.display_name}"
    # The words that are not Spor's own, to choose the font that has all their letters.
    rows = fit.rows()
    own = " ".join([client.display_name, *(row["session"].plan_note or "" for row in rows),
                    *(r.note or "" for alarm in fit.open_alarms for r in alarm.responses),
                    *(alarm.message for alarm in fit.open_alarms)])
    page = Layout(Document(title, get_language() or "da", own), 18 * MM, 18 * MM, 16 * MM,
                  16 * MM)
    blocks = [page.heading(title, size=15, after=4),
              page.lines(f"{course.get_kind_display()} · " + _("printed")
                         + f" {formats.date_format(printed, 'SHORT_DATETIME_FORMAT')}",
                         size=SIZE, ink=MUTED, after=SIZE)]
    alarms = fit.open_alarms
    for number, alarm in enumerate(alarms, 1):
        # The alarm, then each response on a line of its own, as the page lists them.
        paragraphs = [[(alarm.message, False, FLAG)]]
        for response in alarm.responses:
            said = ((_("The team:") + " " if response.by_team else "")
                    + f"{response.get_action_display()} · "
                    + formats.date_format(response.responded_on, "SHORT_DATE_FORMAT"))
            paragraphs.append([(said, False, FLAG),
                               *([(" " + response.note, False, MUTED)] if response.note
                                 else [])])
        for k, runs in enumerate(paragraphs):
            last = number == len(alarms) and k == len(paragraphs) - 1
            block = page.runs(runs, page.left + 12, page.span - 12, SIZE,
                              after=SIZE if last else 0)
            blocks.append(page.bulleted(block, page.left + 2, SIZE, FLAG) if k == 0 else block)
    if fit.doubtful:
        blocks.append(page.lines(_("The ratings zig-zag: talk with the young person about how "
                                   "the form is filled in before trusting the curve."),
                                 size=SIZE, after=SIZE))
    if fit.change:
        runs = [(_("Change over the course:") + " ", False, INK),
                (str(fit.change.label), True, INK)]
        if fit.norm:
            runs.append((" (" + _("cutoff %(cutoff)s, reliable change %(rci)s") % {
                "cutoff": formats.localize(fit.norm.cutoff),
                "rci": formats.localize(fit.norm.reliable_change)} + ")", False, MUTED))
        blocks.append(page.runs(runs, size=SIZE, after=SIZE))
    if fit.age_note:
        blocks.append(page.lines(str(fit.age_note), size=SIZE, after=SIZE))
    if svg:
        blocks.append(page.chart(svg, after=4))
    if fit.band_note:
        blocks.append(page.lines(str(fit.band_note), size=SIZE, ink=MUTED, after=8))
    blocks.append(ratings_table(page, rows))
    cursor = Cursor(page.book, 0, page.book.top)
    for block in blocks:
        cursor.put(block)
    return page.finish(lambda number, count: f"{number} / {count}")


# The widths of the ratings table's columns but the last (points): each heading on one
# line in Danish and in English, the rest for the plan's note.
WIDTHS, PAD = [56, 64, 84, 64, 110], 4


def header() -> list[str]:
    return [_("Session"), _("Date"), _("Young person"), _("Parent"), _("Session rating"),
            _("Plan changed")]


def ratings_table(page, rows):
    """The ratings by session, as the page's table (the total of each rater)."""
    columns = [Column(WIDTHS[0]), Column(WIDTHS[1]),
               *(Column(width, "right") for width in WIDTHS[2:]),
               Column(page.span - sum(WIDTHS))]
    cells = []
    for row in rows:
        session, alliance = row["session"], row.get("alliance_client")
        if alliance:
            srs = [(str(formats.localize(alliance.total)), False, INK)]
            if alliance.flags:
                srs.append((" !", True, FLAG))
        else:
            srs = "–"
        cells.append([str(session.number), formats.date_format(session.date, "SHORT_DATE_FORMAT"),
                      *(value(row[rater].total) if row.get(rater) else "–"
                        for rater in ("outcome_client", "outcome_parent")),
                      srs, session.plan_note or ""])
    return page.table(page.left, columns, header(), cells, size=SIZE, pad=(PAD, 2), after=0)
