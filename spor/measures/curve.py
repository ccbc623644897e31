"""The FIT curve of a course, drawn on the shared chart code path (spor.lib.charts).

Top: outcome total (ORS/CORS) by session date, one line per rater, the clinical cutoff
for the young person's age on each day, the band of the expected course, and the
sessions where the plan changed. Below: the session ratings (SRS), flags marked.
"""

import datetime
import math

from django.utils import formats
from django.utils.translation import gettext as _

from spor.lib import charts
from spor.measures.fit import fmt
from spor.measures.models import Rating

C = charts.COLOURS
DENSE = 60  # ratings in a series above which points are not marked
RATER_STYLE = {
    Rating.Rater.CLIENT: {"colour": charts.MEANING["young_person"], "dash": "solid",
                          "marker": "o"},
    Rating.Rater.PARENT: {"colour": charts.MEANING["parent"], "dash": "dashed", "marker": "s"},
    Rating.Rater.OTHER: {"colour": charts.MEANING["other"], "dash": "dotted", "marker": "^"},
}
LEFT, RIGHT, TOP = 54, 11, 18  # margins in points: room for the axis, for the plan marks
OUTCOME, ALLIANCE, GAP = 150, 62, 12  # heights of the two panels and between them


def curve_svg(fit, width: float = 7.5) -> str:
    """The course's curve as inline SVG (`width` in inches), or "" when nothing has been
    rated: drawn for each page or PDF that shows it, which costs about a millisecond."""
    if not fit.has_ratings:
        return ""
    show_alliance = any(fit.alliance.values())
    chart = charts.Chart(width, 0)
    days = [s.date.toordinal() for s in fit.sessions] or [
        p.date.toordinal() for series in (fit.outcome, fit.alliance)
        for points in series.values() for p in points]
    low, high = min(days), max(days)
    margin = (high - low) * 0.05 or 7  # one day alone gets a week either side
    x = (low - margin, high + margin)
    inner = chart.width - LEFT - RIGHT
    axes = [chart.axes(LEFT, TOP, inner, OUTCOME, x, (0, 40))]
    if show_alliance:
        lowest = min([30.0, *(float(p.total) for points in fit.alliance.values()
                              for p in points)])
        axes.append(chart.axes(LEFT, TOP + OUTCOME + GAP, inner, ALLIANCE, x,
                               (max(0, lowest - 4), 40.5)))
    charts.date_axis(axes, datetime.date.fromordinal(math.ceil(x[0])),
                     datetime.date.fromordinal(math.floor(x[1])))
    keys = _outcome(axes[0], fit)
    if show_alliance:
        keys += _alliance(axes[1], fit)
    for ax in axes:
        ax.frame()
    seen = set()
    keys = [k for k in keys if not (k.label in seen or seen.add(k.label))]
    below = axes[-1].bottom + 36  # the dates and a year above the legend
    chart.height = chart.legend(keys, below) + 6
    return chart.svg(title=_title(fit), desc=describe(fit))


def _outcome(ax, fit) -> list:
    """The outcome panel; returns its legend's keys."""
    keys = []
    ax.yticks([0, 10, 20, 30, 40])
    ax.ylabel(_("Outcome (ORS)"), offset=32)
    if fit.band:
        band_dates = [s.date.toordinal() for s, _b in fit.band]
        ax.area(band_dates, [b.low for _s, b in fit.band], [b.high for _s, b in fit.band],
                C["band"])
        ax.line(band_dates, [b.mid for _s, b in fit.band], C["ok"], 0.8, opacity=0.6)
        keys.append(charts.Key(_("Expected course"), C["band"], "patch"))
    cutoffs = [(d.toordinal(), float(c)) for d, c in fit.cutoffs if c is not None]
    if cutoffs:
        if len({c for _d, c in cutoffs}) == 1:
            value = cutoffs[0][1]
            ax.hline(value, C["bad"], dash="dashed")
            label = _("Clinical cutoff (%(value)s)") % {
                "value": formats.number_format(value, 0 if value == int(value) else 1)}
        else:  # the cutoff changes where the young person has a birthday into another norm
            steps = [cutoffs[0]]
            for d, c in cutoffs[1:]:
                steps += [(d, steps[-1][1]), (d, c)]
            ax.line([d for d, _c in steps], [c for _d, c in steps], C["bad"], 1, "dashed")
            label = _("Clinical cutoff")
        keys.append(charts.Key(label, C["bad"], dash="dashed", width=1))
    for rater, points in fit.outcome.items():
        style = RATER_STYLE[rater]
        marker = style["marker"] if len(points) <= DENSE else None  # a long course reads
        ax.line([p.date.toordinal() for p in points],  # as a line; markers would blur it
                [float(p.total) for p in points], style["colour"], 1.8, style["dash"], marker)
        keys.append(charts.Key(str(Rating.Rater(rater).label), style["colour"],
                               dash=style["dash"], marker=marker, width=1.8))
    changes = [s.date.toordinal() for s in fit.sessions if s.plan_note is not None]
    for day in changes:
        ax.vline(day, C["warn"], 1.2, "dotted")
        ax.chart.text(ax.px(day), ax.top, "▼", charts.SMALL, C["warn"], "middle", "bottom")
    if changes:
        keys.append(charts.Key(_("Plan changed"), C["warn"], dash="dotted", width=1.2))
    return keys


def _alliance(ax, fit) -> list:
    """The session ratings' panel, under the outcome; returns its legend's keys."""
    keys = []
    ax.yticks(charts.ticks(ax.y0, 40.5, most=4))
    ax.ylabel(_("SRS"), offset=32)
    for session in fit.sessions:
        if session.plan_note is not None:
            ax.vline(session.date.toordinal(), C["warn"], 1.2, "dotted")
    flagged = []
    for rater, points in fit.alliance.items():
        style = RATER_STYLE[rater]
        marker = "o" if len(points) <= DENSE else None
        ax.line([p.date.toordinal() for p in points], [float(p.total) for p in points],
                style["colour"], 1.2, style["dash"], marker, size=2.5)
        if rater == Rating.Rater.CLIENT:
            keys.append(charts.Key(_("Session rating (SRS)"), style["colour"],
                                   dash=style["dash"], marker=marker, width=1.2, size=2.5))
        flagged += [p for p in points if p.flags]
    if flagged:
        ax.markers([p.date.toordinal() for p in flagged], [float(p.total) for p in flagged],
                   "X", C["bad"], 8)
        keys.append(charts.Key(_("Flag"), C["bad"], "marker", marker="X", size=8))
    return keys


def _title(fit) -> str:
    return _("FIT curve: %(course)s") % {"course": fit.course.get_kind_display()}


def describe(fit) -> str:
    """The chart in words, for screen readers and the PDF's text layer."""
    parts = []
    for rater, points in fit.outcome.items():
        first, last = points[0], points[-1]
        parts.append(_("%(who)s, outcome: %(first)s at session %(n1)s (%(d1)s), %(last)s at "
                       "session %(n2)s (%(d2)s), %(count)s ratings.") % {
            "who": Rating.Rater(rater).label, "first": fmt(first.total), "n1": first.number,
            "d1": formats.date_format(first.date, "SHORT_DATE_FORMAT"),
            "last": fmt(last.total), "n2": last.number,
            "d2": formats.date_format(last.date, "SHORT_DATE_FORMAT"), "count": len(points)})
    cutoffs = sorted({c for _d, c in fit.cutoffs if c is not None})
    if cutoffs:
        parts.append(_("Clinical cutoff: %(values)s.") % {
            "values": ", ".join(fmt(c) for c in cutoffs)})
    parts.append(fit.band_note)
    flagged = sum(1 for points in fit.alliance.values() for p in points if p.flags)
    rated = sum(len(points) for points in fit.alliance.values())
    if rated:
        parts.append(_("%(rated)s session ratings, %(flagged)s flagged.") % {
            "rated": rated, "flagged": flagged})
    changes = [s for s in fit.sessions if s.plan_note is not None]
    for session in changes:
        parts.append(_("Plan changed at session %(n)s: %(note)s.") % {
            "n": session.number, "note": session.plan_note})
    return " ".join(str(p) for p in parts if p)
