"""The young person's timeline: outcome ratings (ORS totals) above, use per week below, on
one time axis, so that clinician and young person can look at both together.

Drawn on the server with matplotlib through spor.lib.charts, like every chart of Spor, so that the
page and a PDF show the same picture and nothing is loaded in the browser. `draw_use`
and `draw_outcome` draw on any axes, so the same parts can join other charts.
"""

import datetime

from django.utils import formats
from django.utils.translation import gettext as _
from matplotlib.dates import date2num

from spor.lib import charts

MUTED, LINE = charts.COLOURS["muted"], charts.COLOURS["line"]
# The same meaning as in the FIT curve: the young person's ORS in their colour, use in its.
OWN, USE, ASKED = (charts.MEANING[k] for k in ("young_person", "use", "asked"))


def timeline_svg(weeks, ratings=(), owner=None) -> str:
    """Use per week, with the outcome totals above it when there are any, as an inline
    <svg>; "" when nothing was answered or rated in the period. Drawn once for each change
    of the weeks and ratings (charts.cached); `owner` is the young person they are of."""
    if not any(w.known_days for w in weeks) and not ratings:
        return ""
    ratings = list(ratings)
    return charts.cached("timeline", owner, (weeks, ratings), lambda: _draw(weeks, ratings))


def _draw(weeks, ratings):
    first, last = weeks[0].start, weeks[-1].start + datetime.timedelta(days=7)
    rows = 2 if ratings else 1
    with charts.figure(width=7.5, height=1.9 + 1.6 * (rows - 1), rows=rows,
                       height_ratios=[1.2, 1] if rows == 2 else None,
                       margins=(0.6, 0.15, 0.35, 0.45)) as (fig, axes):
        if ratings:
            draw_outcome(axes[0], ratings)
        draw_use(axes[-1], weeks)
        axes[-1].set_xlim(date2num(first), date2num(last))
        charts.date_axis(axes[-1].xaxis, first, last)
        handles, labels = [], []
        for ax in axes:
            found = ax.get_legend_handles_labels()
            handles += found[0]
            labels += found[1]
        fig.legend(handles, labels, loc="upper left", ncols=len(labels),
                   bbox_to_anchor=(0.07, 1.0))
        title = _("Outcome and use over time") if ratings else _("Use per week")
        return charts.to_svg(fig, title, describe(weeks, ratings))


def draw_use(ax, weeks) -> None:
    """Days of use per week (0–7) as bars, in front of the days that were answered."""
    starts = [date2num(w.start) for w in weeks]
    ax.bar(starts, [w.known_days for w in weeks], width=6, align="edge", color=ASKED,
           label=_("Days asked about"))
    ax.bar(starts, [w.use_days for w in weeks], width=6, align="edge", color=USE,
           label=_("Days of use"))
    ax.set_ylim(0, 7)
    ax.set_yticks([0, 7], ["0", "7"])
    ax.set_ylabel(_("days a week"), color=MUTED)


def draw_outcome(ax, ratings) -> None:
    """The young person's outcome totals (0–40) by session date."""
    ax.plot([date2num(r["date"]) for r in ratings], [r["total"] for r in ratings],
            color=OWN, marker="o", markersize=3.5, linewidth=1.6,
            label=_("Outcome (ORS)"))
    ax.set_ylim(0, 40)
    ax.set_yticks([0, 20, 40])
    ax.set_ylabel("ORS", color=MUTED)
    ax.grid(axis="y", color=LINE, linewidth=0.6)


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
        parts.append(_("Outcome totals: %(totals)s.") % {"totals": ", ".join(
            f"{formats.date_format(r['date'], 'SHORT_DATE_FORMAT')} "
            f"{formats.number_format(r['total'], 1)}" for r in ratings)})
    return " ".join(str(p) for p in parts)
