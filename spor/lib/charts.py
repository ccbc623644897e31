"""Server-side charts: the one code path for pages and PDFs.

Charts are drawn with matplotlib's object API (no pyplot state, so it is safe in threads)
and returned as an SVG string to put inline in HTML and in WeasyPrint PDFs. Text stays
text (selectable, scalable, in the page's font), and the SVG carries a <title> and <desc>
so a screen reader can tell what the chart shows. Labels come from the caller, translated.

    with charts.figure() as (fig, (ax,)):
        ax.plot(...)
        svg = charts.to_svg(fig, title=_("…"), desc=_("…"))
"""

import hashlib
import io
import re
import sys
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

import matplotlib
from django.core.cache import caches
from django.utils import formats, translation
from django.utils.html import escape
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator

from spor.lib.numbers import percent

# The colours of spor.css, and a few more for series that must be told apart.
COLOURS = {
    "ink": "#1d2630", "muted": "#5b6670", "line": "#d7dde2", "accent": "#23695a",
    "warn": "#9a5b00", "bad": "#a3262a", "ok": "#1f6b3a", "band": "#cfe3dc",
    "second": "#3f5fa8", "third": "#8a4f9e",
}
SERIES = [COLOURS["accent"], COLOURS["second"], COLOURS["third"], COLOURS["warn"]]
# One meaning per colour across every chart: the young person's own ratings, a parent's,
# another person's, and the days of use from the diary. A chart draws these by meaning,
# never by position in a list.
MEANING = {"young_person": COLOURS["accent"], "parent": COLOURS["second"],
           "other": COLOURS["third"], "use": "#b0702a", "asked": COLOURS["line"]}

STYLE = {
    "svg.fonttype": "none",  # keep text as text
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "sans-serif"],
    "font.size": 9,
    "axes.edgecolor": COLOURS["muted"],
    "axes.labelcolor": COLOURS["ink"],
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": COLOURS["line"],
    "grid.linewidth": 0.6,
    "xtick.color": COLOURS["muted"],
    "ytick.color": COLOURS["muted"],
    "legend.frameon": False,
    "legend.fontsize": 8,
}
# Element ids matplotlib numbers from 1 in every file ("axes_1"); two charts on one page
# would repeat them. The ids that are referenced are hashed with a per-chart salt instead.
NUMBERED_ID = re.compile(r'\sid="[A-Za-z][\w.]*_\d+"')
# matplotlib's style settings are global to the process: one chart is drawn at a time.
LOCK = threading.Lock()
# Drawn charts are kept a day at most (the "charts" cache, shared by the workers through
# REDIS_URL); a change of their data gives a new key, so nothing is ever stale.
CACHE_SECONDS = 24 * 3600
_code_digests: dict = {}


def cached(name: str, owner, content, draw) -> str:
    """The SVG that `draw()` returns, drawn once for each change of what it shows.

    The key is the chart's name, its owner (the course whose data it shows, so that no
    chart is ever served for another young person), the language, the drawing code and a
    hash of `content`: everything the chart shows, as plain values with a stable repr.
    """
    module = sys.modules[draw.__module__]
    code = _code_digests.get(module.__name__)
    if code is None:
        source = Path(module.__file__).read_bytes() + Path(__file__).read_bytes()
        code = _code_digests[module.__name__] = hashlib.sha256(source).hexdigest()[:16]
    digest = hashlib.sha256(repr(content).encode()).hexdigest()
    key = f"chart:{name}:{owner}:{translation.get_language()}:{code}:{digest}"
    cache = caches["charts"]
    svg = cache.get(key)
    if svg is None:
        svg = draw()
        cache.set(key, svg, CACHE_SECONDS)
    return svg


@contextmanager
def figure(width: float = 7.5, height: float = 3.2, rows: int = 1, height_ratios=None,
           sharex: bool = True, margins=(0.7, 0.15, 0.2, 0.45), gap: float = 0.25):
    """A figure (inches) with `rows` axes stacked, sharing the x axis by default. Draw and
    call `to_svg` inside the block.

    Margins (left, right, top, bottom) and the gap between rows are fixed, in inches:
    matplotlib's automatic layout would draw every chart twice, doubling the page's time.
    """
    left, right, top, bottom = margins
    with LOCK, matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(width, height))
        grid = fig.add_gridspec(rows, 1, height_ratios=height_ratios, left=left / width,
                                right=1 - right / width, top=1 - top / height,
                                bottom=bottom / height, hspace=gap * rows / height)
        axes = grid.subplots(sharex=sharex, squeeze=False)
        yield fig, [row[0] for row in axes]


def local_numbers(axis, decimals: int = 0) -> None:
    """Tick labels in the language's notation (a decimal comma in Danish)."""
    axis.set_major_formatter(FuncFormatter(
        lambda value, _pos: formats.number_format(round(value, decimals), decimals)))


STYLE_SHEET = re.compile(r"<style[^>]*>.*?</style>", re.S)
STYLE_ATTRIBUTE = re.compile(r'style="([^"]*)"')


def _presentation_attributes(match) -> str:
    pairs = [part.split(":", 1) for part in match.group(1).split(";") if ":" in part]
    return " ".join(f'{name.strip()}="{value.strip()}"' for name, value in pairs)


def to_svg(fig: Figure, title: str, desc: str = "") -> str:
    """The figure as an inline <svg> with an accessible title and description."""
    chart_id = f"chart-{uuid.uuid4().hex[:10]}"
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": chart_id}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = NUMBERED_ID.sub("", svg)
    # The pages' Content-Security-Policy refuses inline styles: matplotlib's style
    # attributes become SVG presentation attributes, and its one style sheet
    # ("*{stroke-linejoin: round; stroke-linecap: butt}") attributes that inherit.
    svg = STYLE_SHEET.sub("", svg)
    svg = STYLE_ATTRIBUTE.sub(_presentation_attributes, svg)
    # Scale with the page or the PDF column; the viewBox keeps the proportions.
    svg = re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"',
                 rf'<svg\1 width="100%" class="chart" role="img" id="{chart_id}" '
                 rf'stroke-linejoin="round" stroke-linecap="butt" '
                 rf'aria-labelledby="{chart_id}-title {chart_id}-desc"', svg, count=1)
    head_end = svg.index(">") + 1
    labels = (f'<title id="{chart_id}-title">{escape(title)}</title>'
              f'<desc id="{chart_id}-desc">{escape(desc)}</desc>')
    return svg[:head_end] + labels + svg[head_end:]


def pie(title: str, labels, values) -> str:
    """Shares of a whole, each slice labelled with its share as in the annual report;
    empty slices are left out."""
    pairs = [(label, value) for label, value in zip(labels, values, strict=True) if value]
    total = sum(value for _label, value in pairs)
    shares = [(label, percent(value, total)) for label, value in pairs]
    with figure(width=4.6, height=3.3, margins=(0.9, 0.9, 0.35, 0.35)) as (fig, (ax,)):
        ax.grid(False)
        ax.axis("off")
        if pairs:
            ax.pie([value for _label, value in pairs], startangle=90, counterclock=False,
                   colors=[*SERIES, COLOURS["band"], COLOURS["bad"], COLOURS["muted"],
                           COLOURS["line"], COLOURS["ok"]][:len(pairs)],
                   wedgeprops={"linewidth": 1, "edgecolor": "white"},
                   labels=[f"{label}\n{share} %" for label, share in shares],
                   labeldistance=1.18, textprops={"fontsize": 8})
            ax.set_aspect("equal")
        ax.set_title(title, fontsize=9)
        return to_svg(fig, title, ", ".join(f"{label}: {share} %" for label, share in shares))


def bars(title: str, labels, values, total=None) -> str:
    """Counts as bars on an axis of whole, evenly spaced ticks; each bar is labelled with
    its count and, when the `total` is known, its share of it, as in the annual report. A
    hidden (suppressed) count is drawn as nothing and written "–"."""
    shown = [value or 0 for value in values]

    def text(value):
        if value is None:
            return "–"
        share = percent(value, total)
        return str(value) if share is None else f"{value}\n{share} %"

    with figure(width=4.6, height=2.8, margins=(0.5, 0.15, 0.35, 0.6)) as (fig, (ax,)):
        ax.grid(axis="x", visible=False)
        ax.bar(range(len(labels)), shown, color=COLOURS["accent"])
        ax.set_xticks(range(len(labels)), labels, fontsize=8, rotation=20, ha="right")
        for x, value in enumerate(values):
            ax.annotate(text(value), (x, shown[x]), ha="center", va="bottom", fontsize=7,
                        linespacing=1.1)
        # Whole numbers at even steps (0, 2, 4 … never 0, 2, 5, 8), with room above the
        # highest bar for its label.
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True, steps=[1, 2, 5, 10]))
        ax.set_ylim(0, max(max(shown) * 1.3, 1))
        local_numbers(ax.yaxis)
        ax.set_title(title, fontsize=9)
        desc = ", ".join(f"{label}: {text(v).replace(chr(10), ', ')}"
                         for label, v in zip(labels, values, strict=True))
        return to_svg(fig, title, desc)


def stacked_shares(title: str, rows, parts, colours, unit: str = "") -> str:
    """One horizontal bar per row (label, counts), split into the shares of its whole as in
    the annual report, each part with its percentage; `parts` names the counts and `colours`
    gives each its colour. A row with nothing to split is drawn empty and written "–"."""
    rows = list(rows)
    height = 0.85 + 0.42 * max(len(rows), 1)
    with figure(width=7.5, height=height, margins=(1.6, 0.2, 0.4, 0.35)) as (fig, (ax,)):
        ax.grid(axis="y", visible=False)
        descs = []
        for y, (label, counts) in enumerate(reversed(rows)):
            total = sum(counts)
            left = 0
            bits = []
            for part, count, colour in zip(parts, counts, colours, strict=True):
                share = percent(count, total)
                if not share:
                    continue
                ax.barh(y, share, left=left, color=colour, edgecolor="white", linewidth=1)
                if share >= 8:
                    ax.text(left + share / 2, y, f"{share} %", ha="center", va="center",
                            fontsize=8, color="white")
                left += share
                bits.append(f"{part} {share} %")
            if not total:
                ax.text(1, y, "–", va="center", fontsize=8, color=COLOURS["muted"])
            descs.append(f"{label} (n={total}{unit}): " + (", ".join(bits) or "–"))
        ax.set_yticks(range(len(rows)), [f"{label} (n={sum(c)})" for label, c in
                                         reversed(rows)], fontsize=8)
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0f} %"))
        # The parts' names in their order, above the bars (the page's heading is the title).
        ax.legend(handles=[Patch(color=c, label=p) for p, c in zip(parts, colours, strict=True)],
                  loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(parts))
        return to_svg(fig, title, "; ".join(reversed(descs)))


# Day and month on a date axis, in the language's own order ("1. maj", "May 1").
DAY_MONTH = {"da": "j. b", "en": "M j"}
MONTH_YEAR = {"da": "b Y", "en": "M Y"}


class DateTicks(Formatter):
    """Tick labels of a date axis in the page's language. The year is written under the
    first tick and under every tick where the year changes, so a course across New Year
    reads right; over a long span ticks are months with their year."""

    def __init__(self, long_span: bool):
        self.long_span = long_span

    def __call__(self, value, pos=None):
        return self.format_ticks([value])[0]

    def format_ticks(self, values):
        from matplotlib.dates import num2date

        language = (translation.get_language() or "da")[:2]
        days = [num2date(v).date() for v in values]
        if self.long_span:
            return [formats.date_format(d, MONTH_YEAR.get(language, "M Y")) for d in days]
        labels, year = [], None
        for d in days:
            text = formats.date_format(d, DAY_MONTH.get(language, "M j"))
            if d.year != year:
                text += f"\n{d.year}"
                year = d.year
            labels.append(text)
        return labels


def date_axis(axis, first, last) -> None:
    """A date x-axis from `first` to `last` (dates): a few ticks, labelled by DateTicks."""
    from matplotlib.dates import AutoDateLocator

    axis.set_major_locator(AutoDateLocator(minticks=3, maxticks=8))
    axis.set_major_formatter(DateTicks(long_span=(last - first).days > 330))
