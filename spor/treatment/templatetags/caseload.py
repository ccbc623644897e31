"""The rows of the caseload (treatment/caseload.html)."""

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from spor.treatment.models import Course

register = template.Library()
# Course.get_kind_display() works its choices out anew on every call.
KINDS = dict(Course.Kind.choices)


@register.simple_tag
def caseload_cells(course, scope):
    """The cells of a course's caseload row, all but the rating link (the outbox's
    {% link_status %}): written here, not in the template language, which spent a tenth of
    the page's time over its 25 rows. `course` as the view and {% with_alarms %} left it:
    with `client_url`, `url`, `due` and `alarms`."""
    client = course.client
    anonymous = (format_html(' <span class="tag">{}</span>', _("anonymous"))
                 if client.anonymous else "")
    clinician = (format_html('<br><span class="muted">{}</span>', course.clinician)
                 if scope == "team" and course.clinician else "")
    last = date_format(course.last_session, "SHORT_DATE_FORMAT") if course.last_session else "–"
    due = ""
    if course.alarms or course.due:
        answered = format_html(" · {}", _("answered"))
        alarms = format_html_join("", '<li class="tag{}">{}{}</li>', (
            ("" if alarm.answered else " bad", alarm.message, answered if alarm.answered else "")
            for alarm in course.alarms))
        items = format_html_join("", "<li>{}</li>", ((item,) for item in course.due))
        due = format_html('<ul class="due">{}{}</ul>', alarms, items)
    return format_html(
        '<td><a href="{}">{}</a>{}</td>\n'
        '    <td><a href="{}">{}</a>{}</td>\n'
        '    <td class="optional">{}</td>\n'
        '    <td class="optional">{}</td>\n'
        '    <td>{}</td>',
        course.client_url, client.display_name, anonymous, course.url,
        KINDS.get(course.kind, course.kind), clinician, course.attended_sessions, last, due)
