"""For the caseload (treatment's template, which may not import the outbox): when the
latest rating link of each course was sent, opened and answered."""

from django import template

from spor.outbox.models import Message

register = template.Library()


@register.simple_tag
def with_links(courses):
    """Set `course.rating_link` on each course: its latest rating link sent by the outbox
    (with `answered`), or None. One query for the whole list."""
    courses = list(courses)
    latest = {}
    for message in (Message.objects.with_answered()
                    .filter(first__isnull=True, kind=Message.Kind.RATING,
                            session__course__in=[c.pk for c in courses])
                    .select_related("session").order_by("created_at")):
        latest[message.session.course_id] = message
    for course in courses:
        course.rating_link = latest.get(course.pk)
    return courses
