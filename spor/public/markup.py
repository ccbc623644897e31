"""A very small text format for the page staff write: paragraphs, headings, lists, bold
and links. Everything is escaped first; only the few tags made here reach the page, so
no script or attribute can be written into it.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BOLD = re.compile(r"\*\*(.+?)\*\*")
# After escaping: [text](https://…), mailto: or tel: only — never javascript: or data:.
LINK = re.compile(r"\[([^\]\n]+)\]\(((?:https?://|mailto:|tel:)[^\s()<>\"']+)\)")


def inline(text: str) -> str:
    html = escape(text)
    html = BOLD.sub(r"<strong>\1</strong>", html)
    return LINK.sub(_link, html)


def _link(match) -> str:
    text, href = match.group(1), match.group(2)
    external = href.startswith("http")
    rel = ' rel="noopener noreferrer"' if external else ""
    return f'<a href="{href}"{rel}>{text}</a>'


def render(text: str) -> SafeString:
    """Turn the staff's text into safe HTML."""
    out, paragraph, items = [], [], []

    def flush():
        if paragraph:
            out.append("<p>" + "<br>".join(paragraph) + "</p>")
            paragraph.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
            items.clear()

    for raw in (text or "").replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#"):
            flush()
            level = 3 if line.startswith("###") else 2
            out.append(f"<h{level}>{inline(line.lstrip('#').strip())}</h{level}>")
        elif line.startswith(("- ", "* ")):
            if paragraph:
                flush()
            items.append(inline(line[2:].strip()))
        else:
            if items:
                flush()
            paragraph.append(inline(line))
    flush()
    return mark_safe("\n".join(out))  # noqa: S308 — built from escaped text only


def lines(text: str) -> list[str]:
    """Non-empty lines, e.g. of the opening hours."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
