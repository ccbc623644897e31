"""Every PDF of Spor: a template rendered through WeasyPrint."""

from django.http import HttpResponse
from django.template.loader import render_to_string


def render_pdf(template: str, context: dict, request=None) -> bytes:
    """The template as PDF bytes. With a request, links and images resolve against the
    site; without (the report command), the template embeds what it shows."""
    html = render_to_string(template, context, request=request)
    return pdf_of(html, request.build_absolute_uri("/") if request is not None else None)


def pdf_of(html: str, base_url=None) -> bytes:
    """HTML as PDF bytes."""
    from weasyprint import HTML  # imported here: slow to load and rarely needed

    return HTML(string=html, base_url=base_url).write_pdf()


def pdf_response(pdf: bytes, filename: str, inline: bool = False) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
