from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from spor.accounts.decorators import staff_required
from spor.accounts.models import User
from spor.reports import kept
from spor.reports import render as output
from spor.reports.forms import NationalFigureForm, ReportForm
from spor.reports.models import NationalFigure

STATISTICS_ROLES = (User.Role.ANALYST, User.Role.LEADER)
TYPES = {
    "json": ("application/json", "json"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "pdf": ("application/pdf", "pdf"),
    "html": ("text/html; charset=utf-8", "html"),
}


@staff_required(*STATISTICS_ROLES)
def statistics(request):
    """The yearly statistics of the user's service: numbers only, never a name."""
    service = request.user.service
    form = ReportForm(request.GET, service)
    ctx = {"form": form, "formats": list(TYPES)}
    if form.is_valid():
        data = form.cleaned_data
        built = kept.report(service, data["year"], data["team"], data["start"], data["end"],
                            data["compare"])
        doc, compare = built.doc, built.compare
        wanted = request.GET.get("format")
        if wanted in TYPES:
            response = _download(doc, compare, service.name, wanted)
            token = request.GET.get("download", "")
            if token.isdigit() and len(token) <= 32:
                # Tells the page's script that the file has come (statistics.js).
                response.set_cookie("spor_download", token, max_age=120, samesite="Strict",
                                    secure=request.is_secure())
            return response
        ctx.update(doc=doc, period=output.period_label(doc["period"]),
                   report=output.on_page(doc, service.name, compare))
        ctx["built"] = built
        ctx["query"] = request.GET.urlencode()
    return render(request, "reports/statistics.html", ctx)


def _download(doc, compare, name, wanted):
    body = output.as_format(doc, wanted, name, compare)
    content_type, extension = TYPES[wanted]
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="statistik-{doc["year"]}.{extension}"')
    return response


@staff_required(User.Role.LEADER)
def national_figures(request):
    service = request.user.service
    form = NationalFigureForm(request.POST or None, service=service)
    if request.method == "POST" and form.is_valid():
        figure = form.save(commit=False)
        figure.entered_by = request.user
        NationalFigure.objects.filter(service=service, year=figure.year).delete()
        figure.save()
        messages.success(request, _("Saved."))
        return redirect("national_figures")
    return render(request, "reports/national.html", {
        "form": form, "figures": NationalFigure.objects.filter(service=service)
        .order_by("-year")})
