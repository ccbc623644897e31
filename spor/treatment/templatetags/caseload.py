"""The rows of the caseload (treatment/caseload.html)."""

from django import template
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from spor.treatment.models import Course

register = template.Library()
# Course.get_kind_display() works its choices out anew on every call.
KINDS = dict(Course.Kind.choices)


@register.simple_tag
def caseload_cells(course, scope):
    """The cells of a course's caseload row, all but the rating link (the outbox's
    {% link_status %}): written here, not in the template language, which spent a tenth of
    the page's time over its 25 rows, and with escape() rather than format_html(), which
    spent half of this tag's. `course` as the view and {% with_alarms %} left it: with
    `client_url`, `url`, `due` and `alarms`."""
    client = course.client
    anonymous = (f' <span class="tag">{escape(_("anonymous"))}</span>'
                 if client.anonymous else "")
    clinician = (f'<br><span class="muted">{escape(course.clinician)}</span>'
                 if scope == "team" and course.clinician else "")
    last = date_format(course.last_session, "SHORT_DATE_FORMAT") if course.last_session else "–"
    due = ""
    if course.alarms or course.due:
        answered = f" · {escape(_('answered'))}"
        alarms = "".join(
            f'<li class="tag">{escape(alarm.message)}{answered}</li>' if alarm.answered
            else f'<li class="tag bad">{escape(alarm.message)}</li>' for alarm in course.alarms)
        items = "".join(f"<li>{escape(item)}</li>" for item in course.due)
        due = f'<ul class="due">{alarms}{items}</ul>'
    return mark_safe(  # noqa: S308 (every value escaped)
        f'<td><a href="{escape(course.client_url)}">{escape(client.display_name)}</a>'
        f'{anonymous}</td>\n'
        f'    <td><a href="{escape(course.url)}">{escape(KINDS.get(course.kind, course.kind))}'
        f'</a>{clinician}</td>\n'
        f'    <td class="optional">{escape(course.attended_sessions)}</td>\n'
        f'    <td class="optional">{escape(last)}</td>\n'
        f"    <td>{due}</td>")


@register.simple_tag
def page_links(page, scope):
    """A link to each page of the caseload, the page shown marked: written here, as the
    rows are, because the template language spent as much on a leader's 20 page numbers
    as on 5 rows."""
    scope = escape(scope)
    return mark_safe("".join(  # noqa: S308 (numbers and the escaped scope)
        f'<strong aria-current="page">{number}</strong> ' if number == page.number
        else f'<a href="?scope={scope}&amp;page={number}">{number}</a> '
        for number in page.paginator.page_range))
