"""The course's FIT PDF and the outreach funding PDF: a template rendered through
WeasyPrint. (The statistics PDF is drawn directly: spor.reports.printed.)"""

import functools
import gc
import re
from pathlib import Path

from django.http import HttpResponse
from django.template.loader import render_to_string


def render_pdf(template: str, context: dict, request=None) -> bytes:
    """The template as PDF bytes. With a request, links and images resolve against the
    site; without (the report command), the template embeds what it shows."""
    html = render_to_string(template, context, request=request)
    return pdf_of(html, request.build_absolute_uri("/") if request is not None else None)


def _ua_path() -> Path:
    import weasyprint

    return Path(weasyprint.__file__).parent / "css" / "html5_ua.css"


def user_agent_css() -> str:
    text = _ua_path().read_text(encoding="utf-8")
    lean = re.sub(r"^::(footnote|note)-[a-z]+ \{[^}]*\}$", "", text, flags=re.M)
    return re.sub(r"^::marker \{", "li::marker {", lean, flags=re.M)


@functools.cache
def _html_class():
    """WeasyPrint's HTML with its own user-agent stylesheet, less the rules that give every
    element of the page a style of its own for a marker, a footnote and a note (`::marker`,
    `::footnote-call` and the like, with no element named): working those out for every
    table cell was most of the time spent on styles. Spor's documents have no footnotes
    or notes, and only list items have markers, so the rule for markers is kept for them."""
    from weasyprint import CSS, HTML

    stylesheet = CSS(string=user_agent_css(), base_url=_ua_path().as_uri())

    class Document(HTML):
        def _ua_stylesheets(self, forms=False):
            return [stylesheet, *super()._ua_stylesheets(forms)[1:]]

    return Document


def pdf_of(html: str, base_url=None) -> bytes:
    """HTML as PDF bytes.

    Laying out makes hundreds of thousands of objects, and each time the collector of
    reference cycles came to its oldest generation it went through every object of the
    process (a web process holds a few hundred thousand): a third of the time of the
    statistics PDF. The collector waits while the document is laid out; then the youngest
    generation, where everything the layout made still is, is collected once."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _html_class()(string=html, base_url=base_url).write_pdf()
    finally:
        if collecting:
            gc.enable()
        gc.collect(0)


def pdf_response(pdf: bytes, filename: str, inline: bool = False) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
