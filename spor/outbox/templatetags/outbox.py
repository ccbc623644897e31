"""For the caseload (treatment's template, which may not import the outbox): when the
latest rating link of each course was sent, opened and answered."""

import functools

from django import template
from django.db.models import F, OuterRef, Subquery
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from spor.outbox.models import Message

register = template.Library()


# What link_status shows of a message: reading its other columns and its session as
# well cost the caseload a millisecond.
LINK_COLUMNS = ["instrument", "rater", "status", "sent_at", "opened_at"]


@register.simple_tag
def with_links(courses):
    """Set `course.rating_link` on each course: its latest rating link sent by the outbox
    (with `answered`), or None. One query for the whole list."""
    courses = list(courses)
    latest = {m.course_id: m for m in _rating_links().with_rated().filter(
        session__course__in=[c.pk for c in courses], pk=_newest_link()).annotate(
        course_id=F("session__course")).only(*LINK_COLUMNS).order_by()}
    for course in courses:
        course.rating_link = latest.get(course.pk)
    return courses


def _rating_links():
    return Message.objects.filter(first__isnull=True, kind=Message.Kind.RATING)


@functools.lru_cache(maxsize=1)
def _newest_link() -> Subquery:
    """The latest rating link of the course of the link it is compared with, made once (a
    query that uses it copies it, never changes it)."""
    return Subquery(_rating_links().filter(session__course=OuterRef("session__course"))
                    .order_by("-created_at", "-pk").values("pk")[:1])


@register.simple_tag
def link_status(message):
    """A course's latest rating link (`course.rating_link` of with_links) in a few words:
    answered, opened, sent, not delivered or waiting. A tag, not an included template,
    because the caseload shows one on each of its rows."""
    if message is None:
        return "–"
    if message.answered:
        state = format_html('<span class="tag ok">{}</span>', _("answered"))
    elif message.opened_at:
        state = format_html('<span class="tag">{} {}</span>', _("opened"), _when(message.opened_at))
    elif message.sent_at:
        state = format_html('<span class="tag">{} {}</span>', _("sent"), _when(message.sent_at))
    elif message.status == Message.Status.FAILED:
        state = format_html('<span class="tag bad">{}</span>', _("not delivered"))
    else:
        state = format_html('<span class="tag">{}</span>', _("waiting to be sent"))
    rater = format_html(" ({})", _("parent")) if message.rater == "parent" else ""
    return format_html('<span class="link-status">{}{}:\n{}</span>', message.instrument, rater,
                       state)


def _when(moment) -> str:
    return date_format(localtime(moment), "SHORT_DATETIME_FORMAT")
