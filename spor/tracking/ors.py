"""The young person's own outcome ratings (ORS/CORS totals), for the app."""

import datetime

from spor.measures.models import Rating


def totals(client, since: datetime.date) -> list[dict]:
    """The young person's own outcome totals on or after `since`, oldest first."""
    rows = (Rating.objects.filter(course__client=client, rater=Rating.Rater.CLIENT,
                                  date__gte=since, total__isnull=False)
            .outcome().order_by("date", "created_at").values("date", "instrument", "total"))
    return [{"date": r["date"], "instrument": r["instrument"], "total": float(r["total"])}
            for r in rows]
