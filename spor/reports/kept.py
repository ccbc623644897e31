"""The statistics page's reports, built once for each change of the data they cover.

A report of a service's year takes from a fraction of a second to seconds to build; the
page, its downloads and every analyst who opens it share one build (`KeptReport`), kept
in the database so that every server process sees it:

- Its key is the service, the filters (year, team, period, compared year), the
  suppression threshold and the version of the counting code; a row also names its
  service, and is only ever read for that service.
- Its fingerprint is what the figures are made from: a hash of every row the report
  counts (the courses that ended in the period and in the one before it, their young
  people and stored FIT states, the sessions of both periods and the ratings of the
  period's sessions; for a compared year its rows too) and today's date (follow-ups fall
  due). A change inside the period, or one that moves a row into it or out of it, is a
  change; this year's sessions leave last year's report as it is. A change of parent
  courses, day team, outreach, teams or national figures, which are counted elsewhere,
  forgets every kept report when it is committed.
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
from django.db.models.expressions import RawSQL
from django.utils import timezone

from spor.clients.models import Client
from spor.lib import versions
from spor.lib.dates import today
from spor.measures.models import FitState
from spor.reports.build import Scope, make_report
from spor.reports.models import KeptReport

_HERE = Path(__file__).resolve().parent
# The code whose change changes the figures (a new release builds every report anew).
_CODE = versions.digest(
    _HERE / "build.py", _HERE / "sections.py", _HERE / "suppression.py",
    _HERE.parent / "measures" / "stats.py", _HERE.parent / "programmes" / "figures.py")


class Kept:
    """A built report as the page shows it."""

    def __init__(self, row, newer_coming=False):
        self.doc, self.compare, self.built_at = row.doc, row.compare, row.built_at
        self.newer_coming = newer_coming


def key_of(service, year, team=None, start=None, end=None, compare=None) -> str:
    filters = [service.pk, year, team.pk if team else None, start and start.isoformat(),
               end and end.isoformat(), compare, service.small_cell_threshold, _CODE]
    return hashlib.sha256(json.dumps(filters).encode()).hexdigest()


def _scopes(service, year, team, start, end, compare) -> list:
    """The scopes the report and its compared year count (build.make_report)."""
    scopes = [Scope(year, [service], team, start, end)]
    if compare:
        scopes.append(Scope(compare, [service], team))
    return scopes


def _read_by(scope) -> list:
    """The rows a report of `scope` counts (build.build), as querysets: the courses that
    ended in the period and in the one before, their young people and stored FIT states,
    the sessions of both periods, and the ratings of the period's sessions. Whole rows, so
    that a change of any column of them is a change."""
    found = []
    for start, end in ((scope.start, scope.end), scope.previous()):
        courses = scope.courses(start, end)
        found += [courses, Client.objects.filter(pk__in=courses.values("client_id")),
                  FitState.objects.filter(course__in=courses.values("pk")),
                  scope.sessions(start, end)]
    return [*found, scope.ratings()]


def fingerprint(service, year, team=None, start=None, end=None, compare=None) -> str:
    """What the report with these filters is made from, as it stands now: every row it
    counts (`_read_by`) and today's date (follow-ups fall due). A change outside them, e.g.
    this year's sessions for last year's report, leaves it as it is.

    On PostgreSQL one query, from each row's id, the transaction that last wrote it
    (`xmin`) and where that version of the row lies (`ctid`: every update writes a new
    version elsewhere, also twice in one transaction), whatever wrote it, signals or not,
    summed as 64-bit hashes with the count of each set: the columns are not read. SQLite has no
    such column: there each set's rows are read whole and hashed here."""
    sets = [(rows.order_by(), rows.model._meta.db_table, rows.model._meta.pk.column)
            for scope in _scopes(service, year, team, start, end, compare)
            for rows in _read_by(scope)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            parts, params = [], []
            for rows, table, pk in sets:
                version = RawSQL(f"{table}.{pk}::text || ':' || {table}.xmin::text || ':' || "  # noqa: S611 (names from the models)
                                 f"{table}.ctid::text", ())
                inner, more = rows.annotate(v=version).values("v").query.sql_with_params()
                parts.append(f"(SELECT count(*) || ':' || coalesce(sum(hashtextextended(v, 0)), 0) "  # noqa: S608 (SQL from the querysets)
                             f"FROM ({inner}) d)")
                params += more
            cursor.execute("SELECT " + ", ".join(parts), params)
            found = cursor.fetchone()
        else:
            found = []
            for rows, table, pk in sets:
                inner, params = rows.values("pk").query.sql_with_params()
                cursor.execute(f"SELECT * FROM {table} WHERE {pk} IN ({inner}) "  # noqa: S608 (names from the models)
                               f"ORDER BY {pk}", params)
                found.append(cursor.fetchall())
    return hashlib.sha256(repr((today().isoformat(), list(found))).encode()).hexdigest()


def report(service, year, team=None, start=None, end=None, compare=None) -> Kept:
    """The service's report (and the compared year's), from the kept build while the data
    it covers is unchanged, else built now by this request or the one already building."""
    key = key_of(service, year, team, start, end, compare)
    now = fingerprint(service, year, team, start, end, compare)
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
            now = fingerprint(service, year, team, start, end, compare)
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
