"""FIT on the pages of treatment and clients, which do not import measures: the panel on
the client and course pages (`{% load fit %}{% fit_panel client %}` or
`{% fit_panel course=course %}`) and the caseload's alarms (`{% with_alarms %}`). The
page's view has checked access and logged it; each reads a fixed number of queries however
many sessions there are."""

import functools

from django import template
from django.core.cache.backends.locmem import LocMemCache
from django.template.loader import get_template, render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from spor.lib import versions
from spor.measures import alarms, curve, progress
from spor.measures import fit as fit_rules
from spor.measures.curve import curve_svg
from spor.measures.progress import course_fits
from spor.measures.state import state_of

register = template.Library()
# The panels of the courses seen lately, in this process (see fit_panel).
PANELS = LocMemCache("fit-panels", {"TIMEOUT": 24 * 3600, "OPTIONS": {"MAX_ENTRIES": 300}})


@register.simple_tag
def with_alarms(courses):
    """The courses with their open FIT `alarms` (alarms.OpenAlarm, each with `answered` and
    its responses), in the view's order: the caseload orders by the stored state's
    `alarm_rank` (alarms.order_key: unanswered alarms first, the most serious signal first,
    fit.SEVERITY). The courses are read with their stored FIT state (state.py); one query
    for the responses.
    `{% with_alarms courses as courses %}`"""
    found = alarms.stored_alarms(courses)
    for course in courses:
        course.alarms = found[course.pk]
    return courses


@register.inclusion_tag("measures/_panels.html")
def fit_panel(client=None, course=None, courses=None):
    """The FIT panel of each course shown (measures/_panel.html): rendered once for each
    change of the course's stored FIT state, which every change the panel shows refreshes
    (ratings, sessions, plan changes, responses, the course, the young person's birth date
    and the service's rules; state.py), and kept under the course, the state's time, the
    language and the panel's code. The panels hold plan notes and responses, so they are
    kept in this process's memory only, never in a shared cache. A course without a stored
    state is worked out on every request. The client page passes the `courses` it has read
    (newest first, with their stored state), so that they are not read again."""
    if course is not None:
        client, courses = course.client, [course]
    else:
        if courses is None:
            courses = client.courses.select_related("fit_state").order_by(
                "-start_date", "-created_at")
        courses = list(courses)
        for each in courses:
            each.client = client
    courses.sort(key=lambda c: c.end_date is not None)
    keys = {}
    for each in courses:
        stored = state_of(each)
        if not stored._state.adding:
            keys[each.pk] = ":".join(["fit-panel", str(each.pk), stored.computed_at.isoformat(),
                                      get_language() or "", _code_digest()])
    kept = PANELS.get_many(list(keys.values()))
    todo = [c for c in courses if keys.get(c.pk) not in kept]
    fits = course_fits(todo, client.service) if todo else {}
    alarms.with_responses(fits.values())
    drawn = {}
    for pk, fit in fits.items():
        shown = fit.has_ratings or (fit.course.is_active and fit.course.start_date)
        drawn[pk] = render_to_string("measures/_panel.html", {
            "fit": fit, "svg": curve_svg(fit)}) if shown else ""
    PANELS.set_many({keys[pk]: html for pk, html in drawn.items() if pk in keys})
    panels = [drawn[c.pk] if c.pk in drawn else kept[keys[c.pk]] for c in courses]
    return {"panels": [mark_safe(html) for html in panels if html]}  # noqa: S308 (rendered)


@functools.cache
def _code_digest() -> str:
    """A hash of the code that renders a panel: a new version of Spor renders anew."""
    templates = [get_template(n).origin.name
                 for n in ("measures/_panel.html", "measures/_alarms.html")]
    return versions.digest(*templates, progress.__file__, curve.__file__, fit_rules.__file__,
                           __file__)
