"""FIT on the pages of treatment and clients, which do not import measures: the panel on
the client and course pages (`{% load fit %}{% fit_panel client %}` or
`{% fit_panel course=course %}`) and the caseload's alarms (`{% with_alarms %}`). The
page's view has checked access and logged it; each reads a fixed number of queries however
many sessions there are."""

from django import template

from spor.measures.curve import curve_svg
from spor.measures.fit import severity
from spor.measures.models import FitState
from spor.measures.progress import course_fits

register = template.Library()


@register.simple_tag
def with_alarms(courses, service):
    """The courses with their open FIT `alarms`, the most serious signal first: a young
    person getting worse before one below the expected course, before a weak alliance,
    before no change (fit.SEVERITY). Within each rank the view's order stays. One
    query: the alarms are the courses' stored FIT state (state.py).
    `{% with_alarms courses user.service as courses %}`"""
    states = {s.course_id: s for s in FitState.objects.filter(
        course__in=[c.pk for c in courses]).only("course", "alarms")}
    for course in courses:
        found = states.get(course.pk)
        course.alarms = found.alarm_list if found else []
    return sorted(courses, key=lambda c: severity(c.alarms))


@register.inclusion_tag("measures/_panel.html")
def fit_panel(client=None, course=None):
    if course is not None:
        client, courses = course.client, [course]
    else:
        courses = list(client.courses.order_by("-start_date", "-created_at"))
        for each in courses:
            each.client = client
    fits = course_fits(courses, client.service)
    shown = []
    for each in sorted(courses, key=lambda c: c.end_date is not None):
        fit = fits[each.pk]
        if fit.has_ratings or (each.is_active and each.start_date):
            fit.svg = curve_svg(fit)
            shown.append(fit)
    return {"fits": shown}
