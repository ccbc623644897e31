from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F, Window
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from spor.accounts.decorators import staff_required
from spor.accounts.models import User
from spor.audit.models import AccessLog, log_access
from spor.clients.access import get_client_for_user
from spor.clients.models import display_name_sql
from spor.lib.dates import add_months, today
from spor.lib.urls import uuid_url
from spor.treatment.access import (
    get_course_for_user,
    get_followup_for_user,
    get_goal_for_user,
    get_session_for_user,
    locked_course_for_user,
)
from spor.treatment.forms import CourseForm, DecisionForm, FollowUpForm, GoalForm, SessionForm
from spor.treatment.models import Course, FollowUp, Session

P = AccessLog.Purpose
CLIENT_ROLES = tuple(User.CLIENT_ROLES)


CASELOAD_PAGE = 25
# What a caseload row shows (treatment/templatetags/caseload.py) and Course.due_items words,
# of the five tables a row is read from: reading all their 90 columns took 1-2 ms more of
# the page's 25. A column missing here costs a query more on each row that needs it (the
# caseload tests count them).
CASELOAD_COLUMNS = [
    "kind", "start_date", "request_date",
    "client__anonymous", "client__pseudonym", "client__first_name", "client__last_name",
    "client__service__anonymous_session_limit", "client__service__treatment_guarantee_days",
    "clinician__username", "clinician__first_name", "clinician__last_name",
    "fit_state__alarms"]
# What the follow-ups due show of a course (Course.followups_due and the young person's name).
FOLLOWUP_COLUMNS = ["end_date", "client__anonymous", "client__pseudonym", "client__first_name",
                    "client__last_name"]


@staff_required(*CLIENT_ROLES)
def caseload(request):
    """Active courses (mine, or my teams' with ?scope=team), a page at a time, with what is
    due on each: courses with an unanswered FIT alarm first, the most serious first (the
    stored FIT state's `alarm_rank`, kept by measures), then those with something due
    (due_rules), each group by name. The order is worked out in SQL, so a
    page costs the same with 2 courses or 500."""
    user = request.user
    scope = "team" if request.GET.get("scope") == "team" else "mine"
    day = today()
    courses = Course.objects.visible_to(user).active()
    if scope != "team":
        courses = courses.filter(clinician=user)
    # One query orders, pages and reads the page's rows with what is due, their service
    # (joined already for the anonymous-session limit) and their stored FIT state.
    listed = (courses.with_due(day).select_related("client__service", "clinician", "fit_state")
              .only(*CASELOAD_COLUMNS)
              .order_by(F("fit_state__alarm_rank").asc(nulls_last=True), "-is_due",
                        display_name_sql("client"), "pk"))
    paginator = Paginator(listed, CASELOAD_PAGE)
    # Counted without the columns of what is due, which do not change how many there are
    # and cost more to put together than the count itself.
    paginator.count = courses.count()
    page = paginator.get_page(request.GET.get("page"))
    shown = list(page)
    client_url, course_url = uuid_url("client_detail"), uuid_url("course_detail")
    for course in shown:
        course.due = course.due_items(day)
        course.client_url, course.url = client_url(course.client_id), course_url(course.pk)
    # The ended courses with a follow-up due, those that ended longest ago first, as many
    # as a page of the caseload, with how many there are.
    ended = Course.objects.visible_to(user).filter(
        end_date__gte=add_months(day, -24)).followups_due_on(day)
    if scope != "team":
        ended = ended.filter(clinician=user)
    followups = list(ended.select_related("client").prefetch_related("followups")
                     .only(*FOLLOWUP_COLUMNS).annotate(total=Window(Count("pk")))
                     .order_by("end_date", "pk")[:CASELOAD_PAGE])
    log_access(user, {c.client for c in shown} | {c.client for c in followups},
               gettext_noop("Caseload"), P.CASELOAD)
    return render(request, "treatment/caseload.html", {
        "courses": shown, "page": page, "followups": followups, "scope": scope,
        "followups_total": followups[0].total if followups else 0})


@staff_required(*CLIENT_ROLES)
def course_new(request, client):
    client = get_client_for_user(request.user, client)
    counselling = client.courses.active().filter(kind=Course.Kind.ANONYMOUS).first()
    initial = {"team": client.team, "clinician": request.user, "start_date": today()}
    if counselling is not None and not client.anonymous:
        # Enrolled after anonymous counselling: the course goes on from what is known.
        initial.update(kind=Course.Kind.INDIVIDUAL, team=counselling.team,
                       request_date=counselling.request_date or counselling.start_date,
                       referral=counselling.referral,
                       main_substance=counselling.main_substance,
                       secondary_substances=counselling.secondary_substances)
    form = CourseForm(request.POST or None, client=client, initial=initial)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            course = form.save()
            ended = course.end_counselling_it_follows()
            log_access(request.user, client, gettext_noop("New course"), P.REGISTRATION)
        messages.success(request, _("The course is registered."))
        if ended:
            messages.info(request, _("The anonymous counselling is ended as continued in "
                                     "this course."))
        if not course.is_anonymous and not course.is_waiting:
            messages.info(request, _("Next: the young person's goals, in their own words."))
            return redirect("goal_new", course=course.pk)
        return redirect("course_detail", course=course.pk)
    log_access(request.user, client, gettext_noop("Course form"), P.REGISTRATION)
    return render(request, "treatment/form.html", {
        "form": form, "client": client, "title": _("New course")})


@staff_required(*CLIENT_ROLES)
def course_detail(request, course):
    course = get_course_for_user(request.user, course)
    log_access(request.user, course.client, gettext_noop("Course page"), P.TREATMENT)
    counselling_to_enrol = (course.is_active and course.is_anonymous
                            and course.decision == Course.Decision.ENROL)
    return render(request, "treatment/course.html", {
        "course": course, "client": course.client,
        **course.sessions.timeline(request.GET.get("sessions") == "all"),
        "consent_gaps": course.client.consent_gaps() if course.is_active else [],
        "counselling_to_enrol": counselling_to_enrol,
        "goals": course.goals.all(), "followups": course.followups.all(),
        "followups_due": course.followups_due(),
    })


@staff_required(*CLIENT_ROLES)
def course_edit(request, course):
    course = get_course_for_user(request.user, course)
    form = CourseForm(request.POST or None, instance=course, client=course.client)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            log_access(request.user, course.client, gettext_noop("Course edited"),
                       P.REGISTRATION)
        messages.success(request, _("Saved."))
        return redirect("course_detail", course=course.pk)
    log_access(request.user, course.client, gettext_noop("Course form"), P.REGISTRATION)
    return render(request, "treatment/form.html", {
        "form": form, "client": course.client, "course": course, "title": _("Edit course")})


@staff_required(*CLIENT_ROLES)
def decision(request, course):
    """Record what was decided with the young person when the anonymous sessions ran out."""
    course = get_course_for_user(request.user, course)
    form = DecisionForm(instance=course)
    decided = False
    if request.method == "POST":
        with transaction.atomic():
            # Under the lock a session registration takes: a decision and another session
            # registered at the same moment cannot both pass the session limit.
            course = Course.objects.select_for_update(of=("self",)).select_related(
                "client__service").get(pk=course.pk)
            form = DecisionForm(request.POST, instance=course)
            decided = form.is_valid()
            if decided:
                course = form.save(commit=False)
                course.decided_at, course.decided_by = timezone.now(), request.user
                course.save()
                log_access(request.user, course.client, gettext_noop("Anonymous decision"),
                           P.REGISTRATION)
    if decided:
        messages.success(request, _("The decision is recorded."))
        if course.decision == Course.Decision.ENROL:
            return redirect("client_convert", client=course.client_id)
        if course.decision == Course.Decision.END:
            return redirect("course_edit", course=course.pk)
        return redirect("course_detail", course=course.pk)
    log_access(request.user, course.client, gettext_noop("Anonymous decision form"),
               P.REGISTRATION)
    return render(request, "treatment/decision.html", {
        "form": form, "course": course, "client": course.client,
        "limit": course.client.service.anonymous_session_limit,
        "attended": course.attended_count()})


def _course_subform(request, read, form_class, instance, what, title, initial=None):
    """A form of one of a course's objects; `read(lock)` gives the course (see _read), in a
    POST with its row locked, or None (404)."""
    obj = None
    if request.method != "POST":
        course = read(lock=False)
        form = form_class(instance=instance, course=course, initial=initial)
    else:
        # Within the transaction of the form's one-time token (spor.lib.once) when there is
        # one, without a savepoint: nothing here is caught, an error undoes the request.
        with transaction.atomic(savepoint=False):
            # Rules that count the course's sessions (the anonymous-session limit) are
            # checked under a lock on the course: two clinicians registering the last
            # session at the same moment cannot both pass.
            course = read(lock=True)
            if course is not None:
                form = form_class(request.POST, instance=instance, course=course,
                                  initial=initial)
                obj = form.save() if form.is_valid() else None
                if obj is not None:
                    log_access(request.user, course.client, what, P.REGISTRATION)
        if course is None:
            raise Http404
    if obj is not None:
        if isinstance(obj, Session) and course.decision_due:
            messages.success(request, _("Saved."))
            messages.warning(request, _(
                "This was anonymous session number %(n)s. Decide with the young person "
                "how to go on.") % {"n": course.client.service.anonymous_session_limit})
            return redirect("course_decision", course=course.pk)
        if isinstance(obj, Session) and instance is None and obj.attended:
            # The ratings are the next step of a session: ORS at the start, SRS at the end.
            messages.success(request, _("The session is registered. Next: the young person "
                                        "rates how things are going (ORS) at the start and "
                                        "the session (SRS) at the end."))
            return redirect("fit_session", session=obj.pk)
        messages.success(request, _("Saved."))
        return redirect("course_detail", course=course.pk)
    log_access(request.user, course.client, what, P.REGISTRATION)
    return render(request, "treatment/form.html", {
        "form": form, "client": course.client, "course": course, "title": title})


def _read(request, pk, course=None):
    """The course of a form's object: `course` when the scoping check already gave it
    (an edit form's object), else read through it; in a POST read once, under its lock,
    through the scoping check (None outside the user's scope)."""
    def read(lock):
        if lock:
            return locked_course_for_user(request.user, pk)
        return course or get_course_for_user(request.user, pk)
    return read


@staff_required(*CLIENT_ROLES)
def session_new(request, course):
    return _course_subform(request, _read(request, course), SessionForm, None,
                           gettext_noop("Session form"), _("Register session"),
                           initial={"staff": [request.user]})


@staff_required(*CLIENT_ROLES)
def session_edit(request, session):
    session = get_session_for_user(request.user, session)
    return _course_subform(request, _read(request, session.course_id, session.course),
                           SessionForm, session,
                           gettext_noop("Session form"), _("Edit session"))


@staff_required(*CLIENT_ROLES)
def goal_new(request, course):
    return _course_subform(request, _read(request, course), GoalForm, None,
                           gettext_noop("Goal form"), _("Add the young person's goal"))


@staff_required(*CLIENT_ROLES)
def goal_edit(request, goal):
    goal = get_goal_for_user(request.user, goal)
    return _course_subform(request, _read(request, goal.course_id, goal.course), GoalForm, goal,
                           gettext_noop("Goal form"), _("Edit goal"))


@staff_required(*CLIENT_ROLES)
def followup_new(request, course):
    months = request.GET.get("months")
    instance = FollowUp(months=int(months)) if months in {"3", "9", "12"} else None
    return _course_subform(request, _read(request, course), FollowUpForm, instance,
                           gettext_noop("Follow-up form"), _("Record follow-up"))


@staff_required(*CLIENT_ROLES)
def followup_edit(request, followup):
    followup = get_followup_for_user(request.user, followup)
    return _course_subform(request, _read(request, followup.course_id, followup.course),
                           FollowUpForm, followup,
                           gettext_noop("Follow-up form"), _("Edit follow-up"))

