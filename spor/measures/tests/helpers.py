"""Building ratings in tests."""

import datetime

from spor.measures import instruments
from spor.measures.models import Licence, Rating
from spor.treatment.models import Course, Session

TODAY = datetime.date(2026, 11, 28)


def lines(total: float, instrument="ORS") -> dict:
    """Answers of a four-line measure adding up to `total` (in tenths)."""
    tenths = round(total * 10)
    parts = [tenths // 4 + (1 if i < tenths % 4 else 0) for i in range(4)]
    scales = instruments.get(instrument).scales
    return {s.code: p / 10 for s, p in zip(scales, parts, strict=True)}


def rate(session, total=None, instrument="ORS", rater="client", answers=None, source="paper"):
    return Rating.record(session, instrument, rater, answers or lines(total, instrument), source)


def course_with(client, team, totals, start=datetime.date(2026, 1, 5), end=None, clinician=None,
                srs=(), instrument="ORS", rater="client", kind="individual"):
    """A course with a weekly session per total (None: a session without a rating)."""
    course = Course.objects.create(client=client, team=team, clinician=clinician, kind=kind,
                                   start_date=start, end_date=end)
    for i, total in enumerate(totals):
        session = Session.objects.create(course=course,
                                         date=start + datetime.timedelta(days=7 * i))
        if total is not None:
            rate(session, total, instrument, rater)
        if i < len(srs) and srs[i] is not None:
            rate(session, srs[i], "SRS", rater)
    return course


def licence(service, user=None):
    return Licence.objects.create(service=service, holder="Helsingung", reference="ICCE-123",
                                  granted_on=datetime.date(2026, 1, 1), recorded_by=user)
