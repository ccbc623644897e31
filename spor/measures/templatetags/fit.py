"""FIT on the pages of treatment and clients, which do not import measures: the panel on
the client and course pages (`{% load fit %}{% fit_panel client %}` or
`{% fit_panel course=course %}`) and the caseload's alarms (`{% with_alarms %}`). The
page's view has checked access and logged it; each reads a fixed number of queries however
many sessions there are."""

from django import template

from spor.measures import alarms
from spor.measures.curve import curve_svg
from spor.measures.progress import course_fits

register = template.Library()


@register.simple_tag
def with_alarms(courses, service):
    """The courses with their open FIT `alarms` (alarms.OpenAlarm, each with `answered` and
    its responses), in the view's order: the caseload orders by the stored state's
    `alarm_rank` (alarms.order_key: unanswered alarms first, the most serious signal first,
    fit.SEVERITY). The courses are read with their stored FIT state (state.py); one query
    for the responses.
    `{% with_alarms courses user.service as courses %}`"""
    found = alarms.stored_alarms(courses)
    for course in courses:
        course.alarms = found[course.pk]
    return courses


@register.inclusion_tag("measures/_panel.html")
def fit_panel(client=None, course=None):
    if course is not None:
        client, courses = course.client, [course]
    else:
        courses = list(client.courses.order_by("-start_date", "-created_at"))
        for each in courses:
            each.client = client
    fits = course_fits(courses, client.service)
    alarms.with_responses(fits.values())
    shown = []
    for each in sorted(courses, key=lambda c: c.end_date is not None):
        fit = fits[each.pk]
        if fit.has_ratings or (each.is_active and each.start_date):
            fit.svg = curve_svg(fit)
            shown.append(fit)
    return {"fits": shown}
