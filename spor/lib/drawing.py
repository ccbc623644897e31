"""PDFs drawn directly with fpdf2: text measured and set by Spor itself, and the SVG
charts of spor.lib.charts drawn as PDF shapes.

Laying a report out from HTML (WeasyPrint) cost half a second of processor for a
ten-page statistics document, most of it in general machinery (styles, boxes, SVG text
laid out a letter at a time) that a document of headings, tables and charts does not
need. Here a page is placed by arithmetic: widths come from the font's own advance
widths, lines are broken at spaces, and what is drawn is plain PDF text (extractable)
and shapes.

The font is DejaVu Sans, as in the HTML print stylesheet: a Latin subset of it is kept
under fonts/ (its licence beside it), so that a fresh clone needs nothing from the
system and each PDF subsets a font of a few hundred glyphs, not six thousand. A
document with a letter outside that subset (a name in Greek, say) is set in the full
DejaVu Sans of the system, found through fontconfig, when there is one. Fonts are read
once per process: each document gets a copy with a subset of its own.
"""

import copy
import functools
import io
import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET  # noqa: S405 (only the SVG that charts.py writes)
from pathlib import Path

from fontTools import ttLib
from fpdf import FPDF
from fpdf.enums import PDFResourceType
from fpdf.fonts import SubsetMap

FONTS = Path(__file__).parent / "fonts"
FACES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FAMILY = "dejavu"
MM = 72 / 25.4
A4 = (595.28, 841.89)  # points


@functools.cache
def _system_faces() -> dict | None:
    """The full DejaVu Sans of the system (regular and bold), through fontconfig."""
    if not shutil.which("fc-match"):
        return None
    found = {}
    for style, pattern in (("", "DejaVu Sans:style=Book"), ("B", "DejaVu Sans:style=Bold")):
        try:
            path = subprocess.run(["fc-match", "-f", "%{file}", pattern],  # noqa: S603,S607
                                  capture_output=True, text=True, timeout=5).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
        if not path.endswith(".ttf") or "DejaVuSans" not in Path(path).name:
            return None
        found[style] = Path(path)
    return found


@functools.cache
def _face(path: Path):
    """(the parsed font, its file's bytes), read once per process: fpdf2 works out every
    letter's width and glyph when a font is added (most of the cost of a font)."""
    scratch = FPDF(unit="pt")
    scratch.add_font(FAMILY, "", path)
    return scratch.fonts[FAMILY], path.read_bytes()


@functools.cache
def covered() -> frozenset:
    """The letters of the kept subset."""
    return frozenset(_face(FONTS / FACES[""])[0].cmap)


def _install(pdf: FPDF, style: str, path: Path):
    """The parsed font into this document, with tables and a subset of its own (fpdf2
    subsets the font's tables in place when it writes the file)."""
    parsed, data = _face(path)
    font = copy.copy(parsed)
    font.i = len(pdf.fonts) + 1
    font.fontkey = FAMILY + style
    font.ttfont = ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False, recalcBBoxes=False,
                               lazy=True)
    font.subset = SubsetMap(font)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    pdf.fonts[font.fontkey] = font
    return font


@functools.cache
def colour(hex_colour: str) -> tuple:
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return tuple(int(value[i:i + 2], 16) for i in (0, 2, 4))


@functools.cache
def fill(hex_colour: str) -> str:
    """The colour as the PDF operator that fills with it (text is filled)."""
    return " ".join(f"{part / 255:.3f}" for part in colour(hex_colour)) + " rg"


class Document:
    """An A4 document in points, y downwards from the top of the page, as fpdf2 counts."""

    def __init__(self, title: str, language: str, text: str = ""):
        """`text`: what the document will show that is not Spor's own words (names,
        sources), to choose the font that has all its letters."""
        self.pdf = pdf = FPDF(unit="pt", format="A4")
        pdf.set_auto_page_break(False)
        pdf.set_margins(0, 0, 0)
        pdf.set_title(title)
        pdf.set_lang(language)
        pdf.set_creator("Spor")
        faces = {style: FONTS / name for style, name in FACES.items()}
        if not set(map(ord, text)) <= covered() and _system_faces():
            faces = _system_faces()
        self.fonts = {style: _install(pdf, style, path) for style, path in faces.items()}
        self.widths = {style: _face(path)[0].cw for style, path in faces.items()}

    # Pages and text -----------------------------------------------------------------

    def add_page(self) -> None:
        pdf = self.pdf
        pdf.add_page()
        for font in self.fonts.values():
            pdf._resource_catalog.add(PDFResourceType.FONT, font.i, pdf.page)

    def width(self, text: str, size: float, bold: bool = False) -> float:
        widths = self.widths["B" if bold else ""]
        return sum(widths[ord(c)] for c in text) * size / 1000

    def wrap(self, text: str, size: float, width: float, bold: bool = False) -> list[str]:
        """The text in lines no wider than `width`, broken at spaces (a word wider than
        the line is broken where it must be)."""
        lines, line = [], ""
        space = self.width(" ", size, bold)
        used = 0.0
        for word in str(text).split():
            wide = self.width(word, size, bold)
            while wide > width:  # a word longer than the line: as much as fits
                if line:
                    lines.append(line)
                    line, used = "", 0.0
                cut = len(word) - 1
                while cut > 1 and self.width(word[:cut], size, bold) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
                wide = self.width(word, size, bold)
            if line and used + space + wide > width:
                lines.append(line)
                line, used = word, wide
            else:
                line, used = (f"{line} {word}", used + space + wide) if line else (word, wide)
        if line or not lines:
            lines.append(line)
        return lines

    def text(self, x: float, y: float, text: str, size: float, bold: bool = False,
             ink: str = "#1d2630", align: str = "left") -> None:
        """One line with its baseline at y; `align` "right" or "centre" puts its end or
        middle at x."""
        if not text:
            return
        if align != "left":
            wide = self.width(text, size, bold)
            x -= wide if align == "right" else wide / 2
        # Written as fpdf2's text() writes it, without its bookkeeping of the current
        # font (a third of the time of a page of tables, which change font in every row);
        # the colour is the text's own (q … Q), so that fpdf2's fill colour stays true.
        font = self.fonts["B" if bold else ""]
        self.pdf._out(f"q {fill(ink)} BT /F{font.i} {size:.2f} Tf {x:.2f} {A4[1] - y:.2f} Td "
                      f"{font.encode_text(text)} ET Q")

    def rule(self, x1: float, y: float, x2: float, ink: str = "#d7dde2",
             width: float = 0.75) -> None:
        pdf = self.pdf
        pdf.set_draw_color(*colour(ink))
        pdf.set_line_width(width)
        pdf.line(x1, y, x2, y)

    def link(self, x: float, y: float, w: float, h: float, page: int, top: float) -> None:
        """A link from the rectangle to a place in the document."""
        target = self.pdf.add_link(page=page, y=top)
        self.pdf.link(x, y, w, h, target)

    def bookmark(self, title: str, top: float) -> None:
        """An entry of the PDF's outline, at `top` of the current page."""
        self.pdf.set_y(top)
        self.pdf.start_section(title)

    def output(self) -> bytes:
        return bytes(self.pdf.output())

    # Charts ---------------------------------------------------------------------------

    def chart(self, svg: str, x: float, y: float, width: float) -> None:
        """An SVG chart of spor.lib.charts drawn `width` wide from (x, y)."""
        _vw, _vh, shapes = parsed_chart(svg)
        scale = width / _vw
        pdf = self.pdf
        for shape in shapes:
            kind = shape[0]
            if kind == "text":
                _k, tx, ty, content, size, ink, anchor, weight, turn = shape
                px, py = x + tx * scale, y + ty * scale
                align = {"end": "right", "middle": "centre"}.get(anchor, "left")
                if turn:
                    with pdf.rotation(-turn, px, py):
                        self.text(px, py, content, size * scale, weight, ink, align)
                else:
                    self.text(px, py, content, size * scale, weight, ink, align)
                continue
            _k, points, fill, stroke, stroke_width, dash, opacity = shape
            points = [(x + px * scale, y + py * scale) for px, py in points]
            style = ("F" if fill else "") + ("D" if stroke else "")
            if fill:
                pdf.set_fill_color(*colour(fill))
            if stroke:
                pdf.set_draw_color(*colour(stroke))
                pdf.set_line_width(stroke_width * scale)
            if dash:
                pdf.set_dash_pattern(dash[0] * scale, dash[1] * scale)
            closed = kind == "polygon"
            if opacity is not None:
                with pdf.local_context(stroke_opacity=opacity):
                    pdf.polyline(points, polygon=closed, style=style)
            else:
                pdf.polyline(points, polygon=closed, style=style)
            if dash:
                pdf.set_dash_pattern()


def chart_size(svg: str) -> tuple[float, float]:
    vw, vh, _shapes = parsed_chart(svg)
    return vw, vh


NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?")
SVG_NS = "{http://www.w3.org/2000/svg}"


@functools.lru_cache(maxsize=256)
def parsed_chart(svg: str):
    """(width, height, shapes) of a chart's SVG: the few elements charts.py writes
    (rect, polyline, polygon, circle, path of lines and circular arcs, text, g) as
    polylines, polygons and text. Kept per process for each chart drawn, as the chart
    itself is kept for each change of its data."""
    root = ET.fromstring(svg)  # noqa: S314 (our own SVG, from charts.py)
    _x, _y, vw, vh = (float(v) for v in root.get("viewBox").split())
    shapes = []
    _shapes(root, {"fill": root.get("fill", "#000000"),
                   "font-size": float(root.get("font-size", 9))}, shapes)
    return vw, vh, shapes


def _shapes(element, inherited, shapes):
    for child in element:
        tag = child.tag.replace(SVG_NS, "")
        if tag in ("title", "desc"):
            continue
        fill = child.get("fill", inherited["fill"])
        fill = None if fill == "none" else fill
        stroke = child.get("stroke")
        stroke_width = float(child.get("stroke-width", 1))
        dash = child.get("stroke-dasharray")
        dash = tuple(float(v) for v in dash.split()) if dash else None
        opacity = child.get("stroke-opacity")
        opacity = float(opacity) if opacity else None
        if tag == "g":
            _shapes(child, {**inherited, "fill": fill or "none"}, shapes)
        elif tag == "text":
            turn = child.get("transform")
            angle = float(NUMBER.findall(turn)[0]) if turn else 0
            shapes.append(("text", float(child.get("x")), float(child.get("y")),
                           child.text or "", float(child.get("font-size",
                                                             inherited["font-size"])),
                           fill or "#000000", child.get("text-anchor", "start"),
                           child.get("font-weight") in ("bold", "600", "700"), angle))
        else:
            if tag == "rect":
                x, y = float(child.get("x", 0)), float(child.get("y", 0))
                w, h = float(child.get("width")), float(child.get("height"))
                outlines = [[(x, y), (x + w, y), (x + w, y + h), (x, y + h)]]
                closed = True
            elif tag in ("polyline", "polygon"):
                values = [float(v) for v in NUMBER.findall(child.get("points"))]
                outlines = [list(zip(values[::2], values[1::2], strict=True))]
                closed = tag == "polygon"
            elif tag == "circle":
                cx, cy, r = (float(child.get(a)) for a in ("cx", "cy", "r"))
                outlines = [_arc_points(cx, cy, r, 0, 2 * math.pi)]
                closed = True
            elif tag == "path":
                outlines = _path(child.get("d"))
                closed = True
            else:
                continue
            for points in outlines:
                shapes.append(("polygon" if closed else "polyline", points, fill, stroke,
                               stroke_width, dash, opacity))


def _arc_points(cx, cy, r, start, end):
    """Points along a circle from angle `start` to `end` (radians, from 3 o'clock towards
    6 o'clock as SVG's y points down), fine enough to look round at any print size."""
    steps = max(2, math.ceil(abs(end - start) / (math.pi / 90)))
    return [(cx + r * math.cos(start + (end - start) * k / steps),
             cy + r * math.sin(start + (end - start) * k / steps)) for k in range(steps + 1)]


def _path(d):
    """The outlines of a path of M, L, l, A (circular) and Z commands."""
    outlines, points = [], []
    for command, args in re.findall(r"([MLlAZz])([^MLlAZz]*)", d):
        values = [float(v) for v in NUMBER.findall(args)]
        if command == "M":
            if points:
                outlines.append(points)
            points = [(values[0], values[1])]
        elif command == "L":
            points.extend(zip(values[::2], values[1::2], strict=True))
        elif command == "l":
            for dx, dy in zip(values[::2], values[1::2], strict=True):
                points.append((points[-1][0] + dx, points[-1][1] + dy))
        elif command == "A":
            r, _ry, _turn, large, sweep, x2, y2 = values
            points.extend(_arc(points[-1], (x2, y2), r, bool(large), bool(sweep))[1:])
    if points:
        outlines.append(points)
    return outlines


def _arc(p1, p2, r, large, sweep):
    """A circular arc of radius r from p1 to p2, as SVG's flags choose it among four."""
    (x1, y1), (x2, y2) = p1, p2
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    dx, dy = x2 - x1, y2 - y1
    half = math.hypot(dx, dy) / 2
    if half == 0:
        return [p1]
    r = max(r, half)
    depth = math.sqrt(max(r * r - half * half, 0))
    # The centre lies on the perpendicular bisector, on the side the flags choose.
    sign = 1 if large != sweep else -1
    cx, cy = mx - sign * depth * dy / (2 * half), my + sign * depth * dx / (2 * half)
    a1, a2 = math.atan2(y1 - cy, x1 - cx), math.atan2(y2 - cy, x2 - cx)
    if sweep and a2 < a1:
        a2 += 2 * math.pi
    elif not sweep and a2 > a1:
        a2 -= 2 * math.pi
    return _arc_points(cx, cy, r, a1, a2)
