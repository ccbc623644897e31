"""The FIT panel on the client and course pages: `{% load fit %}{% fit_panel client %}` or
`{% fit_panel course=course %}`. The page's view has checked access and logged it; the
panel reads a fixed number of queries however many sessions there are."""

from django import template

from spor.measures.curve import curve_svg
from spor.measures.progress import course_fits

register = template.Library()


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
