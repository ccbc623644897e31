"""A PDF as a response. The PDFs themselves are drawn directly (spor.lib.drawing): the
statistics (spor.reports.printed), a course's FIT curve (spor.measures.printed) and the
outreach funding report (spor.programmes.printed)."""

from django.http import HttpResponse


def pdf_response(pdf: bytes, filename: str, inline: bool = False) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
