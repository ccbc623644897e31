"""A funding source's outreach report as a printed document (PDF), for the grant giver:
what the report's page shows (the period, the grant giver, reference and grants, the
activity by kind of place with its total, the turns of staff and volunteers), drawn with
spor.lib.drawing. Numbers only: outreach registers no names."""

from django.template.defaultfilters import floatformat
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from spor.lib.drawing import MM, MUTED, Column, Cursor, Document, Layout

SIZE = 10
COLUMNS = ["contacts", "young_people", "families", "referrals_service", "referrals_other",
           "hours"]


def day(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def funding_pdf(ctx: dict) -> bytes:
    """The PDF of the report from the page's context (report, rows, source, service,
    made)."""
    report, source, service = ctx["report"], ctx["source"], ctx["service"]
    grants = [f"{grant}: {floatformat(grant.amount, '2g')} kr." for grant in report["grants"]]
    own = " ".join([source.name, source.giver, source.reference, str(service),
                    service.municipality or "", *grants])
    page = Layout(Document(_("Report") + f" · {source.name}", get_language() or "da", own),
                  20 * MM, 20 * MM, 18 * MM, 18 * MM)
    place = " · ".join([str(service), *([service.municipality] if service.municipality
                                        else []),
                        _("Outreach work"), _("made %(day)s") % {"day": day(ctx["made"])}])
    facts = [*([(_("Grant giver"), [source.giver])] if source.giver else []),
             *([(_("Case or journal number"), [source.reference])] if source.reference
               else []),
             (_("Grants in the period"), grants)]
    totals = report["totals"]
    blocks = [
        page.heading(source.name, size=16, after=6),
        page.lines(place, size=SIZE, ink=MUTED, after=SIZE),
        page.lines(_("Outreach activity from %(start)s to %(end)s funded by this source.") % {
            "start": day(report["start"]), "end": day(report["end"])}, size=SIZE,
                   after=SIZE),
        *page.definitions(facts, size=SIZE, after=3),
        (14, lambda y: None),
        activity_table(page, ctx["rows"], totals),
        page.lines(_("Staff took part %(staff)s times and volunteers %(volunteers)s times.")
                   % {"staff": totals["staff_turns"], "volunteers": totals["volunteer_turns"]},
                   size=SIZE, before=6, after=SIZE),
        page.lines(_("Numbers only: outreach registers no names of young people or families."),
                   size=SIZE, ink=MUTED),
    ]
    cursor = Cursor(page.book, 0, page.book.top)
    for block in blocks:
        cursor.put(block)
    return page.finish(lambda number, count: f"{number} / {count}", size=9)


def activity_table(page, rows, totals):
    """The activity by kind of place and in all, as the page's table."""
    widths = [64, 52, 62, 76, 104]
    columns = [Column(page.span - sum(widths) - 47), *(Column(w, "right") for w in widths),
               Column(47, "right")]
    header = [_("Kind of place"), _("Contacts"), _("Young people reached"),
              _("Families reached"), _("Referred to the service"),
              _("Referred to other municipal help"), _("Hours")]

    def cells(label, row):
        return [str(label), *(str(row[c]) for c in COLUMNS[:-1]),
                floatformat(row["hours"], "-1")]
    return page.table(page.left, columns, header, [cells(label, row) for label, row in rows],
                      total=cells(_("Total"), totals), size=SIZE, head_size=9,
                      head_ink=MUTED, pad=(3.75, 3), after=0)
