"""The use chart: days of use per week, with the days that were asked about behind them.

Drawn on the server with matplotlib as inline SVG, like every chart of Spor, so that the
page and a PDF show the same picture and nothing is loaded in the browser.
"""

import io
import re
import threading
import uuid

import matplotlib
from django.utils import formats
from django.utils.html import escape
from django.utils.translation import gettext as _
from matplotlib.figure import Figure

INK, MUTED, LINE, ACCENT = "#1d2630", "#5b6670", "#d7dde2", "#23695a"
STYLE = {"svg.fonttype": "none", "font.family": "sans-serif", "font.size": 8,
         "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "sans-serif"]}
LOCK = threading.Lock()  # matplotlib's settings are global to the process


def use_svg(weeks) -> str:
    """Days of use per week as an inline <svg>, or "" when no week has an answer."""
    if not any(w.known_days for w in weeks):
        return ""
    starts = [w.start for w in weeks]
    with LOCK, matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(7.5, 2.4))
        ax = fig.add_axes((0.07, 0.14, 0.91, 0.7))
        ax.bar(starts, [w.known_days for w in weeks], width=6, align="edge", color=LINE,
               label=_("Days asked about"))
        ax.bar(starts, [w.use_days for w in weeks], width=6, align="edge", color=ACCENT,
               label=_("Days of use"))
        ax.set_ylim(0, 7)
        ax.set_yticks([0, 7 // 2 + 0.5, 7], ["0", "", "7"])
        ax.set_ylabel(_("days a week"), color=MUTED)
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(colors=MUTED)
        step = max(1, len(starts) // 8)
        ax.set_xticks(starts[::step], [formats.date_format(d, "j. b") for d in starts[::step]])
        ax.legend(loc="lower left", frameon=False, ncols=2, bbox_to_anchor=(0, 1.02),
                  borderaxespad=0)
        return _svg(fig, _("Use per week"), describe(weeks))


def describe(weeks) -> str:
    asked = [w for w in weeks if w.known_days]
    first, last = asked[0], asked[-1]
    return _("Days of use per week from the week of %(first)s to the week of %(last)s: "
             "%(days)s.") % {
        "first": formats.date_format(first.start, "SHORT_DATE_FORMAT"),
        "last": formats.date_format(last.start, "SHORT_DATE_FORMAT"),
        "days": ", ".join(f"{w.use_days}/{w.known_days}" for w in asked)}


def _svg(fig, title, desc):
    chart_id = f"chart-{uuid.uuid4().hex[:10]}"
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": chart_id}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"',
                 rf'<svg\1 width="100%" class="chart" role="img" id="{chart_id}"', svg, count=1)
    head = svg.index(">") + 1
    return (svg[:head] + f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
            + svg[head:])
