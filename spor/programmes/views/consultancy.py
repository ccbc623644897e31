import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from spor.accounts.decorators import staff_required
from spor.lib.dates import today
from spor.programmes.access import get_activity_for_user, get_conference_for_user
from spor.programmes.figures import consultancy_year
from spor.programmes.forms import CaseConferenceForm, CaseFormSet, ConsultancyActivityForm
from spor.programmes.models import CaseConference, ConsultancyActivity
from spor.programmes.views.base import CLIENT_ROLES, PAGE_SIZE, year_param

MONTHS = range(1, 13)


@staff_required(*CLIENT_ROLES)
def overview(request):
    """A year of consultancy and of the network group's monthly case conferences."""
    user = request.user
    year = year_param(request, today().year)
    conferences = list(CaseConference.objects.visible_to(user).filter(date__year=year)
                       .annotate(n_cases=Count("cases")).order_by("date"))
    held = {c.date.month for c in conferences}
    figures = consultancy_year(user.service, year)
    return render(request, "programmes/consultancy.html", {
        "year": year, "years": range(today().year, today().year - 6, -1),
        "page": Paginator(ConsultancyActivity.objects.visible_to(user).filter(date__year=year),
                          PAGE_SIZE).get_page(request.GET.get("page")),
        "conferences": conferences, "figures": figures,
        "kinds": [(label, figures["by_kind"][kind])
                  for kind, label in ConsultancyActivity.Kind.choices],
        "months": [(datetime.date(year, m, 1), m in held) for m in MONTHS],
        "past_month": today().month if year == today().year else 12})


def _partners(user):
    return (ConsultancyActivity.objects.visible_to(user).values_list("partner", flat=True)
            .distinct().order_by("partner")[:200])


def _activity_form(request, activity):
    user = request.user
    form = ConsultancyActivityForm(request.POST or None, instance=activity,
                                   service=user.service,
                                   initial=None if activity else {"date": today(),
                                                                  "staff": [user]})
    if request.method == "POST" and request.POST.get("action") == "delete" and activity:
        activity.delete()
        messages.success(request, _("Deleted."))
        return redirect("consultancy")
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, _("Saved."))
        return redirect("consultancy")
    return render(request, "programmes/form.html", {
        "form": form, "deletable": activity is not None, "datalist": ("partners",
                                                                     _partners(user)),
        "title": _("Consultancy activity"),
        "intro": _("For partner organisations: supervision, courses, staff days and case "
                   "sparring. Write no names of young people or families."),
        "back": reverse("consultancy")})


@staff_required(*CLIENT_ROLES)
def activity_new(request):
    return _activity_form(request, None)


@staff_required(*CLIENT_ROLES)
def activity_edit(request, activity):
    return _activity_form(request, get_activity_for_user(request.user, activity))


def _conference_form(request, conference):
    user = request.user
    conference = conference or CaseConference(service=user.service)
    form = CaseConferenceForm(request.POST or None, instance=conference, service=user.service,
                              initial={"date": today()} if conference._state.adding else None)
    cases = CaseFormSet(request.POST or None, instance=conference)
    if request.method == "POST" and request.POST.get("action") == "delete" \
            and not conference._state.adding:
        conference.delete()
        messages.success(request, _("Deleted."))
        return redirect("consultancy")
    if request.method == "POST" and form.is_valid() and cases.is_valid():
        with transaction.atomic():
            conference = form.save()
            cases.instance = conference
            cases.save()
        messages.success(request, _("Saved."))
        return redirect("consultancy")
    units = (CaseConference.objects.visible_to(user).values_list("units_present", flat=True)
             .distinct().order_by("units_present")[:20])
    return render(request, "programmes/conference_form.html", {
        "form": form, "cases": cases, "units": units,
        "conference": None if conference._state.adding else conference})


@staff_required(*CLIENT_ROLES)
def conference_new(request):
    return _conference_form(request, None)


@staff_required(*CLIENT_ROLES)
def conference_edit(request, conference):
    return _conference_form(request, get_conference_for_user(request.user, conference))
