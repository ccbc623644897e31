import datetime

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.debug import sensitive_post_parameters

from spor.accounts.decorators import not_post, staff_required
from spor.accounts.models import User
from spor.audit.models import log_access
from spor.clients.models import Client
from spor.lib.dates import add_months, today
from spor.measures.instruments import Choice
from spor.programmes.access import (
    get_parent_course_for_user,
    get_participant_for_user,
    get_survey_for_user,
)
from spor.programmes.forms import (
    SURVEY_NOT_ANSWERED,
    AttendanceForm,
    EveningFormSet,
    ParentCourseForm,
    ParticipantForm,
    survey_form_class,
)
from spor.programmes.models import (
    ParentAttendance,
    ParentCourse,
    ParentFollowup,
    ParticipantAccessLog,
    log_participant_access,
)
from spor.programmes.models.common import teams_of_kind
from spor.programmes.survey import PARENT_FOLLOWUP
from spor.programmes.views.base import CLIENT_ROLES, PARENTS, P, require

PERSONAL_FIELDS = ("name", "phone", "email", "find_young_person")
# The due list also shows what falls due soon, so that links can be handed out in time.
SOON_DAYS = 30
# Surveys open longer than this are only counted on the due list; it lists at most so many
# of each kind (and logs as many participants).
STALE_MONTHS = 6
LIST_LIMIT = 75


def _visible_young_people(user, participants):
    """The linked young people this user may see, by id: one query."""
    ids = {p.young_person_id for p in participants if p.young_person_id}
    if not ids:
        return {}
    return {c.pk: c for c in Client.objects.visible_to(user).filter(pk__in=ids)}


def _log_people(user, participants, young_people, what, purpose):
    log_participant_access(user, participants, what, purpose)
    log_access(user, young_people, what, purpose)


@staff_required(*CLIENT_ROLES)
def course_list(request):
    user = request.user
    require(user, PARENTS)
    day = today()
    courses = list(ParentCourse.objects.visible_to(user).with_counts()
                   .select_related("team").order_by("-start_date"))
    return render(request, "programmes/parent_courses.html", {
        "current": [c for c in courses if c.end_date is None or c.end_date >= day],
        "earlier": [c for c in courses if c.end_date is not None and c.end_date < day],
        "surveys_due": ParentFollowup.objects.visible_to(user).due(day).count(),
        "may_add": teams_of_kind(user, PARENTS).exists(),
    })


@staff_required(*CLIENT_ROLES)
def course_new(request):
    user = request.user
    require(user, PARENTS)
    teams = teams_of_kind(user, PARENTS)
    if not teams.exists():
        messages.error(request, _("There is no team for parent courses yet. An administrator "
                                  "creates one (kind \"Parents\") on the staff page."))
        return redirect("parent_courses")
    form = ParentCourseForm(request.POST or None, user=user,
                            initial={"team": teams.first(), "staff": [user]})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            course = form.save()
            course.plan_evenings()
        messages.success(request, _("The course is created with %(n)s evenings. Check the "
                                    "dates.") % {"n": course.evenings.count()})
        return redirect("parent_course", parent_course=course.pk)
    return render(request, "programmes/form.html", {
        "form": form, "title": _("New parent course"), "back": reverse("parent_courses")})


@staff_required(*CLIENT_ROLES)
def course_detail(request, parent_course):
    user = request.user
    course = get_parent_course_for_user(user, parent_course)
    evenings = list(course.evenings.all())
    participants = list(course.participants.with_attendance().prefetch_related(
        Prefetch("followups", queryset=ParentFollowup.objects.order_by("-when"))))
    present = set(ParentAttendance.objects.filter(evening__course=course)
                  .values_list("participant_id", "evening_id"))
    young_people = _visible_young_people(user, participants)
    day = today()
    rows = [{"participant": p, "young_person": young_people.get(p.young_person_id),
             "cells": [(e, (p.pk, e.pk) in present) for e in evenings]}
            for p in participants]
    _log_people(user, participants, young_people.values(),
                gettext_noop("Parent course page"), P.TREATMENT)
    return render(request, "programmes/parent_course.html", {
        "course": course, "evenings": evenings, "rows": rows, "today": day,
        "staff": course.staff.all(), "has_evenings": bool(evenings),
        "due_3m": course.survey_due("3m"), "due_1y": course.survey_due("1y"),
    })


@staff_required(*CLIENT_ROLES)
def course_edit(request, parent_course):
    course = get_parent_course_for_user(request.user, parent_course)
    form = ParentCourseForm(request.POST or None, instance=course, user=request.user)
    empty = not course.participants.exists()
    if request.method == "POST" and request.POST.get("action") == "delete" and empty:
        course.delete()
        messages.success(request, _("Deleted."))
        return redirect("parent_courses")
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            course = form.save()
            course.update_survey_due_dates()
        messages.success(request, _("Saved."))
        return redirect("parent_course", parent_course=course.pk)
    return render(request, "programmes/form.html", {
        "form": form, "title": _("Edit %(course)s") % {"course": course},
        "deletable": empty,
        "back": reverse("parent_course", args=[course.pk])})


@staff_required(*CLIENT_ROLES)
def course_evenings(request, parent_course):
    """The evenings' dates. The course's first and last evening, and with them the
    follow-up surveys' due dates, follow."""
    course = get_parent_course_for_user(request.user, parent_course)
    formset = EveningFormSet(request.POST or None, queryset=course.evenings.all())
    if request.method == "POST" and formset.is_valid():
        with transaction.atomic():
            evenings = formset.save(commit=False)
            for evening in evenings:
                evening.course = course
                evening.save()
            for evening in formset.deleted_objects:
                evening.delete()
            course.sync_from_evenings()
        messages.success(request, _("Saved. The follow-up surveys count from the last "
                                    "evening."))
        return redirect("parent_course", parent_course=course.pk)
    return render(request, "programmes/evenings.html", {"course": course, "formset": formset})


@staff_required(*CLIENT_ROLES)
def course_attendance(request, parent_course):
    """Who came on which evening: the whole grid is saved at once."""
    user = request.user
    course = get_parent_course_for_user(user, parent_course)
    if (refused := not_post(request)) is not None:
        return refused
    form = AttendanceForm(request.POST, course=course)
    form.is_valid()  # ticked or not: every cell is valid
    with transaction.atomic():
        form.save()
        log_participant_access(user, course.participants.all(), gettext_noop("Attendance"),
                               P.REGISTRATION)
    messages.success(request, _("Attendance is saved."))
    return redirect("parent_course", parent_course=course.pk)


def _participant_form(request, course, participant):
    user = request.user
    form = ParticipantForm(request.POST or None, instance=participant, course=course,
                           user=user)
    if request.method == "POST" and request.POST.get("action") == "delete" and participant:
        with transaction.atomic():
            log_participant_access(user, participant, gettext_noop("Participant deleted"),
                                   P.REGISTRATION)
            participant.delete()  # with attendance and surveys; the access log stays
        messages.success(request, _("Deleted."))
        return redirect("parent_course", parent_course=course.pk)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            participant = form.save()
            linked = [c for c in [form.linked, getattr(form, "found", None)] if c]
            _log_people(user, [participant], linked, gettext_noop("Participant form"),
                        P.REGISTRATION)
        messages.success(request, _("Saved."))
        return redirect("parent_course", parent_course=course.pk)
    if participant is not None:
        _log_people(user, [participant], [form.linked] if form.linked else [],
                    gettext_noop("Participant form"), P.REGISTRATION)
    return render(request, "programmes/participant_form.html", {
        "form": form, "course": course, "participant": participant,
        "young_person": form.linked, "may_see_log": user.is_leader,
        "title": _("Edit participant") if participant else _("Add participant")})


@sensitive_post_parameters(*PERSONAL_FIELDS)
@staff_required(*CLIENT_ROLES)
def participant_new(request, parent_course):
    course = get_parent_course_for_user(request.user, parent_course)
    return _participant_form(request, course, None)


@sensitive_post_parameters(*PERSONAL_FIELDS)
@staff_required(*CLIENT_ROLES)
def participant_edit(request, participant):
    participant = get_participant_for_user(request.user, participant)
    return _participant_form(request, participant.course, participant)


@staff_required(User.Role.LEADER)
def participant_access_log(request, participant):
    """One participant's access log as CSV, as they may request (GDPR art. 15)."""
    participant = get_participant_for_user(request.user, participant)
    log_participant_access(request.user, participant, gettext_noop("Access log exported"),
                           P.DATA_REQUEST)
    return ParticipantAccessLog.export_csv(
        participant, f"access-log-participant-{participant.pk}.csv")


@staff_required(*CLIENT_ROLES)
def survey_list(request):
    """Follow-up surveys that are due (the latest first), and those falling due within a
    month. Surveys left open for half a year are only counted, with a button to close
    them: they count as not answered either way."""
    user = request.user
    require(user, PARENTS)
    day = today()
    open_ = ParentFollowup.objects.visible_to(user).open()
    stale = open_.filter(due_date__lt=add_months(day, -STALE_MONTHS))
    if request.method == "POST" and request.POST.get("action") == "close_stale":
        closed = stale.close()
        messages.success(request, _("%(n)s surveys are closed without an answer.") % {
            "n": closed})
        return redirect("parent_surveys")
    listed = open_.select_related("participant__course")
    due = list(listed.filter(due_date__gte=add_months(day, -STALE_MONTHS), due_date__lte=day)
               .order_by("-due_date", "when")[:LIST_LIMIT])
    soon = list(listed.filter(due_date__gt=day,
                              due_date__lte=day + datetime.timedelta(days=SOON_DAYS))
                .order_by("due_date", "when")[:LIST_LIMIT])
    log_participant_access(user, [s.participant for s in due + soon],
                           gettext_noop("Follow-up surveys due"), P.CASELOAD)
    return render(request, "programmes/surveys.html", {
        "due": due, "soon": soon, "today": day, "soon_days": SOON_DAYS,
        "stale": stale.count(), "stale_months": STALE_MONTHS, "limit": LIST_LIMIT})


def answer_rows(answers: dict) -> list[tuple[str, str]]:
    """Each question with the answer's wording; an empty answer reads "not answered"."""
    rows = []
    for item in PARENT_FOLLOWUP.items:
        value = answers.get(item.code)
        if isinstance(item, Choice):
            label = dict(item.options).get(value)
            rows.append((str(item.label), str(label) if label else str(SURVEY_NOT_ANSWERED)))
        else:
            rows.append((str(item.label), value or "–"))
    return rows


@staff_required(*CLIENT_ROLES)
def survey_detail(request, survey):
    """One survey: hand out a single-use link, enter the answers, or close it."""
    user = request.user
    survey = get_survey_for_user(user, survey)
    participant = survey.participant
    form_class = survey_form_class(staff=True)
    link = None
    action = request.POST.get("action")
    if request.method == "POST" and action == "link" and not survey.is_answered:
        token = survey.new_link()
        survey.save()
        link = request.build_absolute_uri(reverse("parent_survey", args=[token]))
        messages.success(request, _("A new link is made. Any earlier link no longer works."))
    elif request.method == "POST" and action == "close" and survey.is_open:
        survey.close()
        messages.success(request, _("The survey is closed without an answer. It counts as "
                                    "not answered."))
        return redirect("parent_surveys")
    elif request.method == "POST" and action == "reopen" and survey.closed_at:
        survey.reopen()
        return redirect("parent_survey_detail", survey=survey.pk)
    initial = {"answered_on": today()}
    if survey.is_answered:
        initial.update({k: v or "" for k, v in survey.answers.items()})
        if survey.answered_at:
            initial["answered_on"] = timezone.localdate(survey.answered_at)
    # Answers a parent gave through the link are theirs: staff do not overwrite them.
    editable = survey.source != ParentFollowup.Source.PARENT_LINK
    form = form_class(request.POST if action == "answers" and editable else None,
                      initial=initial)
    if action == "answers" and editable and form.is_valid():
        answered_on = form.cleaned_data["answered_on"]
        at = timezone.make_aware(datetime.datetime.combine(answered_on, datetime.time(12)))
        try:
            with transaction.atomic():
                survey.record(form.answers(), ParentFollowup.Source.STAFF, user, at)
                survey.save()
                log_participant_access(user, participant, gettext_noop("Follow-up answers"),
                                       P.REGISTRATION)
        except ValidationError as e:
            for code, errors in e.message_dict.items():
                form.add_error(code if code in form.fields else None, errors)
        else:
            messages.success(request, _("The answers are saved."))
            return redirect("parent_surveys")
    log_participant_access(user, participant, gettext_noop("Follow-up survey"),
                           P.REGISTRATION)
    return render(request, "programmes/survey.html", {
        "survey": survey, "participant": participant, "course": participant.course,
        "form": form if editable else None, "link": link,
        "answers": answer_rows(survey.answers) if survey.is_answered else [],
        "qr": segno.make(link).svg_inline(scale=4) if link else "",
        "link_days": ParentFollowup.LINK_DAYS})
