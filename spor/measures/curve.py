"""The FIT curve of a course, drawn on the shared chart code path (spor.lib.charts).

Top: outcome total (ORS/CORS) by session date, one line per rater, the clinical cutoff
for the young person's age on each day, the band of the expected course, and the
sessions where the plan changed. Below: the session ratings (SRS), flags marked.
"""

import datetime

from django.utils import formats
from django.utils.translation import gettext as _
from matplotlib.ticker import MultipleLocator

from spor.lib import charts
from spor.measures.fit import fmt
from spor.measures.models import Rating

C = charts.COLOURS
DENSE = 60  # ratings in a series above which points are not marked
RATER_STYLE = {
    Rating.Rater.CLIENT: {"color": charts.MEANING["young_person"], "linestyle": "-",
                          "marker": "o"},
    Rating.Rater.PARENT: {"color": charts.MEANING["parent"], "linestyle": "--", "marker": "s"},
    Rating.Rater.OTHER: {"color": charts.MEANING["other"], "linestyle": ":", "marker": "^"},
}


def curve_svg(fit, width: float = 7.5) -> str:
    """The course's curve as inline SVG, or "" when nothing has been rated. Drawn once for
    each change of what it shows (charts.cached), for the page and the PDF alike."""
    if not fit.has_ratings:
        return ""
    return charts.cached("curve", fit.course.pk, shown(fit, width), lambda: _draw(fit, width))


def shown(fit, width) -> tuple:
    """Everything the curve shows, as plain values: the cache key of the drawn chart.
    A new element drawn by `_draw` from the fit must be added here."""
    def points(series):
        return [(rater, [(p.number, p.date, p.total, tuple(p.flags)) for p in found])
                for rater, found in series.items()]

    return (width, fit.course.kind, [(s.number, s.date, s.plan_note) for s in fit.sessions],
            points(fit.outcome), points(fit.alliance), fit.cutoffs,
            [(s.date, b) for s, b in fit.band], str(fit.band_note))


def _draw(fit, width):
    show_alliance = any(fit.alliance.values())
    rows, ratios = (2, [3, 1.3]) if show_alliance else (1, None)
    height = 4.3 if show_alliance else 3.3
    margins = (0.75, 0.15, 0.25, 1.1)  # room below for the dates, a year, the legend
    with charts.figure(width, height, rows=rows, height_ratios=ratios,
                       margins=margins) as (fig, axes):
        top = axes[0]
        _outcome(top, fit)
        if show_alliance:
            _alliance(axes[1], fit)
            for session in fit.sessions:
                if session.plan_note is not None:
                    axes[1].axvline(session.date, color=C["warn"], linestyle=":", linewidth=1.2)
        _dates(axes[-1], fit)
        handles, labels = [], []
        for ax in axes:
            for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
                if label not in labels:
                    handles.append(handle)
                    labels.append(label)
        if handles:  # below the chart, where it hides no point
            fig.legend(handles, labels, loc="lower center", ncols=min(len(labels), 4),
                       bbox_to_anchor=(0.5, 0.01))
        return charts.to_svg(fig, title=_title(fit), desc=describe(fit))


def _outcome(ax, fit):
    dates = [s.date for s in fit.sessions]
    if fit.band:
        band_dates = [s.date for s, _b in fit.band]
        ax.fill_between(band_dates, [b.low for _s, b in fit.band], [b.high for _s, b in fit.band],
                        color=C["band"], linewidth=0, label=_("Expected course"))
        ax.plot(band_dates, [b.mid for _s, b in fit.band], color=C["ok"], linewidth=0.8,
                alpha=0.6)
    cutoffs = [(d, float(c)) for d, c in fit.cutoffs if c is not None]
    if cutoffs:
        if len({c for _d, c in cutoffs}) == 1:
            ax.axhline(cutoffs[0][1], color=C["bad"], linestyle="--", linewidth=1,
                       label=_("Clinical cutoff (%(value)s)") % {
                           "value": formats.number_format(cutoffs[0][1], 0 if cutoffs[0][1]
                                                          == int(cutoffs[0][1]) else 1)})
        else:
            ax.step([d for d, _c in cutoffs], [c for _d, c in cutoffs], where="post",
                    color=C["bad"], linestyle="--", linewidth=1, label=_("Clinical cutoff"))
    for rater, points in fit.outcome.items():
        style = dict(RATER_STYLE[rater])
        if len(points) > DENSE:  # a long course reads as a line; markers would blur it
            style["marker"] = None
        ax.plot([p.date for p in points], [float(p.total) for p in points],
                label=str(Rating.Rater(rater).label), linewidth=1.8, markersize=4, **style)
    for session in fit.sessions:
        if session.plan_note is not None:
            ax.axvline(session.date, color=C["warn"], linestyle=":", linewidth=1.2)
            ax.annotate("▼", (session.date, 40), color=C["warn"], ha="center", va="bottom",
                        fontsize=8, annotation_clip=False)
    if any(s.plan_note is not None for s in fit.sessions):
        ax.plot([], [], color=C["warn"], linestyle=":", label=_("Plan changed"))
    ax.set_ylim(0, 40)
    ax.yaxis.set_major_locator(MultipleLocator(10))
    ax.set_ylabel(_("Outcome (ORS)"))
    charts.local_numbers(ax.yaxis)
    if len(set(dates)) < 2 and dates:
        ax.set_xlim(dates[0] - datetime.timedelta(days=7), dates[0] + datetime.timedelta(days=7))


def _alliance(ax, fit):
    lowest = 30.0
    for rater, points in fit.alliance.items():
        style = RATER_STYLE[rater]
        totals = [float(p.total) for p in points]
        lowest = min([lowest, *totals])
        ax.plot([p.date for p in points], totals, color=style["color"],
                linestyle=style["linestyle"], linewidth=1.2,
                marker="." if len(points) <= DENSE else None, markersize=5,
                label=_("Session rating (SRS)") if rater == Rating.Rater.CLIENT else None)
        flagged = [p for p in points if p.flags]
        if flagged:
            ax.plot([p.date for p in flagged], [float(p.total) for p in flagged], linestyle="",
                    marker="X", markersize=8, color=C["bad"], label=_("Flag"))
    ax.set_ylim(max(0, lowest - 4), 40.5)
    ax.set_ylabel(_("SRS"))
    charts.local_numbers(ax.yaxis)


def _dates(ax, fit):
    days = [s.date for s in fit.sessions]
    if days:
        charts.date_axis(ax.xaxis, min(days), max(days))


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
    cutoffs = sorted({fmt(c) for _d, c in fit.cutoffs if c is not None})
    if cutoffs:
        parts.append(_("Clinical cutoff: %(values)s.") % {"values": ", ".join(cutoffs)})
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
