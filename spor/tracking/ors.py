"""The young person's own outcome ratings (ORS/CORS totals), for the app and the timeline.

The ratings belong to the FIT measures (spor.measures.models.Rating). Until that model is
installed, `totals` raises Unavailable and the API says so, rather than answer with an
empty list that would look like "never rated".
"""

import datetime

from django.apps import apps


class Unavailable(Exception):
    pass


def rating_model():
    try:
        return apps.get_model("measures", "Rating")
    except LookupError:
        raise Unavailable from None


def totals(client, since: datetime.date) -> list[dict]:
    """The young person's own outcome totals on or after `since`, oldest first."""
    Rating = rating_model()
    rows = (Rating.objects.filter(course__client=client, rater=Rating.Rater.CLIENT,
                                  date__gte=since, total__isnull=False)
            .outcome().order_by("date", "created_at").values("date", "instrument", "total"))
    return [{"date": r["date"], "instrument": r["instrument"], "total": float(r["total"])}
            for r in rows]
