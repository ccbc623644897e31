"""Server-side charts: the one code path for pages and PDFs.

A chart is SVG written as text by the small drawing code here, with no plotting library:
drawing one costs a millisecond or two, so a chart is simply drawn for the request that
shows it. The same SVG goes inline into the page and, drawn as PDF shapes by
spor.lib.drawing, into the PDFs (the statistics, a course's FIT curve). Text stays
text (selectable, scalable, in the PDF's text layer), the SVG carries a <title> and a
<desc> that say in words what it shows (for screen readers), and colours are
presentation attributes, since the pages' Content-Security-Policy refuses inline styles.
Labels come from the caller, translated; numbers and dates are written in the page's
language (django.utils.formats).

    chart = charts.Chart(7.5, 3)                         # inches; drawn in points
    ax = chart.axes(54, 18, 470, 150, x=(lo, hi), y=(0, 40))
    ax.yticks([0, 10, 20, 30, 40])
    ax.line(xs, ys, charts.MEANING["young_person"], marker="o")
    svg = chart.svg(title=_("…"), desc=_("…"))
"""

import dataclasses
import datetime
import hashlib
import math
import sys
import uuid
from html import escape

from django.core.cache import caches
from django.utils import formats, translation

from spor.lib import versions
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

INCH = 72  # a chart is measured in points
FONT = "'DejaVu Sans', 'Liberation Sans', Arial, sans-serif"
SIZE = 9  # the text of axes, in points
SMALL = 8  # legends and the labels on bars and slices
TICK = 3.5  # length of a tick mark
# Dash patterns in units of the line's width: dashed for a cutoff or a parent's line,
# dotted for another person's line or a plan change.
DASHES = {"solid": None, "dashed": (3.7, 1.6), "dotted": (1, 1.65)}


def n(value: float) -> str:
    """A coordinate, to a tenth of a point."""
    return f"{value:.1f}"


def pairs(points) -> str:
    """(x, y) points as SVG writes them, to a tenth of a point."""
    return " ".join(["%.1f,%.1f" % point for point in points])  # noqa: UP031 (the fastest)


def text_width(text: str, size: float = SIZE) -> float:
    """About how wide the text is in the charts' font (DejaVu Sans averages 0.62 em a
    letter): enough to lay out legends and margins, which no browser measures for us."""
    return len(text) * size * 0.62


@dataclasses.dataclass(frozen=True)
class Key:
    """One entry of a legend: a line (with its marker), a patch of colour, or a marker."""
    label: str
    colour: str
    kind: str = "line"  # "line", "patch" or "marker"
    dash: str = "solid"
    marker: str | None = None
    width: float = 1.5
    size: float = 4


class Chart:
    """An SVG drawing, `width` × `height` inches, drawn in points as a list of strings."""

    def __init__(self, width: float, height: float):
        self.width, self.height = width * INCH, height * INCH
        self.parts: list[str] = []

    def add(self, element: str) -> None:
        self.parts.append(element)

    def axes(self, left, top, width, height, x, y) -> "Axes":
        return Axes(self, left, top, width, height, x, y)

    def line(self, points, colour, width=1.0, dash="solid", opacity=None) -> None:
        """A line through (x, y) points, in the chart's points."""
        if not points:
            return
        pattern = DASHES[dash]
        extra = (f' stroke-dasharray="{n(pattern[0] * width)} {n(pattern[1] * width)}"'
                 if pattern else "")
        if opacity is not None:
            extra += f' stroke-opacity="{opacity}"'
        self.add(f'<polyline points="{pairs(points)}" fill="none" stroke="{colour}" '
                 f'stroke-width="{width}"{extra}/>')

    def polygon(self, points, fill) -> None:
        self.add(f'<polygon points="{pairs(points)}" fill="{fill}"/>')

    def rect(self, x, y, width, height, fill, edge=None) -> None:
        stroke = f' stroke="{edge}" stroke-width="1"' if edge else ""
        self.add(f'<rect x="{n(x)}" y="{n(y)}" width="{n(width)}" height="{n(height)}" '
                 f'fill="{fill}"{stroke}/>')

    def markers(self, points, shape, colour, size=4) -> None:
        """A marker at each (x, y): "o" a dot, "s" a square, "^" a triangle, "X" a cross;
        `size` is its width in points."""
        if not points or not shape:
            return
        r = size / 2
        if shape == "o":
            each = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}"/>' for x, y in points)
        else:  # a path drawn from its first corner, the same for each marker
            first, *rest = SHAPES[shape]
            steps = "l" + " ".join(f"{(b[0] - a[0]) * r:.2f},{(b[1] - a[1]) * r:.2f}"
                                   for a, b in zip([first, *rest], rest, strict=False)) + "z"
            each = "".join(f'<path d="M{x + first[0] * r:.1f},{y + first[1] * r:.1f}{steps}"/>'
                           for x, y in points)
        self.add(f'<g fill="{colour}">{each}</g>')

    def text(self, x, y, content, size=SIZE, colour=COLOURS["ink"], anchor="start",
             align="baseline", rotate=None, weight=None) -> None:
        """Text at (x, y), one <text> per line of `content`. `align` places the lines
        vertically: "baseline" (of the first line), "top", "middle" or "bottom"; `rotate`
        turns them (degrees, clockwise) about (x, y)."""
        lines = str(content).split("\n")
        step = size * 1.15
        first = y + {"baseline": 0, "top": size * 0.8,
                     "middle": size * 0.35 - step * (len(lines) - 1) / 2,
                     "bottom": -size * 0.2 - step * (len(lines) - 1)}[align]
        attributes = f' font-size="{size}"' if size != SIZE else ""
        if colour != COLOURS["ink"]:
            attributes += f' fill="{colour}"'
        if anchor != "start":
            attributes += f' text-anchor="{anchor}"'
        if weight:
            attributes += f' font-weight="{weight}"'
        for i, line in enumerate(lines):
            ly = first + i * step
            turn = f' transform="rotate({rotate} {n(x)} {n(ly)})"' if rotate else ""
            self.add(f'<text x="{n(x)}" y="{n(ly)}"{attributes}{turn}>{escape(line)}</text>')

    def legend(self, keys, top, columns=4, left=None, centre=None) -> float:
        """The keys in rows of up to `columns` (fewer where they would not fit), from
        `left` or centred (on the chart, or at `centre`); returns where the legend ends
        below."""
        if not keys:
            return top
        handle, gap, space, row = 20, 5, 14, 13
        widths = [handle + gap + text_width(k.label, SMALL) for k in keys]
        room = self.width - 10 - (left or 5)
        count = min(columns, len(keys))
        while count > 1 and sum(max(widths[c::count]) for c in range(count)) \
                + space * (count - 1) > room:
            count -= 1
        cols = [max(widths[c::count]) for c in range(count)]
        wide = sum(cols) + space * (count - 1)
        if left is None:  # centred, but kept inside the chart
            centre = self.width / 2 if centre is None else centre
            left = max(5, min(centre - wide / 2, self.width - 5 - wide))
        x0 = left
        for i, key in enumerate(keys):
            line, column = divmod(i, count)
            x = x0 + sum(cols[:column]) + space * column
            y = top + row * line + row / 2
            if key.kind == "patch":
                self.rect(x, y - 3.5, handle, 7, key.colour)
            elif key.kind == "line":
                self.line([(x, y), (x + handle, y)], key.colour, key.width, key.dash)
            if key.kind != "patch":
                self.markers([(x + handle / 2, y)], key.marker, key.colour, key.size)
            self.text(x + handle + gap, y, key.label, SMALL, align="middle")
        return top + row * math.ceil(len(keys) / count)

    def svg(self, title: str, desc: str = "") -> str:
        """The chart as an inline <svg> that scales with the page or the PDF's column,
        with its accessible title and description."""
        chart_id = f"chart-{uuid.uuid4().hex[:10]}"
        w, h = n(self.width), n(self.height)
        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" '
                f'class="chart" role="img" id="{chart_id}" '
                f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="{FONT}" '
                f'font-size="{SIZE}" fill="{COLOURS["ink"]}" stroke-linejoin="round">'
                f'<title id="{chart_id}-title">{escape(title)}</title>'
                f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
                f'<rect width="{w}" height="{h}" fill="#ffffff"/>'
                + "".join(self.parts) + "</svg>")


def _cross():
    """A filled diagonal cross filling the unit square: the mark of a flag."""
    arm = 0.28
    plus = [(arm, 1), (arm, arm), (1, arm), (1, -arm), (arm, -arm), (arm, -1), (-arm, -1),
            (-arm, -arm), (-1, -arm), (-1, arm), (-arm, arm), (-arm, 1)]
    return [((x - y) / math.sqrt(2) * 1.15, (x + y) / math.sqrt(2) * 1.15) for x, y in plus]


SHAPES = {"X": _cross(), "^": [(0, -1), (0.9, 0.7), (-0.9, 0.7)],
          "s": [(-1, -1), (1, -1), (1, 1), (-1, 1)]}


class Axes:
    """A rectangle of the chart (in points) showing the data ranges `x` and `y`."""

    def __init__(self, chart, left, top, width, height, x, y):
        self.chart = chart
        self.left, self.top, self.width, self.height = left, top, width, height
        self.bottom, self.right = top + height, left + width
        (self.x0, x1), (self.y0, y1) = x, y
        self.sx = width / ((x1 - self.x0) or 1)
        self.sy = height / ((y1 - self.y0) or 1)

    def px(self, value) -> float:
        return self.left + (value - self.x0) * self.sx

    def py(self, value) -> float:
        return self.bottom - (value - self.y0) * self.sy

    def points(self, xs, ys):
        left, x0, sx, bottom, y0, sy = (self.left, self.x0, self.sx, self.bottom, self.y0,
                                        self.sy)
        return [(left + (x - x0) * sx, bottom - (y - y0) * sy)
                for x, y in zip(xs, ys, strict=True)]

    def line(self, xs, ys, colour, width=1.5, dash="solid", marker=None, size=4,
             opacity=None) -> None:
        points = self.points(xs, ys)
        self.chart.line(points, colour, width, dash, opacity)
        self.chart.markers(points, marker, colour, size)

    def markers(self, xs, ys, shape, colour, size=4) -> None:
        self.chart.markers(self.points(xs, ys), shape, colour, size)

    def area(self, xs, lows, highs, colour) -> None:
        """The area between two lines, as between the edges of a band."""
        self.chart.polygon(self.points(xs, lows) + self.points(xs, highs)[::-1], colour)

    def hline(self, y, colour, width=1.0, dash="solid") -> None:
        self.chart.line([(self.left, self.py(y)), (self.right, self.py(y))], colour, width,
                        dash)

    def vline(self, x, colour, width=1.0, dash="solid") -> None:
        self.chart.line([(self.px(x), self.top), (self.px(x), self.bottom)], colour, width,
                        dash)

    def bar(self, x, height, width, colour, bottom=0) -> None:
        """A bar from `bottom` up to `bottom + height`, `width` wide from x (data units)."""
        if height:
            left, right = self.px(x), self.px(x + width)
            self.chart.rect(left, self.py(bottom + height), right - left,
                            self.py(bottom) - self.py(bottom + height), colour)

    def yticks(self, values, labels=None, grid=True) -> None:
        """Ticks, labels (numbers in the language's notation by default) and grid lines
        at `values` of the y axis."""
        chart = self.chart
        if labels is None:
            labels = [number(v) for v in values]
        for value, label in zip(values, labels, strict=True):
            y = self.py(value)
            if grid:
                chart.line([(self.left, y), (self.right, y)], COLOURS["line"], 0.6)
            chart.line([(self.left - TICK, y), (self.left, y)], COLOURS["muted"], 0.8)
            chart.text(self.left - TICK - 3.5, y, label, colour=COLOURS["muted"],
                       anchor="end", align="middle")

    def xticks(self, values, labels=None, grid=True, size=SIZE, rotate=None) -> None:
        """Ticks and grid lines at `values` of the x axis, labelled below when `labels`
        are given (a label may have a second line)."""
        chart = self.chart
        for i, value in enumerate(values):
            x = self.px(value)
            if grid:
                chart.line([(x, self.top), (x, self.bottom)], COLOURS["line"], 0.6)
            chart.line([(x, self.bottom), (x, self.bottom + TICK)], COLOURS["muted"], 0.8)
            if labels is not None and labels[i]:
                if not rotate:  # a label at the edge is moved in, not cut off
                    half = max(text_width(line, size) for line in labels[i].split("\n")) / 2
                    x = max(half + 2, min(x, chart.width - half - 2))
                chart.text(x, self.bottom + TICK + 3.5, labels[i], size, COLOURS["muted"],
                           "end" if rotate else "middle", "top", rotate)

    def frame(self, bottom=True) -> None:
        """The axes' left and bottom lines."""
        self.chart.line(([(self.left, self.top)] + [(self.left, self.bottom)]
                        + ([(self.right, self.bottom)] if bottom else [])),
                        COLOURS["muted"], 0.8)

    def ylabel(self, text, colour=COLOURS["ink"], offset=30) -> None:
        x, y = self.left - offset, self.top + self.height / 2
        self.chart.text(x, y, text, colour=colour, anchor="middle", rotate=-90)

    def title(self, text) -> None:
        self.chart.text(self.left + self.width / 2, self.top - 6, text, anchor="middle")


def number(value, decimals: int = 0) -> str:
    """A number in the language's notation (a decimal comma in Danish)."""
    return formats.number_format(round(value, decimals), decimals)


def ticks(low, high, most=5, integer=False) -> list:
    """Round values from `low` to `high` at most `most` even steps apart (1, 2, 2.5 or 5
    times a power of ten; never 2.5 for whole numbers), as people draw axes by hand."""
    raw = (high - low) / most or 1
    magnitude = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    step = next(s * magnitude for s in steps if s * magnitude >= raw * (1 - 1e-9))
    if integer:
        step = max(1, round(step))
    first = math.ceil(low / step - 1e-9)
    return [k * step for k in range(first, math.floor(high / step + 1e-9) + 1)]


# Day and month on a date axis, in the language's own order ("1. maj", "May 1").
DAY_MONTH = {"da": "j. b", "en": "M j"}
MONTH_YEAR = {"da": "b Y", "en": "M Y"}
MOST_DATES = 8  # ticks at most on a date axis


def date_ticks(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Three to eight round days from `first` to `last`, the finest that is not crowded:
    every day or every few, the 1st, 8th, 15th and 22nd, the 1st and 15th, the first of
    every 1, 2, 3, 4 or 6 months, or New Year's Day of every 1, 2, 5, 10… years."""
    fewer = None
    for found in _round_days(first, last):
        if len(found) <= MOST_DATES:
            if len(found) >= 3:
                return found
            fewer = fewer or found
    return fewer or [first]


DAYS_OF_MONTH = ((1, None), (2, range(1, 30, 2)), (3, range(1, 29, 3)),
                 (5, range(1, 27, 5)), (7, (1, 8, 15, 22)), (14, (1, 15)))


def _round_days(first, last):
    """Lists of round days from `first` to `last`, finer ones first (only those that
    could be few enough)."""
    span = (last - first).days
    for step, days in DAYS_OF_MONTH:
        if span / step <= 2 * MOST_DATES:
            found = (first + datetime.timedelta(days=k) for k in range(span + 1))
            yield [d for d in found if days is None or d.day in days]
    for months in (1, 2, 3, 4, 6):
        if span / 30.4 / months <= 2 * MOST_DATES:
            found = []
            month = first.year * 12 + first.month - 1 + (first.day > 1)
            while (day := datetime.date(month // 12, month % 12 + 1, 1)) <= last:
                if (day.month - 1) % months == 0:
                    found.append(day)
                month += 1
            yield found
    start = first.year + ((first.month, first.day) > (1, 1))
    for years in (1, 2, 5, 10, 20, 50, 100, 1000):
        yield [datetime.date(y, 1, 1) for y in range(start, last.year + 1) if y % years == 0]


def date_labels(days, long_span: bool) -> list[str]:
    """Tick labels of a date axis in the page's language. The year is written under the
    first tick and under every tick where the year changes, so a course across New Year
    reads right; over a long span ticks are months with their year."""
    language = (translation.get_language() or "da")[:2]
    if long_span:
        return [formats.date_format(d, MONTH_YEAR.get(language, "M Y")) for d in days]
    labels, year = [], None
    for d in days:
        text = formats.date_format(d, DAY_MONTH.get(language, "M j"))
        if d.year != year:
            text += f"\n{d.year}"
            year = d.year
        labels.append(text)
    return labels


def date_axis(axes_list, first: datetime.date, last: datetime.date) -> None:
    """A shared date x axis from `first` to `last` on axes stacked above each other (x as
    date ordinals): ticks and grid on each, the dates under the lowest."""
    days = date_ticks(first, last)
    labels = date_labels(days, long_span=(last - first).days > 330)
    for axes in axes_list:
        axes.xticks([d.toordinal() for d in days], labels if axes is axes_list[-1] else None)


# What is made once and kept (laid-out PDFs, the statistics' charts) is kept a day at most
# (the "charts" cache, shared by the workers through REDIS_URL); a change of its data
# gives a new key, so nothing is ever stale.
CACHE_SECONDS = 24 * 3600


def cached(name: str, owner, content, draw):
    """What `draw()` returns, made once for each change of what it shows.

    The key is the name, its owner (whose data it shows, so that nothing is ever served
    for another), the language, the drawing code and a hash of `content`: everything it
    shows, as plain values with a stable repr.
    """
    code = versions.digest(sys.modules[draw.__module__].__file__, __file__)
    digest = hashlib.sha256(repr(content).encode()).hexdigest()
    key = f"chart:{name}:{owner}:{translation.get_language()}:{code}:{digest}"
    cache = caches["charts"]
    found = cache.get(key)
    if found is None:
        found = draw()
        cache.set(key, found, CACHE_SECONDS)
    return found


# The statistics' charts ------------------------------------------------------------------

SLICES = [*SERIES, COLOURS["band"], COLOURS["bad"], COLOURS["muted"], COLOURS["line"],
          COLOURS["ok"]]


def wrapped(label: str, most: int = 16) -> str:
    """A long label on two lines, broken at the space nearest its middle."""
    spaces = [i for i, letter in enumerate(label) if letter == " "]
    if len(label) <= most or not spaces:
        return label
    cut = min(spaces, key=lambda i: abs(i - len(label) / 2))
    return f"{label[:cut]}\n{label[cut + 1:]}"


def pie(title: str, labels, values) -> str:
    """Shares of a whole, each slice labelled with its share as in the annual report;
    empty slices are left out."""
    pairs = [(label, value) for label, value in zip(labels, values, strict=True) if value]
    total = sum(value for _label, value in pairs)
    shares = [(label, percent(value, total)) for label, value in pairs]
    chart = Chart(4.6, 3.3)
    chart.text(chart.width / 2, 19, title, anchor="middle")
    cx, cy, r = chart.width / 2, chart.height / 2 + 6, 80
    turned = 0.0  # clockwise from twelve o'clock, as a share of the circle
    for (label, value), (_label, share), colour in zip(pairs, shares, SLICES, strict=False):
        start, turned = turned, turned + value / total
        if len(pairs) == 1:
            chart.add(f'<circle cx="{n(cx)}" cy="{n(cy)}" r="{r}" fill="{colour}"/>')
        else:
            a, b = 2 * math.pi * start, 2 * math.pi * turned
            chart.add(f'<path d="M{n(cx)} {n(cy)} L{n(cx + r * math.sin(a))} '
                      f'{n(cy - r * math.cos(a))} A{r} {r} 0 {int(b - a > math.pi)} 1 '
                      f'{n(cx + r * math.sin(b))} {n(cy - r * math.cos(b))}Z" '
                      f'fill="{colour}" stroke="#ffffff" stroke-width="1"/>')
        middle = math.pi * (start + turned)
        x, y = cx + 1.18 * r * math.sin(middle), cy - 1.18 * r * math.cos(middle)
        text = f"{wrapped(label)}\n{share} %"
        wide = max(text_width(line, SMALL) for line in text.split("\n"))
        side = math.sin(middle)
        if side > 0.01:  # right of the pie, from the slice outwards but inside the chart
            chart.text(min(x, chart.width - 2 - wide), y, text, SMALL, anchor="start",
                       align="middle")
        elif side < -0.01:
            chart.text(max(x, 2 + wide), y, text, SMALL, anchor="end", align="middle")
        else:
            chart.text(x, y, text, SMALL, anchor="middle", align="middle")
    return chart.svg(title, ", ".join(f"{label}: {share} %" for label, share in shares))


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

    chart = Chart(4.6, 2.8)
    top = max(max(shown, default=0) * 1.3, 1)  # room above the highest bar for its label
    ax = chart.axes(36, 25, chart.width - 47, chart.height - 68, x=(-0.6, len(labels) - 0.4),
                    y=(0, top))
    chart.add('<g class="y-axis">')
    ax.yticks(ticks(0, top, 5, integer=True))
    chart.add("</g>")
    for x, value in enumerate(values):
        ax.bar(x - 0.4, shown[x], 0.8, COLOURS["accent"])
        chart.text(ax.px(x), ax.py(shown[x]) - 2, text(value), 7, anchor="middle",
                   align="bottom")
    ax.xticks(range(len(labels)), labels, grid=False, size=SMALL, rotate=-20)
    ax.frame()
    ax.title(title)
    desc = ", ".join(f"{label}: {text(v).replace(chr(10), ', ')}"
                     for label, v in zip(labels, values, strict=True))
    return chart.svg(title, desc)


def stacked_shares(title: str, rows, parts, colours, unit: str = "") -> str:
    """One horizontal bar per row (label, counts), split into the shares of its whole as in
    the annual report, each part with its percentage; `parts` names the counts and `colours`
    gives each its colour. A row with nothing to split is drawn empty and written "–"."""
    rows = list(rows)
    chart = Chart(7.5, 0.85 + 0.42 * max(len(rows), 1))
    names = [f"{label} (n={sum(counts)})" for label, counts in rows]
    # Room on the left for the longest row's name, up to 40 % of the chart.
    left = min(max([1.2 * INCH, *(text_width(name, SMALL) + 12 for name in names)]),
               0.4 * chart.width)
    ax = chart.axes(left, 29, chart.width - left - 20, chart.height - 29 - 25, x=(0, 100),
                    y=(len(rows) - 0.5, -0.5))  # the first row on top
    ax.xticks(range(0, 101, 20), [f"{v} %" for v in range(0, 101, 20)])
    descs = []
    for y, ((label, counts), name) in enumerate(zip(rows, names, strict=True)):
        total, start, bits = sum(counts), 0, []
        for part, count, colour in zip(parts, counts, colours, strict=True):
            share = percent(count, total)
            if not share:
                continue
            x0, x1 = ax.px(start), ax.px(start + share)
            chart.rect(x0, ax.py(y - 0.4), x1 - x0, ax.py(y + 0.4) - ax.py(y - 0.4), colour,
                       edge="#ffffff")
            if share >= 8:
                chart.text((x0 + x1) / 2, ax.py(y), f"{share} %", SMALL, "#ffffff",
                           "middle", "middle")
            start += share
            bits.append(f"{part} {share} %")
        if not total:
            chart.text(ax.px(1), ax.py(y), "–", SMALL, COLOURS["muted"], align="middle")
        chart.line([(left - TICK, ax.py(y)), (left, ax.py(y))], COLOURS["muted"], 0.8)
        chart.text(left - TICK - 3.5, ax.py(y), name, SMALL, COLOURS["muted"], "end",
                   "middle")
        descs.append(f"{label} (n={total}{unit}): " + (", ".join(bits) or "–"))
    ax.frame()
    # The parts' names in their order, above the bars (the page's heading is the title).
    chart.legend([Key(p, c, "patch") for p, c in zip(parts, colours, strict=True)], 6,
                 columns=len(parts), centre=ax.left + ax.width / 2)
    return chart.svg(title, "; ".join(descs))
