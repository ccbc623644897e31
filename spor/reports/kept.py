"""The statistics page's reports, built once for each change of the data they cover.

A report of a service's year takes from a fraction of a second to seconds to build; the
page, its downloads and every analyst who opens it share one build (`KeptReport`), kept
in the database so that every server process sees it:

- Its key is the service, the filters (year, team, period, compared year), the
  suppression threshold and the version of the counting code; a row also names its
  service, and is only ever read for that service.
- Its fingerprint is how often the rows it counts have changed (the courses that ended
  in the period and in the one before it, their young people and stored FIT states, the
  sessions of both periods and the ratings of the period's sessions; for a compared year
  its rows too), as the database's triggers count it for each service, team and month
  (`ReportChange`, migration 0003), and today's date (follow-ups fall due). A change
  inside the period, or one that moves a row into it or out of it, is a change; this
  year's sessions leave last year's report as it is. A change of parent
  courses, day team, outreach, teams or national figures, which are counted elsewhere,
  forgets every kept report when it is committed.
- On PostgreSQL only one process builds a report at a time: the row is locked while it
  is built. A
  request that finds an older build of it shows that one, with the time it was built and
  a note that newer figures are being counted; a request with none waits for the build.
  SQLite would lock the whole database for it: there each request that finds no current
  build makes one, outside a transaction.
"""

import contextlib
import hashlib
import json
from pathlib import Path

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from spor.lib import versions
from spor.lib.dates import today
from spor.reports.build import Scope, make_report
from spor.reports.models import KeptReport, ReportChange

_HERE = Path(__file__).resolve().parent
# The code whose change changes the figures (a new release builds every report anew).
_CODE = versions.digest(
    _HERE / "build.py", _HERE / "sections.py", _HERE / "suppression.py",
    _HERE.parent / "measures" / "stats.py", _HERE.parent / "programmes" / "figures.py")


class Kept:
    """A built report as the page shows it: read from its kept text, also when just built,
    so that every visit shows the same document in the same order."""

    def __init__(self, row, newer_coming=False):
        self.doc = json.loads(row.doc)
        self.compare = None if row.compare is None else json.loads(row.compare)
        self.built_at = row.built_at
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


def _months(service, year, team, start, end, compare) -> list:
    """The months the report counts (`ReportChange.unit`), as ranges: the period and the
    one before it, and the compared year's."""
    def unit(day):
        return day.year * 12 + day.month - 1
    return [(unit(first), unit(last))
            for scope in _scopes(service, year, team, start, end, compare)
            for first, last in ((scope.start, scope.end), scope.previous())]


# Rows of transactions in the counted months beyond which a read folds the service's.
_FOLD_AFTER = 100

# The unit of a change of every month and team of a service (an import's).
EVERY_MONTH = -1


@contextlib.contextmanager
def counted_as_one(service):
    """Writes in the current transaction counted as one change of every month and team of
    `service`, for an import. On SQLite the change record's triggers run once per row, a
    third of an import's time: they are dropped in the import's transaction and made again
    from their own text at its end (a refused import rolls the dropping back). No one
    else's write goes uncounted meanwhile, since SQLite lets one transaction write at a
    time, and others see the triggers gone only if it commits, with them back.
    PostgreSQL's triggers run once a statement and keep counting."""
    if not connection.in_atomic_block:
        raise RuntimeError("counted_as_one needs the transaction the writes are made in")
    triggers = []
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO reports_change (service_id, team_id, unit, tx, n) "
                       "VALUES (%s, 0, %s, 0, 1) ON CONFLICT (service_id, unit, team_id, tx) "
                       "DO UPDATE SET n = reports_change.n + 1", [service.pk, EVERY_MONTH])
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                           "AND tbl_name <> 'reports_change' AND name LIKE %s",
                           ["reports_change_%"])
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        if not connection.needs_rollback:  # (else they come back with the rollback)
            with connection.cursor() as cursor:
                for _name, sql in triggers:
                    cursor.execute(sql)


def fingerprint(service, year, team=None, start=None, end=None, compare=None) -> str:
    """What the report with these filters is made from, as it stands now: how often the
    rows it counts changed (`ReportChange`, counted by the database itself on every write
    of them) in the months it counts, of the team when one is chosen, and today's date
    (follow-ups fall due). The count only grows, so a change is never missed; a change in
    a month that the period covers only in part counts the report once more than needed.
    One query of a few index rows, whatever the size of the service."""
    months = _months(service, year, team, start, end, compare)
    where = " OR ".join(["unit BETWEEN %s AND %s"] * len(months))
    params = [service.pk, EVERY_MONTH, *[edge for pair in months for edge in pair]]
    of_team = (" AND team_id = %s", [team.pk]) if team is not None else ("", [])
    read = (f"SELECT coalesce(sum(n), 0), coalesce(sum(CASE WHEN tx = 0 THEN 0 ELSE 1 END), 0) "  # noqa: S608 (no values in it)
            f"FROM reports_change WHERE service_id = %s "
            f"AND (unit = %s OR (({where}){of_team[0]}))")
    with connection.cursor() as cursor:
        cursor.execute(read, params + of_team[1])
        changes, unfolded = cursor.fetchone()
    # (Not in a build's transaction: it would hold the rows while it counts.)
    if unfolded > _FOLD_AFTER and not connection.in_atomic_block:
        try:  # only tidies: the count is read
            fold(service.pk)
        except DatabaseError:
            pass
    return f"{today().isoformat()}:{changes}"


def fold(service_id) -> int:
    """On PostgreSQL each transaction counts its changes in rows of its own: the service's
    rows of committed transactions are folded into one a month and team, keeping the sum
    (a transaction still open is not seen, so its rows stay as they are). Returns the rows
    folded."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("WITH gone AS (DELETE FROM reports_change WHERE service_id = %s "
                       "AND tx <> 0 RETURNING team_id, unit, n) "
                       "INSERT INTO reports_change (service_id, team_id, unit, tx, n) "
                       "SELECT %s, team_id, unit, 0, sum(n) FROM gone GROUP BY team_id, unit "
                       "ON CONFLICT (service_id, unit, team_id, tx) "
                       "DO UPDATE SET n = reports_change.n + excluded.n "
                       "RETURNING (SELECT count(*) FROM gone)", [service_id, service_id])
        return max((row[0] for row in cursor.fetchall()), default=0)


def fold_all() -> str:
    """The daily job: every service's change record folded, also where nobody reads the
    statistics, so that it keeps a few rows a month and team."""
    services = (ReportChange.objects.exclude(tx=0).values_list("service_id", flat=True)
                .distinct())
    folded = sum(fold(service_id) for service_id in list(services))
    return f"Folded {folded} rows of the statistics' change record."


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
    """The report and the compared year's as JSON text (KeptReport)."""
    return (json.dumps(make_report(year, service, team, start, end)),
            json.dumps(make_report(compare, service, team)) if compare else None)


def forget(**kwargs) -> None:
    """Data without a stored state changed: every kept report is built anew when next
    asked for (after the change is committed)."""
    transaction.on_commit(lambda: KeptReport.objects.all().delete())
