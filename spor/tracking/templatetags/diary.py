import datetime

from django import template

from spor.clients.models import Client
from spor.lib.dates import today
from spor.tracking import chart, summary
from spor.tracking.models import UNIT_SHORT
from spor.treatment.models import Substance

register = template.Library()
CHART_WEEKS = 16


@register.inclusion_tag("tracking/_panel.html")
def use_panel(client):
    """The use diary on the client page: the last 30 days, intake against now for each
    course, use per week, and the paired apps. Seven queries, whatever the history.

    The page that includes it has checked access and written the access log."""
    day = today()
    weeks = summary.weeks(client, day - datetime.timedelta(weeks=CHART_WEEKS), day)
    used, known = summary.last_30_days(Client.objects.filter(pk=client.pk), day).get(
        client.pk, (0, 0))
    courses = {c.pk: c for c in client.courses.filter(start_date__isnull=False)}
    changes = []
    for pk, use in summary.course_use(client.courses.all(), day).items():
        if use.intake.known_days or use.recent.known_days:
            changes.append({"course": courses[pk], "use": use,
                            "amounts": _amounts(use)})
    changes.sort(key=lambda c: c["course"].start_date, reverse=True)
    return {"client": client, "used": used, "known": known, "changes": changes,
            "svg": chart.use_svg(weeks), "devices": list(client.devices.all())}


def _amounts(use):
    keys = sorted(set(use.intake.per_week) | set(use.recent.per_week))
    return [{"label": f"{Substance(s).label}, {UNIT_SHORT[u]}",
             "intake": use.intake.per_week.get((s, u)), "recent": use.recent.per_week.get((s, u))}
            for s, u in keys]
