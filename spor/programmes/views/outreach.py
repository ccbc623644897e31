import csv
import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from spor.accounts.decorators import staff_required
from spor.lib.dates import today
from spor.lib.pdf import pdf_response
from spor.programmes.access import (
    get_contact_for_user,
    get_funding_for_user,
    get_volunteer_for_user,
)
from spor.programmes.figures import funding_report, outreach_totals
from spor.programmes.forms import (
    FundingSourceForm,
    GrantFormSet,
    OutreachContactForm,
    PeriodForm,
    VolunteerForm,
)
from spor.programmes.models import FundingSource, OutreachContact, Volunteer
from spor.programmes.printed import funding_pdf
from spor.programmes.views.base import CLIENT_ROLES, OUTREACH, PAGE_SIZE, require, year_param


@staff_required(*CLIENT_ROLES)
def contact_list(request):
    user = request.user
    require(user, OUTREACH)
    year = year_param(request, today().year)
    contacts = OutreachContact.objects.visible_to(user).filter(date__year=year)
    page = Paginator(contacts.prefetch_related("staff", "volunteers", "funding"),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "programmes/outreach.html", {
        "year": year, "years": range(today().year, today().year - 6, -1), "page": page,
        "totals": outreach_totals(contacts), "places": OutreachContact.Place.choices})


def _contact_form(request, contact):
    user = request.user
    require(user, OUTREACH)
    form = OutreachContactForm(request.POST or None, instance=contact, service=user.service,
                               initial=None if contact else {"date": today(), "staff": [user]})
    if request.method == "POST" and request.POST.get("action") == "delete" and contact:
        contact.delete()
        messages.success(request, _("Deleted."))
        return redirect("outreach")
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, _("Saved."))
        return redirect("outreach")
    return render(request, "programmes/form.html", {
        "form": form, "deletable": contact is not None,
        "title": _("Outreach contact") if contact else _("New outreach contact"),
        "intro": _("Numbers only: write no names of young people or families anywhere."),
        "back": reverse("outreach")})


@staff_required(*CLIENT_ROLES)
def contact_new(request):
    return _contact_form(request, None)


@staff_required(*CLIENT_ROLES)
def contact_edit(request, contact):
    return _contact_form(request, get_contact_for_user(request.user, contact))


@staff_required(*CLIENT_ROLES)
def volunteer_list(request):
    user = request.user
    require(user, OUTREACH)
    form = VolunteerForm(request.POST or None, service=user.service)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("outreach_volunteers")
    return render(request, "programmes/volunteers.html", {
        "form": form, "volunteers": Volunteer.objects.visible_to(user)})


@staff_required(*CLIENT_ROLES)
def volunteer_edit(request, volunteer):
    user = request.user
    volunteer = get_volunteer_for_user(user, volunteer)
    form = VolunteerForm(request.POST or None, instance=volunteer, service=user.service)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("outreach_volunteers")
    return render(request, "programmes/form.html", {
        "form": form, "title": _("Volunteer"), "back": reverse("outreach_volunteers")})


@staff_required(*CLIENT_ROLES)
def funding_list(request):
    user = request.user
    require(user, OUTREACH)
    return render(request, "programmes/funding_list.html", {
        "sources": FundingSource.objects.visible_to(user).prefetch_related("grants")})


def _funding_form(request, source):
    user = request.user
    require(user, OUTREACH)
    source = source or FundingSource(service=user.service)
    form = FundingSourceForm(request.POST or None, instance=source, service=user.service)
    grants = GrantFormSet(request.POST or None, instance=source)
    if request.method == "POST" and form.is_valid() and grants.is_valid():
        with transaction.atomic():
            source = form.save()
            grants.instance = source
            grants.save()
        messages.success(request, _("Saved."))
        return redirect("outreach_funding")
    return render(request, "programmes/funding_form.html", {
        "form": form, "grants": grants, "source": None if source._state.adding else source})


@staff_required(*CLIENT_ROLES)
def funding_new(request):
    return _funding_form(request, None)


@staff_required(*CLIENT_ROLES)
def funding_edit(request, funding):
    return _funding_form(request, get_funding_for_user(request.user, funding))


def _default_period(source):
    """The grant period that covers today, else the latest one, else this year."""
    day = today()
    grants = list(source.grants.all())
    current = [g for g in grants if g.starts <= day <= g.ends]
    chosen = current[0] if current else (grants[-1] if grants else None)
    if chosen:
        return chosen.starts, chosen.ends
    return datetime.date(day.year, 1, 1), day


@staff_required(*CLIENT_ROLES)
def funding_report_view(request, funding):
    """Activity a funding source paid for in a period: a page, a CSV file and a PDF."""
    source = get_funding_for_user(request.user, funding)
    start, end = _default_period(source)
    form = PeriodForm(request.GET if "start" in request.GET else None,
                      initial={"start": start, "end": end})
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    report = funding_report(source, start, end)
    rows = [(label, report["totals"]["by_place"][kind])
            for kind, label in OutreachContact.Place.choices]
    ctx = {"form": form, "report": report, "rows": rows, "source": source,
           "service": request.user.service, "made": today()}
    name = f"outreach-{start:%Y%m%d}-{end:%Y%m%d}"
    wanted = request.GET.get("format")
    if wanted == "csv" and not form.errors:
        return _report_csv(report, rows, name)
    if wanted == "pdf" and not form.errors:
        pdf = funding_pdf(ctx)
        return pdf_response(pdf, f"{name}.pdf")
    return render(request, "programmes/funding_report.html", ctx)


def _report_csv(report, rows, name):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    source = report["source"]
    writer.writerow([_("Funding source"), source.name])
    writer.writerow([_("Grant giver"), source.giver])
    writer.writerow([_("Case or journal number"), source.reference])
    writer.writerow([_("Period"), report["start"].isoformat(), report["end"].isoformat()])
    for grant in report["grants"]:
        writer.writerow([_("Grant"), grant.starts.isoformat(), grant.ends.isoformat(),
                         f"{grant.amount:.2f}"])
    writer.writerow([])
    columns = ["contacts", "young_people", "families", "referrals_service", "referrals_other",
               "hours"]
    writer.writerow([_("Kind of place"), _("Contacts"), _("Young people reached"),
                     _("Families reached"), _("Referred to the service"),
                     _("Referred to other municipal help"), _("Hours")])
    for label, row in rows:
        writer.writerow([label, *[row[c] for c in columns]])
    totals = report["totals"]
    writer.writerow([_("Total"), *[totals[c] for c in columns]])
    writer.writerow([])
    writer.writerow([_("Staff turns"), totals["staff_turns"]])
    writer.writerow([_("Volunteer turns"), totals["volunteer_turns"]])
    return response
