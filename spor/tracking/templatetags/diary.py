import datetime

from django import template

from spor.clients.models import Client
from spor.lib.dates import today
from spor.tracking import chart, ors, summary
from spor.tracking.models import UNIT_SHORT, DiaryEntry
from spor.treatment.models import Substance

register = template.Library()
CHART_WEEKS = 16  # at least; back to the start of the latest course, at most a year


@register.inclusion_tag("tracking/_panel.html")
def use_panel(client, courses=None):
    """The use diary on the client page: the last 30 days, intake against now for each
    course, the timeline of outcome and use, and the paired apps. A constant number of
    queries, whatever the history.

    The page that includes it has checked access and written the access log, and may pass
    the young person's `courses` it has read, so that they are not read again."""
    day = today()
    courses = {c.pk: c for c in (client.courses.all() if courses is None else courses)
               if c.start_date is not None}
    starts = [c.start_date for c in courses.values()] or [day]
    first = max(min(day - datetime.timedelta(weeks=CHART_WEEKS), max(starts)),
                day - datetime.timedelta(weeks=52))
    # Most young people never keep a diary: one query finds out, and spares the sums.
    kept = DiaryEntry.objects.filter(client=client).exists()
    weeks = summary.weeks(client, first, day, read=kept)
    ratings = ors.totals(client, weeks[0].start)
    used, known = summary.last_30_days(Client.objects.filter(pk=client.pk), day).get(
        client.pk, (0, 0)) if kept else (0, 0)
    changes = []
    for pk, use in (summary.course_use(client.courses.all(), day) if kept else {}).items():
        if use.intake.known_days or use.recent.known_days:
            changes.append({"course": courses[pk], "windows": (use.intake, use.recent),
                            "amounts": _amounts(use)})
    changes.sort(key=lambda c: c["course"].start_date, reverse=True)
    return {"client": client, "used": used, "known": known, "changes": changes,
            "any_amounts": any(c["amounts"] for c in changes),
            "svg": chart.timeline_svg(weeks, ratings),
            "devices": list(client.devices.all())}


def _amounts(use):
    keys = sorted(set(use.intake.per_week) | set(use.recent.per_week))
    return [{"label": f"{Substance(s).label}, {UNIT_SHORT[u]}",
             "intake": use.intake.per_week.get((s, u)), "recent": use.recent.per_week.get((s, u))}
            for s, u in keys]
