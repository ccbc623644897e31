"""The young person's timeline: outcome ratings (ORS totals) above, use per week below, on
one time axis, so that clinician and young person can look at both together.

Drawn on the server through spor.lib.charts, like every chart of Spor, so that the page
and a PDF show the same picture and nothing is loaded in the browser. `draw_use` and
`draw_outcome` draw on any axes, so the same parts can join other charts.
"""

import datetime

from django.utils import formats
from django.utils.translation import gettext as _

from spor.lib import charts
from spor.lib.dates import short_writer

MUTED = charts.COLOURS["muted"]
# The same meaning as in the FIT curve: the young person's ORS in their colour, use in its.
OWN, USE, ASKED = (charts.MEANING[k] for k in ("young_person", "use", "asked"))
LEFT, RIGHT, TOP = 43, 11, 25  # margins in points: room for the axis, for the legend
OUTCOME, DAYS, GAP = 80, 66, 12  # heights of the two panels and between them


def timeline_svg(weeks, ratings=()) -> str:
    """Use per week, with the outcome totals above it when there are any, as an inline
    <svg>; "" when nothing was answered or rated in the period. Drawn for each page that
    shows it, which costs about a millisecond."""
    if not any(w.known_days for w in weeks) and not ratings:
        return ""
    ratings = list(ratings)
    first, last = weeks[0].start, weeks[-1].start + datetime.timedelta(days=7)
    chart = charts.Chart(7.5, 0)
    x, inner = (first.toordinal(), last.toordinal()), chart.width - LEFT - RIGHT
    axes = []
    if ratings:
        axes.append(chart.axes(LEFT, TOP, inner, OUTCOME, x, (0, 40)))
    axes.append(chart.axes(LEFT, TOP + (OUTCOME + GAP) * bool(ratings), inner, DAYS, x,
                           (0, 7)))
    charts.date_axis(axes, first, last)
    keys = draw_outcome(axes[0], ratings) if ratings else []
    keys += draw_use(axes[-1], weeks)
    for ax in axes:
        ax.frame()
    chart.legend(keys, 4, columns=len(keys), left=LEFT)
    chart.height = axes[-1].bottom + 36
    title = _("Outcome and use over time") if ratings else _("Use per week")
    return chart.svg(title, describe(weeks, ratings))


def draw_use(ax, weeks) -> list:
    """Days of use per week (0–7) as bars, in front of the days that were answered;
    returns the legend's keys."""
    ax.yticks([0, 7], ["0", "7"], grid=False)
    ax.ylabel(_("days a week"), MUTED, offset=22)
    for week in weeks:
        ax.bar(week.start.toordinal(), week.known_days, 6, ASKED)
        ax.bar(week.start.toordinal(), week.use_days, 6, USE)
    return [charts.Key(_("Days asked about"), ASKED, "patch"),
            charts.Key(_("Days of use"), USE, "patch")]


def draw_outcome(ax, ratings) -> list:
    """The young person's outcome totals (0–40) by session date; returns the legend's
    keys."""
    ax.yticks([0, 20, 40])
    ax.ylabel("ORS", MUTED, offset=22)
    ax.line([r["date"].toordinal() for r in ratings], [float(r["total"]) for r in ratings],
            OWN, 1.6, marker="o", size=3.5)
    return [charts.Key(_("Outcome (ORS)"), OWN, marker="o", width=1.6, size=3.5)]


def describe(weeks, ratings=()) -> str:
    """The chart in words, for screen readers."""
    parts = []
    asked = [w for w in weeks if w.known_days]
    if asked:
        parts.append(_("Days of use per week from the week of %(first)s to the week of "
                       "%(last)s: %(days)s.") % {
            "first": formats.date_format(asked[0].start, "SHORT_DATE_FORMAT"),
            "last": formats.date_format(asked[-1].start, "SHORT_DATE_FORMAT"),
            "days": ", ".join(f"{w.use_days}/{w.known_days}" for w in asked)})
    if ratings:
        # The format taken apart once and each total written once: a long course has many
        # ratings, and few different totals.
        short = short_writer()
        totals = {t: formats.number_format(t, 1) for t in {r["total"] for r in ratings}}
        parts.append(_("Outcome totals: %(totals)s.") % {"totals": ", ".join(
            f"{short(r['date'])} {totals[r['total']]}" for r in ratings)})
    return " ".join(str(p) for p in parts)
