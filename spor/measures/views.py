import datetime
import json
import uuid

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache

from spor.accounts import tablet
from spor.accounts.decorators import not_post, staff_required
from spor.accounts.models import Team, User
from spor.audit.models import AccessLog, log_access
from spor.lib import charts
from spor.lib.dates import today
from spor.lib.pdf import pdf_response
from spor.lib.ratelimit import over_limit
from spor.measures import alarms as fit_alarms
from spor.measures import expected, instruments
from spor.measures.curve import curve_svg
from spor.measures.fit import EFFECT_MIN_COURSES, EFFECT_MIN_SPREAD, ChangeClass
from spor.measures.forms import (
    AlarmResponseForm,
    AllianceRuleForm,
    InviteForm,
    LicenceForm,
    ModelFileForm,
    NormFormSet,
    PaperForm,
    PlanChangeForm,
)
from spor.measures.models import (
    AlarmResponse,
    AllianceRule,
    ExpectedCourse,
    Licence,
    Norm,
    PlanChange,
    Rating,
    RatingInvite,
)
from spor.measures.overview import figures
from spor.measures.printed import course_pdf
from spor.measures.progress import course_fits
from spor.treatment.access import get_course_for_user, get_session_for_user
from spor.treatment.models import Course

P = AccessLog.Purpose
CLIENT_ROLES = tuple(User.CLIENT_ROLES)
ADMIN = User.Role.ADMIN
PENDING_LINK = "fit-link-{}"


def _defaults(session):
    """The measures made for the young person's age on the day, and the kind of session."""
    age = session.course.client.age_on(session.date)
    return (instruments.outcome_for(age),
            instruments.alliance_for(age, group=session.kind == "group"))


# Staff: one session's ratings ----------------------------------------------------------

@staff_required(*CLIENT_ROLES)
def session_ratings(request, session):
    """ORS at the start, SRS at the end: what is rated, and the ways to rate."""
    session = get_session_for_user(request.user, session)
    course, client = session.course, session.course.client
    plan = PlanChange.objects.filter(session=session).first()
    form = PlanChangeForm(request.POST or None, instance=plan or PlanChange(session=session))
    if request.method == "POST":
        with transaction.atomic():
            if "remove" in request.POST and plan is not None:
                plan.delete()
                messages.success(request, _("The plan change is removed."))
            elif form.is_valid():
                change = form.save(commit=False)
                change.recorded_by = change.recorded_by or request.user
                change.save()
                messages.success(request, _("The plan change is marked on the curve."))
            if not form.errors:
                log_access(request.user, client, gettext_noop("Plan change"), P.TREATMENT)
                return redirect("fit_session", session=session.pk)
    # The session's ratings, flags and number; the rest of the course's FIT is not shown.
    fit = course_fits([course], client.service, ratings_only=True)[course.pk]
    row = next((r for r in fit.rows() if r["session"].id == session.pk), {})
    outcome, alliance = _defaults(session)
    steps = [{"kind": kind, "default": default, "heading": heading,
              "measures": instruments.of_kind(kind),
              "done": [(label, rater, row.get(f"{kind}_{rater}"))
                       for rater, label in Rating.Rater.choices]}
             for kind, default, heading in (
                 ("outcome", outcome, _("At the start: how things are going")),
                 ("alliance", alliance, _("At the end: how the session went")))]
    pending = request.session.pop(PENDING_LINK.format(session.pk), None)
    if pending:
        pending["qr"] = segno.make(pending["url"], error="m").svg_inline(scale=6, dark="#1d2630")
        pending["instrument_title"] = str(instruments.get(pending["instrument"]).title)
        pending["rater_label"] = Rating.Rater(pending["rater"]).label
        pending["expires"] = datetime.datetime.fromisoformat(pending["expires"])
    log_access(request.user, client, gettext_noop("Session ratings"), P.TREATMENT)
    return render(request, "measures/session.html", {
        "session": session, "course": course, "client": client,
        "number": next((s.number for s in fit.sessions if s.id == session.pk), None),
        "steps": steps, "attended": session.attendance == "attended",
        "licence": Licence.objects.in_force(client.service), "raters": Rating.Rater.choices,
        "plan": plan, "plan_form": form, "pending": pending,
    })


@staff_required(*CLIENT_ROLES)
def paper(request, session):
    """Scores from a paper form: always allowed, licence or not."""
    session = get_session_for_user(request.user, session)
    client = session.course.client
    code = request.GET.get("instrument") or _defaults(session)[0].code
    definition = instruments.REGISTRY.get(code)
    if definition is None or not definition.is_session_measure:
        raise Http404
    rater = request.POST.get("rater") or request.GET.get("rater")
    if rater not in Rating.Rater.values:  # the form names a wrong one; never a query with it
        rater = Rating.Rater.CLIENT
    existing = Rating.objects.filter(session=session, instrument=code, rater=rater).first()
    if request.method == "POST" and "delete" in request.POST:
        if existing is not None:
            with transaction.atomic():
                existing.delete()
                log_access(request.user, client, gettext_noop("Rating deleted"), P.REGISTRATION)
            messages.success(request, _("The rating is deleted."))
        return redirect("fit_session", session=session.pk)
    initial = {"rater": rater, **(existing.answers if existing else {})}
    form = PaperForm(request.POST or None, definition=definition, rater=rater,
                     initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                Rating.record(session, code, form.cleaned_data["rater"], form.answers,
                              Rating.Source.PAPER, request.user)
                log_access(request.user, client, gettext_noop("Rating from paper"),
                           P.REGISTRATION)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("The rating is saved."))
            return redirect("fit_session", session=session.pk)
    log_access(request.user, client, gettext_noop("Rating form (paper)"), P.REGISTRATION)
    return render(request, "measures/paper.html", {
        "form": form, "session": session, "client": client, "course": session.course,
        "definition": definition, "existing": existing, "rater": rater,
        "raters": Rating.Rater.choices,
        "others": [i for i in instruments.REGISTRY.values()
                   if i.is_session_measure and i.code != code]})


def invite_from_post(request, session, mode):
    """Check and issue a hand-over or link; None with a message when it cannot be."""
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a measure and who rates."))
        return None
    definition = instruments.get(form.cleaned_data["instrument"])
    if definition.licensed and Licence.objects.in_force(session.course.client.service) is None:
        messages.error(request, _("Digital rating of %(measure)s needs the service's licence. "
                                  "Enter the scores from a paper form instead.") % {
            "measure": definition.code})
        return None
    if session.attendance != "attended":
        messages.error(request, _("Ratings belong to sessions the young person attended."))
        return None
    return RatingInvite.issue(session, definition.code, form.cleaned_data["rater"], mode,
                              request.user)


@staff_required(*CLIENT_ROLES)
def handover(request, session):
    """Hand the tablet over, showing only the form. With a tablet PIN the login stays and
    the tablet is locked to the form until the PIN (or a full login) takes it back;
    without one the clinician is logged out and logs in again afterwards."""
    session = get_session_for_user(request.user, session)
    if (refused := not_post(request)) is not None:
        return refused
    issued = invite_from_post(request, session, RatingInvite.Mode.HANDOVER)
    if issued is None:
        return redirect("fit_session", session=session.pk)
    _invite_, token = issued
    log_access(request.user, session.course.client, gettext_noop("Hand-over for rating"),
               P.RATING)
    form_path = reverse("fit_rate", args=[token])
    if request.user.tablet_pin:
        tablet.lock(request, form_path, reverse("fit_session", args=[session.pk]))
    else:
        logout(request)
    return redirect(form_path)


@staff_required(*CLIENT_ROLES)
def link(request, session):
    """A personal link and QR code for the young person's or a parent's own phone, shown
    once on the session's page."""
    session = get_session_for_user(request.user, session)
    if (refused := not_post(request)) is not None:
        return refused
    issued = invite_from_post(request, session, RatingInvite.Mode.LINK)
    if issued is not None:
        invite, token = issued
        request.session[PENDING_LINK.format(session.pk)] = {
            "url": request.build_absolute_uri(reverse("fit_rate", args=[token])),
            "instrument": invite.instrument, "rater": invite.rater,
            "expires": invite.expires_at.isoformat()}
        log_access(request.user, session.course.client, gettext_noop("Personal rating link"),
                   P.RATING)
    return redirect("fit_session", session=session.pk)


# Staff: a course's curve --------------------------------------------------------------

@staff_required(*CLIENT_ROLES)
def course_fit(request, course):
    course = get_course_for_user(request.user, course)
    fit = course_fits([course], course.client.service)[course.pk]
    fit_alarms.with_responses([fit])
    log_access(request.user, course.client, gettext_noop("FIT curve"), P.TREATMENT)
    return render(request, "measures/course.html", {
        "course": course, "client": course.client, "fit": fit, "svg": curve_svg(fit),
        "service": course.client.service})


@staff_required(*CLIENT_ROLES)
def course_fit_pdf(request, course):
    """The curve and the table as a PDF for the record or a meeting, from the same chart."""
    course = get_course_for_user(request.user, course)
    fit = course_fits([course], course.client.service)[course.pk]
    fit_alarms.with_responses([fit])
    pdf = course_pdf(fit, course, curve_svg(fit, width=7), timezone.localtime())
    log_access(request.user, course.client, gettext_noop("FIT curve (PDF)"), P.EXPORT)
    return pdf_response(pdf, f"fit-{course.pk}.pdf", inline=True)


# Acting on alarms -----------------------------------------------------------------------

def _record_response(request, course, by_team):
    """The response form for a course's open alarms; on a valid POST the response is
    saved under the course's lock, after checking the alarm is still open. Returns the
    form and whether it was saved."""
    open_now = fit_alarms.open_alarms([course.pk])[course.pk]
    form = AlarmResponseForm(
        request.POST if request.method == "POST" else None, alarms=open_now, by_team=by_team,
        initial={"alarm": request.GET.get("alarm")} if request.GET.get("alarm") else None,
        instance=AlarmResponse(course=course, recorded_by=request.user),
        prefix=f"c{course.pk}" if by_team else None)
    if request.method != "POST" or not form.is_valid():
        return form, False
    with transaction.atomic():
        Course.objects.select_for_update().filter(pk=course.pk).first()
        # A rating saved meanwhile may have closed or moved the alarm.
        still = {a.key for a in fit_alarms.open_alarms([course.pk])[course.pk]}
        if form.cleaned_data["alarm"] not in still:
            form.add_error("alarm", _("This alarm is no longer open: a newer rating changed "
                                      "it. Choose again."))
            return form, False
        form.save()
        log_access(request.user, course.client, gettext_noop(
            "Team decision on an alarm" if by_team else "Response to an alarm"), P.TREATMENT)
    return form, True


@staff_required(*CLIENT_ROLES)
def course_alarms(request, course):
    """A course's open alarms, what was done about each, and the form to record it."""
    course = get_course_for_user(request.user, course)
    form, saved = _record_response(request, course, by_team=False)
    if saved:
        messages.success(request, _("The response is recorded."))
        return redirect("course_detail", course=course.pk)
    log_access(request.user, course.client, gettext_noop("Alarms and responses"),
               P.TREATMENT)
    return render(request, "measures/alarms.html", {
        "course": course, "client": course.client, "form": form,
        "alarms": fit_alarms.open_alarms([course.pk])[course.pk],
        "answered": AlarmResponse.objects.filter(course=course).select_related(
            "recorded_by").order_by("-responded_on", "-created_at")},
        status=400 if form.errors else 200)


@staff_required(User.Role.LEADER)
def meeting(request):
    """The leader's list for the team's FIT meeting: active courses worse than at intake
    or below the expected course, unanswered and most serious first, by team; the leader
    records what the team decided."""
    user = request.user
    visible = Course.objects.visible_to(user)
    saved_for = None
    if request.method == "POST":
        pk = _uuid(request.POST.get("course"))
        if pk is None:
            raise Http404
        course = get_course_for_user(user, pk)
        form, saved = _record_response(request, course, by_team=True)
        if saved:
            messages.success(request, _("The team's decision is recorded."))
            return redirect(reverse("fit_meeting") + f"#course-{course.pk}")
        saved_for = (course.pk, form)
    rows = [(course, alarms) for course, alarms in fit_alarms.listing(user.service, visible)
            if fit_alarms.is_off_track(alarms)]
    rows.sort(key=lambda row: fit_alarms.order_key(row[1]))
    teams = {}
    for course, alarms in rows:
        form = saved_for[1] if saved_for and saved_for[0] == course.pk else AlarmResponseForm(
            alarms=alarms, by_team=True, prefix=f"c{course.pk}",
            instance=AlarmResponse(course=course))
        teams.setdefault(course.team, []).append({
            "course": course, "alarms": alarms, "form": form,
            "unanswered": len(fit_alarms.unanswered(alarms))})
    log_access(user, {course.client for course, _a in rows},
               gettext_noop("FIT meeting list"), P.CASELOAD)
    return render(request, "measures/meeting.html", {
        "teams": sorted(teams.items(), key=lambda t: t[0].name if t[0] else ""),
        "count": len(rows)}, status=400 if saved_for else 200)


def _uuid(text):
    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


# The young person or parent: rating without a login -----------------------------------

RATE_WINDOW_SECONDS = 600  # the window of SPOR_RATING_RATE_LIMIT


def _rate_limited(request) -> bool:
    """Requests per network address in a window, page views and answers alike."""
    return bool(over_limit(request, "rating", settings.SPOR_RATING_RATE_LIMIT,
                           RATE_WINDOW_SECONDS))


def _closed(request, reason, status):
    return render(request, "measures/rate_closed.html", {"reason": reason}, status=status)


@never_cache
def rate(request, token):
    """The rating form and nothing else: no name, no menu, no other page to reach."""
    if _rate_limited(request):
        return _closed(request, "busy", 429)
    invite = RatingInvite.objects.by_token(token)
    if invite is None:
        return _closed(request, "unknown", 404)
    if invite.used_at is not None:
        return _closed(request, "used", 410)
    if invite.is_expired:
        return _closed(request, "expired", 410)
    definition = instruments.get(invite.instrument)
    client = invite.session.course.client
    if definition.licensed and Licence.objects.in_force(client.service) is None:
        return _closed(request, "unlicensed", 403)
    errors, posted = {}, {}
    if request.method == "POST":
        posted = {s.code: request.POST.get(s.code, "") for s in definition.scales}
        try:
            answers = definition.clean(posted)
        except ValidationError as e:
            errors = e.message_dict
        else:
            with transaction.atomic():
                if not invite.claim():
                    return _closed(request, "used", 410)
                Rating.record(invite.session, invite.instrument, invite.rater, answers,
                              invite.mode, invite.created_by)
                log_access(None, client, gettext_noop("Rating given"), P.RATING)
            return render(request, "measures/rated.html", {
                "handover": invite.mode == RatingInvite.Mode.HANDOVER,
                "locked": tablet.current(request) is not None,
                "next": reverse("fit_session", args=[invite.session_id])})
    log_access(None, client, gettext_noop("Rating form"), P.RATING)
    scales = [{"code": s.code, "label": s.label_for(invite.rater), "low": s.low, "high": s.high,
               "value": posted.get(s.code, ""), "errors": errors.get(s.code, [])}
              for s in definition.scales]
    return render(request, "measures/rate.html", {
        "definition": definition, "scales": scales, "rater": invite.rater,
        "service": client.service, "errors": errors, "texts": {
            "unset": _("No mark yet"), "value": _("%(value)s of 10"),
            "missing": _("Put a mark on every line before you send.")}},
        status=400 if errors else 200)


# Team leader: the overview ------------------------------------------------------------

@staff_required(*CLIENT_ROLES)
def overview(request):
    """FIT figures per team; per clinician for leaders only. No client is shown."""
    user = request.user  # its service only by its key: the page shows nothing else of it
    teams = (Team.objects.filter(service=user.service_id) if user.is_leader
             else user.teams.all()).order_by("name")
    end = _date(request.GET.get("to")) or today()
    start = _date(request.GET.get("from")) or end - datetime.timedelta(days=365)
    problem = _("The period ends before it begins.") if start > end else ""
    if problem:
        start, end = end - datetime.timedelta(days=365), end
    clinicians = (list(User.objects.filter(service=user.service_id, role__in=CLIENT_ROLES,
                                           is_active=True).order_by("first_name", "last_name"))
                  if user.is_leader else None)
    team_rows, clinician_rows = figures(user.service_id, teams, start, end, clinicians)
    sections = [_section(_("Teams"), team_rows)]
    if user.is_leader:
        sections.append(_section(_("Clinicians"), clinician_rows))
    return render(request, "measures/overview.html", {
        "sections": sections, "start": start, "end": end, "problem": problem,
        "class_labels": [c.label for c in ChangeClass],
        "min_courses": EFFECT_MIN_COURSES, "min_spread": EFFECT_MIN_SPREAD,
        "expected": ExpectedCourse.objects.filter(service=user.service_id).first()})


CLASS_COLOURS = [charts.COLOURS[c] for c in ("ok", "accent", "muted", "bad")]


def _section(title, rows):
    """(title, rows with FIT data, labels of the rows without any, the change-class chart,
    the rows with parents' ratings):
    a team or clinician with no rating in the period is named once, not shown as zeros."""
    shown = [f for f in rows if f.uses_fit]
    hidden = [f.label for f in rows if not f.uses_fit]
    bars = [(f.label, [f.classes[c] for c in ChangeClass]) for f in shown if f.classified]
    chart = charts.stacked_shares(
        _("Change over the ended courses: %(who)s") % {"who": title}, bars,
        [str(c.label) for c in ChangeClass], CLASS_COLOURS) if bars else ""
    parents = [f for f in shown if f.with_parent or f.parent_pairs]
    return title, shown, hidden, chart, parents


def _date(text):
    try:
        return datetime.date.fromisoformat(text) if text else None
    except ValueError:
        return None


# Administrator: licence, norms, flag rules, expected course ---------------------------

@staff_required(ADMIN)
def settings_page(request):
    service = request.user.service
    norms = Norm.objects.in_effect(service)
    return render(request, "measures/settings.html", {
        "service": service, "licence": Licence.objects.in_force(service),
        "licences": Licence.objects.filter(service=service),
        "norms": norms, "rules": AllianceRule.objects.in_effect(service),
        "outcome_measures": ["ORS", "CORS"], "alliance_measures": ["SRS", "CSRS", "GSRS"],
        "expected": ExpectedCourse.objects.filter(service=service).first(),
        "min_courses": settings.SPOR_EXPECTED_MIN_COURSES, "file_form": ModelFileForm()})


@staff_required(ADMIN)
def licence_new(request):
    form = LicenceForm(request.POST or None, service=request.user.service, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The licence is recorded. The digital rating screens are "
                                    "open."))
        return redirect("fit_settings")
    return render(request, "measures/form.html", {
        "form": form, "title": _("Record the FIT licence"),
        "intro": _("The ORS and SRS are copyrighted by their authors. Record the licence the "
                   "service holds for digital use; without it, only scores from paper forms "
                   "can be entered.")})


@staff_required(ADMIN)
def norms_edit(request, instrument):
    """A service's own norms for one measure; the first save copies the defaults."""
    if instrument not in ("ORS", "CORS"):
        raise Http404
    service = request.user.service
    own = Norm.objects.filter(service=service, instrument=instrument)
    if request.method == "POST" and "reset" in request.POST:
        own.delete()
        messages.success(request, _("%(measure)s uses the default norms again.") % {
            "measure": instrument})
        return redirect("fit_settings")
    queryset = own if own.exists() else Norm.objects.filter(service=None, instrument=instrument)
    formset = NormFormSet(request.POST or None, queryset=queryset)
    if request.method == "POST" and formset.is_valid():
        try:
            with transaction.atomic():
                copying = not own.exists()
                keep = []
                for form in formset.forms:
                    if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                        continue
                    norm = form.save(commit=False)
                    if copying:
                        norm.pk = None
                    norm.service, norm.instrument = service, instrument
                    norm.save()
                    keep.append(norm.pk)
                own.exclude(pk__in=keep).delete()
        except IntegrityError:  # a page from before the norms were saved by someone else
            messages.error(request, _("The norms were changed meanwhile. Here they are as "
                                      "they are now: make your change again."))
            return redirect("fit_norms", instrument=instrument)
        messages.success(request, _("Saved."))
        return redirect("fit_settings")
    return render(request, "measures/norms.html", {
        "formset": formset, "instrument": instrument, "own": own.exists()})


@staff_required(ADMIN)
def alliance_rule_edit(request, instrument):
    if instrument not in ("SRS", "CSRS", "GSRS"):
        raise Http404
    service = request.user.service
    rule = (AllianceRule.objects.filter(service=service, instrument=instrument).first()
            or AllianceRule.objects.filter(service=None, instrument=instrument).first())
    if rule is not None and rule.service_id is None:
        rule.pk, rule.service = None, service  # the first save makes the service's own copy
    form = AllianceRuleForm(request.POST or None, instance=rule or AllianceRule(
        service=service, instrument=instrument))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():  # the rule, the service's new stamp and FIT states
            form.save()
        messages.success(request, _("Saved."))
        return redirect("fit_settings")
    return render(request, "measures/form.html", {
        "form": form, "title": _("When is a %(measure)s rating flagged?") % {
            "measure": instrument}})


@staff_required(ADMIN)
def expected_refit(request):
    if (refused := not_post(request)) is not None:
        return refused
    service = request.user.service
    upload = request.FILES.get("file")
    if upload is not None:
        try:
            expected.load(service, json.loads(upload.read().decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError):
            messages.error(request, _("The file is not JSON text."))
        except ValidationError as e:
            messages.error(request, "; ".join(
                f"{key}: {' '.join(msgs)}" for key, msgs in e.message_dict.items()))
        else:
            messages.success(request, _("The trajectory model is loaded."))
        return redirect("fit_settings")
    done = expected.refit(service, replace_file_model="replace" in request.POST)
    messages.success(request, _("The expected course is learned from %(n)s closed courses "
                                "(%(doubtful)s zig-zagging courses left out).") % {
        "n": done.expected.n_courses, "doubtful": done.doubtful})
    return redirect("fit_settings")
