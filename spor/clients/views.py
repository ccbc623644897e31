
from django.contrib import messages
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.debug import sensitive_post_parameters

from spor.accounts.decorators import staff_required
from spor.accounts.models import Service, User
from spor.audit.models import AccessLog, log_access
from spor.clients.access import get_client_for_user, get_consent_for_user, get_relative_for_user
from spor.clients.forms import (
    AnonymousClientForm,
    ConsentForm,
    ConversionForm,
    CprPurposeForm,
    IdentifiedClientForm,
    NewAnonymousContactForm,
    RelativeForm,
    SearchForm,
)
from spor.clients.models import Client
from spor.lib.dates import today
from spor.treatment.models import Course, Session

P = AccessLog.Purpose
CLIENT_ROLES = tuple(User.CLIENT_ROLES)
PERSONAL_FIELDS = ("cpr", "first_name", "last_name", "phone", "email", "address", "name")


def _my_team(user):
    teams = user.teams.order_by("name")
    return (teams.filter(kind="counselling").first() or teams.first()
            or user.service.default_team())


@staff_required(*CLIENT_ROLES)
def search(request):
    form = SearchForm(request.GET)
    results = []
    if form.is_valid() and form.cleaned_data["q"]:
        results = list(Client.objects.visible_to(request.user)
                       .search(form.cleaned_data["q"]).select_related("team")
                       .order_by("pseudonym", "last_name")[:50])
        log_access(request.user, results, gettext_noop("Search results"), P.SEARCH)
    return render(request, "clients/search.html", {"form": form, "results": results})


def _lock_cpr_numbers(service):
    """Lock the service's row, so that "another young person already has this CPR
    number" is checked against every registration, also one made at the same moment."""
    Service.objects.select_for_update().get(pk=service.pk)


@staff_required(*CLIENT_ROLES)
def new_anonymous(request):
    service = request.user.service
    form = NewAnonymousContactForm(request.POST or None, service=service, initial={
        "team": _my_team(request.user), "request_date": today()})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            client = form.save()
            course = form.course
            course.client, course.team, course.clinician = client, client.team, request.user
            course.save()
            log_access(request.user, client, gettext_noop("New anonymous contact"),
                       P.REGISTRATION)
        messages.success(request, _("The anonymous contact is registered."))
        return redirect("client_detail", client=client.pk)
    return render(request, "clients/form.html", {
        "form": form, "title": _("New anonymous contact"),
        "intro": _("Anonymous: no name, no CPR number and no contact details are recorded."),
    })


@sensitive_post_parameters(*PERSONAL_FIELDS)
@staff_required(*CLIENT_ROLES)
def new_identified(request):
    service = request.user.service
    form = IdentifiedClientForm(request.POST or None, service=service,
                                initial={"team": _my_team(request.user)})
    if request.method == "POST":
        with transaction.atomic():
            _lock_cpr_numbers(service)
            if form.is_valid():
                client = form.save()
                log_access(request.user, client, gettext_noop("New young person"),
                           P.REGISTRATION)
    if request.method == "POST" and form.is_valid():
        messages.success(request, _("The young person is registered. Now add a course."))
        return redirect("course_new", client=client.pk)
    return render(request, "clients/form.html", {"form": form, "title": _("New young person")})


@staff_required(*CLIENT_ROLES)
def detail(request, client):
    client = get_client_for_user(request.user, client)
    courses = list(
        client.courses.with_decision_due().select_related("team", "clinician", "fit_state")
        .prefetch_related("goals").order_by("-start_date", "-created_at"))
    prefetch_related_objects([client], "consents__parent", "relatives")
    log_access(request.user, client, gettext_noop("Client page"), P.TREATMENT)
    return render(request, "clients/detail.html", {
        "client": client,
        "courses": courses,
        **Session.objects.filter(course__client=client).timeline(
            request.GET.get("sessions") == "all", family=bool(client.relatives.all())),
        "relatives": client.relatives.all(),
        "consents": client.consents.all(),
        "consent_gaps": client.consent_gaps(),
        "may_see_log": request.user.is_leader,
    })


@sensitive_post_parameters(*PERSONAL_FIELDS)
@staff_required(*CLIENT_ROLES)
def edit(request, client):
    client = get_client_for_user(request.user, client)
    form_class = AnonymousClientForm if client.anonymous else IdentifiedClientForm
    form = form_class(request.POST or None, instance=client, service=client.service)
    if request.method == "POST":
        with transaction.atomic():
            _lock_cpr_numbers(client.service)
            if form.is_valid():
                form.save()
                log_access(request.user, client, gettext_noop("Client edited"),
                           P.REGISTRATION)
    if request.method == "POST" and form.is_valid():
        messages.success(request, _("Saved."))
        return redirect("client_detail", client=client.pk)
    log_access(request.user, client, gettext_noop("Client form"), P.REGISTRATION)
    return render(request, "clients/form.html", {
        "form": form, "client": client, "title": _("Edit %(name)s") % {"name": client}})


@sensitive_post_parameters(*PERSONAL_FIELDS)
@staff_required(*CLIENT_ROLES)
def convert(request, client):
    """Anonymous to identified: explicit, logged, and the whole history is kept."""
    client = get_client_for_user(request.user, client)
    if not client.anonymous:
        messages.info(request, _("This young person is already identified."))
        return redirect("client_detail", client=client.pk)
    form = ConversionForm(request.POST or None, instance=client, service=client.service)
    if request.method == "POST":
        with transaction.atomic():
            # Checked again under a lock: of two conversions at once, one is made and the
            # other sees an identified young person.
            _lock_cpr_numbers(client.service)
            client = Client.objects.select_for_update(of=("self",)).get(pk=client.pk)
            if not client.anonymous:
                messages.info(request, _("This young person is already identified."))
                return redirect("client_detail", client=client.pk)
            form = ConversionForm(request.POST, instance=client, service=client.service)
            if form.is_valid():
                client = form.save(commit=False)
                client.mark_converted(request.user)
                client.save()
                log_access(request.user, client, gettext_noop("Converted from anonymous"),
                           P.CONVERSION)
    if request.method == "POST" and form.is_valid():
        messages.success(request, _("The young person is now identified. Their anonymous "
                                    "sessions are kept in the history."))
        if client.courses.active().filter(kind=Course.Kind.ANONYMOUS).exists():
            messages.info(request, _("Now open the course. The anonymous counselling ends "
                                     "when it starts."))
            return redirect("course_new", client=client.pk)
        return redirect("client_detail", client=client.pk)
    log_access(request.user, client, gettext_noop("Conversion form"), P.CONVERSION)
    return render(request, "clients/form.html", {
        "form": form, "client": client,
        "title": _("Record who %(name)s is") % {"name": client},
        "intro": _("Converting an anonymous young person to an identified one is logged. "
                   "All anonymous sessions stay in the history."),
    })


@staff_required(*CLIENT_ROLES)
def show_cpr(request, client):
    client = get_client_for_user(request.user, client)
    form = CprPurposeForm(request.POST or None)
    cpr = None
    if request.method == "POST" and form.is_valid() and client.has_cpr:
        cpr = client.reveal_cpr()
        log_access(request.user, client, gettext_noop("CPR number shown"),
                   form.cleaned_data["purpose"])
    else:
        log_access(request.user, client, gettext_noop("CPR purpose form"), P.TREATMENT)
    return render(request, "clients/cpr.html", {"client": client, "form": form, "cpr": cpr})


@staff_required(User.Role.LEADER)
def access_log(request, client):
    """One client's access log as CSV, as the young person may request (GDPR art. 15)."""
    client = get_client_for_user(request.user, client)
    log_access(request.user, client, gettext_noop("Access log exported"), P.DATA_REQUEST)
    return AccessLog.export_csv(client, f"access-log-{client.pk}.csv")


def _client_subform(request, client, form_class, instance, what, title):
    form = form_class(request.POST or None, instance=instance, client=client)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            obj = form.save(commit=False)
            if hasattr(obj, "recorded_by_id") and obj.recorded_by_id is None:
                obj.recorded_by = request.user
            obj.save()
            log_access(request.user, client, what, P.REGISTRATION)
        messages.success(request, _("Saved."))
        return redirect("client_detail", client=client.pk)
    log_access(request.user, client, what, P.REGISTRATION)
    return render(request, "clients/form.html", {"form": form, "client": client,
                                                 "title": title})


@sensitive_post_parameters(*PERSONAL_FIELDS)
@staff_required(*CLIENT_ROLES)
def relative_new(request, client):
    client = get_client_for_user(request.user, client)
    return _client_subform(request, client, RelativeForm, None,
                           gettext_noop("Family and network form"), _("Add family or network"))


@sensitive_post_parameters(*PERSONAL_FIELDS)
@staff_required(*CLIENT_ROLES)
def relative_edit(request, relative):
    relative = get_relative_for_user(request.user, relative)
    return _client_subform(request, relative.client, RelativeForm, relative,
                           gettext_noop("Family and network form"), _("Edit family or network"))


@staff_required(*CLIENT_ROLES)
def consent_new(request, client):
    client = get_client_for_user(request.user, client)
    return _client_subform(request, client, ConsentForm, None,
                           gettext_noop("Consent form"), _("Record consent"))


@staff_required(*CLIENT_ROLES)
def consent_edit(request, consent):
    consent = get_consent_for_user(request.user, consent)
    return _client_subform(request, consent.client, ConsentForm, consent,
                           gettext_noop("Consent form"), _("Edit consent"))
