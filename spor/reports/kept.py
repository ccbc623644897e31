"""The statistics page's reports, built once for each change of the data they cover.

A report of a service's year takes from a fraction of a second to seconds to build; the
page, its downloads and every analyst who opens it share one build (`KeptReport`), kept
in the database so that every server process sees it:

- Its key is the service, the filters (year, team, period, compared year), the
  suppression threshold and the version of the counting code; a row also names its
  service, and is only ever read for that service.
- Its fingerprint is what the figures are made from: the number of the service's courses
  and the latest time any course's stored FIT state was worked out (every change of a
  course, session, rating, young person, norm or service setting works it out again, in
  the same transaction), and today's date (follow-ups fall due, the year runs on). A
  change of parent courses, day team, outreach, teams or national figures, which have no
  such state, forgets every kept report when it is committed.
- On PostgreSQL only one process builds a report at a time: the row is locked while it
  is built. A
  request that finds an older build of it shows that one, with the time it was built and
  a note that newer figures are being counted; a request with none waits for the build.
  SQLite would lock the whole database for it: there each request that finds no current
  build makes one, outside a transaction.
"""

import hashlib
import json
from pathlib import Path

from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from spor.lib.dates import today
from spor.measures.models import FitState
from spor.reports.build import make_report
from spor.reports.models import KeptReport

_HERE = Path(__file__).resolve().parent
# The code whose change changes the figures (a new release builds every report anew).
_CODE = hashlib.sha256(b"".join(
    path.read_bytes() for path in (
        _HERE / "build.py", _HERE / "sections.py", _HERE / "suppression.py",
        _HERE.parent / "measures" / "stats.py", _HERE.parent / "programmes" / "figures.py"))
).hexdigest()[:16]


class Kept:
    """A built report as the page shows it."""

    def __init__(self, row, newer_coming=False):
        self.doc, self.compare, self.built_at = row.doc, row.compare, row.built_at
        self.newer_coming = newer_coming


def key_of(service, year, team=None, start=None, end=None, compare=None) -> str:
    filters = [service.pk, year, team.pk if team else None, start and start.isoformat(),
               end and end.isoformat(), compare, service.small_cell_threshold, _CODE]
    return hashlib.sha256(json.dumps(filters).encode()).hexdigest()


def fingerprint(service) -> str:
    """What the service's figures are made from, as it stands now. One query."""
    found = FitState.objects.filter(course__client__service=service).aggregate(
        courses=Count("*"), latest=Max("computed_at"))
    latest = found["latest"].isoformat() if found["latest"] else ""
    return f"{found['courses']}:{latest}:{today().isoformat()}"


def report(service, year, team=None, start=None, end=None, compare=None) -> Kept:
    """The service's report (and the compared year's), from the kept build while the data
    it covers is unchanged, else built now by this request or the one already building."""
    key = key_of(service, year, team, start, end, compare)
    now = fingerprint(service)
    row = KeptReport.objects.filter(service=service, key=key).first()
    if row is not None and row.doc is not None and row.fingerprint == now:
        return Kept(row)
    if not connection.features.has_select_for_update:
        # SQLite: a transaction that writes holds the whole database, and everybody's
        # saving would wait for the count. Built outside one; two at once only cost time.
        doc, compared = _build(service, year, team, start, end, compare)
        row, _new = KeptReport.objects.update_or_create(
            service=service, key=key, defaults={"fingerprint": now, "doc": doc,
                                                "compare": compared,
                                                "built_at": timezone.now()})
        return Kept(row)
    with transaction.atomic():
        locked = None
        if row is not None and row.doc is not None:
            # An older build: show it while another request counts anew.
            try:
                with transaction.atomic():
                    locked = (KeptReport.objects.select_for_update(nowait=True)
                              .filter(pk=row.pk).first())
            except DatabaseError:
                return Kept(row, newer_coming=True)
        if locked is None:
            # None yet: wait for the one being built, if any.
            locked, _new = KeptReport.objects.select_for_update().get_or_create(
                service=service, key=key)
            now = fingerprint(service)
            if locked.doc is not None and locked.fingerprint == now:
                return Kept(locked)
        locked.fingerprint = now  # taken before building: a change meanwhile is new
        locked.doc, locked.compare = _build(service, year, team, start, end, compare)
        locked.built_at = timezone.now()
        locked.save()
        return Kept(locked)


def _build(service, year, team, start, end, compare) -> tuple:
    return (make_report(year, service, team, start, end),
            make_report(compare, service, team) if compare else None)


def forget(**kwargs) -> None:
    """Data without a stored state changed: every kept report is built anew when next
    asked for (after the change is committed)."""
    transaction.on_commit(lambda: KeptReport.objects.all().delete())
