"""For the caseload (treatment's template, which may not import the outbox): when the
latest rating link of each course was sent, opened and answered."""

from django import template
from django.db.models import OuterRef, Subquery

from spor.outbox.models import Message

register = template.Library()


@register.simple_tag
def with_links(courses):
    """Set `course.rating_link` on each course: its latest rating link sent by the outbox
    (with `answered`), or None. One query for the whole list."""
    courses = list(courses)
    links = Message.objects.filter(first__isnull=True, kind=Message.Kind.RATING)
    newest = links.filter(session__course=OuterRef("session__course")).order_by(
        "-created_at", "-pk").values("pk")[:1]
    latest = {m.session.course_id: m for m in links.with_answered().filter(
        session__course__in=[c.pk for c in courses], pk=Subquery(newest)).select_related(
        "session")}
    for course in courses:
        course.rating_link = latest.get(course.pk)
    return courses
