import datetime

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from spor.accounts.decorators import staff_required
from spor.accounts.models import Service, works_in
from spor.audit.models import log_access
from spor.lib.dates import today
from spor.programmes.access import get_enrolment_for_user, get_exam_for_user, get_slot_for_user
from spor.programmes.forms import (
    EnrolmentForm,
    ExamForm,
    TimetableSlotForm,
    WeekForm,
    week_of,
    week_rows,
)
from spor.programmes.models import (
    DayTeamAttendance,
    DayTeamEnrolment,
    TeachingWeek,
    TimetableSlot,
)
from spor.programmes.views.base import CLIENT_ROLES, DAY_TEAM, P, require

Status = DayTeamAttendance.Status
RECENT_DAYS = 28


@staff_required(*CLIENT_ROLES)
def home(request):
    """Places in use, who has them, and how the last four weeks went."""
    user, day = request.user, today()
    service = user.service
    since = day - datetime.timedelta(days=RECENT_DAYS)
    recent = Q(attendance__date__gte=since)
    visible = (DayTeamEnrolment.objects.visible_to(user).select_related("client")
               .order_by("client__first_name", "client__last_name"))
    active = list(visible.active_on(day).annotate(
        recent_present=Count("attendance", filter=recent & Q(attendance__status=Status.PRESENT)),
        recent_registered=Count("attendance", filter=recent)))
    upcoming = list(visible.filter(start_date__gt=day))
    ended = list(visible.filter(end_date__lt=day, end_date__gte=day - datetime.timedelta(
        days=365)).order_by("-end_date"))
    log_access(user, {e.client for e in active + upcoming + ended},
               gettext_noop("Day team overview"), P.CASELOAD)
    return render(request, "programmes/day_team.html", {
        "active": active, "upcoming": upcoming, "ended": ended, "recent_days": RECENT_DAYS,
        "capacity": service.day_team_capacity,
        "taken": DayTeamEnrolment.objects.of_service(service).active_on(day).count(),
        "may_edit": works_in(user, DAY_TEAM)})


def _save_enrolment(request, form):
    """Validate and save under a lock on the service, so that two people cannot give away
    the last place at the same moment. Returns the enrolment, or None if invalid."""
    with transaction.atomic():
        Service.objects.select_for_update().get(pk=request.user.service_id)
        if not form.is_valid():
            return None
        enrolment = form.save()
        log_access(request.user, enrolment.client, gettext_noop("Day team place"),
                   P.REGISTRATION)
        return enrolment


@staff_required(*CLIENT_ROLES)
def enrolment_new(request):
    user = request.user
    require(user, DAY_TEAM)
    form = EnrolmentForm(request.POST or None, user=user, initial={"start_date": today()})
    if request.method == "POST":
        enrolment = _save_enrolment(request, form)
        if enrolment:
            messages.success(request, _("%(name)s has a place in the day team.") % {
                "name": enrolment.client.display_name})
            return redirect("day_team_enrolment", enrolment=enrolment.pk)
    # The choice lists the day team's own young people by name.
    log_access(user, form.fields["client"].queryset, gettext_noop("Day team place form"),
               P.REGISTRATION)
    return render(request, "programmes/form.html", {
        "form": form, "title": _("Give a place in the day team"),
        "intro": _("The day team has %(n)s places.") % {"n": user.service.day_team_capacity},
        "back": reverse("day_team")})


@staff_required(*CLIENT_ROLES)
def enrolment_detail(request, enrolment):
    user = request.user
    enrolment = get_enrolment_for_user(user, enrolment)
    months = {}
    for row in (enrolment.attendance.annotate(month=TruncMonth("date"))
                .values("month", "status").annotate(n=Count("pk")).order_by("month")):
        months.setdefault(row["month"], dict.fromkeys(Status.values, 0))[row["status"]] = row["n"]
    log_access(user, enrolment.client, gettext_noop("Day team place"), P.TREATMENT)
    return render(request, "programmes/enrolment.html", {
        "enrolment": enrolment, "client": enrolment.client,
        "months": [(month, [counts[s] for s in Status.values])
                   for month, counts in sorted(months.items(), reverse=True)],
        "exams": enrolment.exams.all(),
        "statuses": Status.choices, "may_edit": works_in(user, DAY_TEAM)})


@staff_required(*CLIENT_ROLES)
def enrolment_edit(request, enrolment):
    user = request.user
    enrolment = get_enrolment_for_user(user, enrolment)
    require(user, DAY_TEAM)
    form = EnrolmentForm(request.POST or None, instance=enrolment, user=user)
    if request.method == "POST" and request.POST.get("action") == "delete":
        with transaction.atomic():
            log_access(user, enrolment.client, gettext_noop("Day team place deleted"),
                       P.REGISTRATION)
            enrolment.delete()  # a place given by mistake, with its attendance and exams
        messages.success(request, _("Deleted."))
        return redirect("day_team")
    if request.method == "POST" and _save_enrolment(request, form):
        messages.success(request, _("Saved."))
        return redirect("day_team_enrolment", enrolment=enrolment.pk)
    log_access(user, enrolment.client, gettext_noop("Day team place form"), P.REGISTRATION)
    return render(request, "programmes/form.html", {
        "form": form, "deletable": True, "title": _("Day team place of %(name)s") % {
            "name": enrolment.client.display_name},
        "back": reverse("day_team_enrolment", args=[enrolment.pk])})


def _exam_form(request, enrolment, exam):
    user = request.user
    require(user, DAY_TEAM)
    form = ExamForm(request.POST or None, instance=exam, enrolment=enrolment)
    if request.method == "POST" and request.POST.get("action") == "delete" and exam:
        with transaction.atomic():
            exam.delete()
            log_access(user, enrolment.client, gettext_noop("Exam deleted"), P.REGISTRATION)
        messages.success(request, _("Deleted."))
        return redirect("day_team_enrolment", enrolment=enrolment.pk)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            log_access(user, enrolment.client, gettext_noop("Exam form"), P.REGISTRATION)
        messages.success(request, _("Saved."))
        return redirect("day_team_enrolment", enrolment=enrolment.pk)
    log_access(user, enrolment.client, gettext_noop("Exam form"), P.REGISTRATION)
    return render(request, "programmes/form.html", {
        "form": form, "deletable": exam is not None,
        "title": _("Subject and exam of %(name)s") % {"name": enrolment.client.display_name},
        "back": reverse("day_team_enrolment", args=[enrolment.pk])})


@staff_required(*CLIENT_ROLES)
def exam_new(request, enrolment):
    enrolment = get_enrolment_for_user(request.user, enrolment)
    return _exam_form(request, enrolment, None)


@staff_required(*CLIENT_ROLES)
def exam_edit(request, exam):
    exam = get_exam_for_user(request.user, exam)
    return _exam_form(request, exam.enrolment, exam)


WEEKDAYS = [gettext_lazy("Monday"), gettext_lazy("Tuesday"), gettext_lazy("Wednesday"),
            gettext_lazy("Thursday"), gettext_lazy("Friday")]


@staff_required(*CLIENT_ROLES)
def week(request):
    """One week of the day team: attendance per young person and day, teaching hours."""
    user = request.user
    service = user.service
    monday = week_of(request.GET.get("week"))
    days = [(label, monday + datetime.timedelta(days=i)) for i, label in enumerate(WEEKDAYS)]
    enrolments = list(DayTeamEnrolment.objects.visible_to(user)
                      .overlapping(monday, days[-1][1]).select_related("client")
                      .order_by("client__first_name", "client__last_name"))
    teaching = TeachingWeek.objects.filter(service=service, monday=monday).first()
    may_edit = works_in(user, DAY_TEAM)
    rows = week_rows(enrolments, days, may_edit)
    form = WeekForm(request.POST if request.method == "POST" and may_edit else None,
                    rows=rows, teaching=teaching)
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            form.save(service, monday)
            log_access(user, [e.client for e in enrolments], gettext_noop("Day team week"),
                       P.REGISTRATION)
        messages.success(request, _("The week is saved."))
        return redirect(f"{reverse('day_team_week')}?week={monday.isoformat()}")
    log_access(user, [e.client for e in enrolments], gettext_noop("Day team week"),
               P.REGISTRATION)
    for row in rows:
        for cell in row["cells"]:
            cell.field = form[cell.name] if cell.open else None
    return render(request, "programmes/week.html", {
        "form": form, "rows": rows, "days": days,
        "monday": monday, "previous": monday - datetime.timedelta(days=7),
        "next": monday + datetime.timedelta(days=7), "this_week": week_of(None),
        "week_number": monday.isocalendar()[1], "may_edit": may_edit,
        "planned_hours": TimetableSlot.planned_teaching_hours(service)})


@staff_required(*CLIENT_ROLES)
def timetable(request):
    service = request.user.service
    TimetableSlot.ensure_default(service)  # the annual report's timetable, written on first sight
    slots = list(TimetableSlot.objects.filter(service=service))
    days = [(label, [s for s in slots if s.weekday == number])
            for number, label in TimetableSlot.WEEKDAYS]
    teaching = sum((s.hours for s in slots if s.activity == TimetableSlot.Activity.TEACHING),
                   start=0)
    return render(request, "programmes/timetable.html", {
        "days": days, "teaching_hours": teaching, "may_edit": works_in(request.user, DAY_TEAM)})


def _slot_form(request, slot):
    user = request.user
    require(user, DAY_TEAM)
    form = TimetableSlotForm(request.POST or None, instance=slot, service=user.service)
    if request.method == "POST" and request.POST.get("action") == "delete" and slot:
        slot.delete()
        messages.success(request, _("Deleted."))
        return redirect("day_team_timetable")
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("day_team_timetable")
    return render(request, "programmes/form.html", {
        "form": form, "deletable": slot is not None, "title": _("Timetable"),
        "back": reverse("day_team_timetable")})


@staff_required(*CLIENT_ROLES)
def slot_new(request):
    return _slot_form(request, None)


@staff_required(*CLIENT_ROLES)
def slot_edit(request, slot):
    return _slot_form(request, get_slot_for_user(request.user, slot))
