"""Scheduled jobs: each app registers its own in its `jobs.py`, `spor jobs` runs the due ones.

Adding a job is one call in the app's `jobs.py`:

    from spor.operations.jobs import command, register
    register("purge_public", _("Erase the public page's old data"),
             daily=datetime.time(1, 0), run=command("purge_public"))

`run` takes no arguments and returns a one-line summary (counts, never personal data).
A job is either `daily` at a local time or due `every` so long. A job never run before is
due at once. A failed job is tried again after an hour at the latest.
"""

import dataclasses
import datetime
import io
import logging
import traceback
from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

from spor.operations import backup
from spor.operations.models import JobRun, JobState

log = logging.getLogger(__name__)
RETRY = datetime.timedelta(hours=1)
# A run that has held its job this long is taken to have died with its process.
STALE = datetime.timedelta(hours=6)


@dataclasses.dataclass(frozen=True)
class Job:
    name: str
    title: str
    run: Callable[[], str]
    daily: datetime.time | None = None
    every: datetime.timedelta | None = None

    def next_after(self, moment: datetime.datetime) -> datetime.datetime:
        if self.every:
            return moment + self.every
        day = timezone.localtime(moment).date()
        for candidate_day in (day, day + datetime.timedelta(days=1)):
            candidate = timezone.make_aware(datetime.datetime.combine(candidate_day, self.daily))
            if candidate > moment:
                return candidate
        raise AssertionError("a day has a later time")  # pragma: no cover

    @property
    def minutes(self) -> int:
        return int(self.every.total_seconds() // 60) if self.every else 0

    @property
    def schedule(self) -> str:
        return f"every {self.minutes} min" if self.every else f"daily at {self.daily:%H:%M}"


REGISTRY: dict[str, Job] = {}


def register(name: str, title: str, run: Callable[[], str], *, daily=None, every=None) -> Job:
    if (daily is None) == (every is None):
        raise ValueError(f"job {name}: give either daily or every")
    REGISTRY[name] = job = Job(name, str(title), run, daily, every)
    return job


def command(name: str, *args) -> Callable[[], str]:
    """A management command as a job; its output is the summary."""

    def run() -> str:
        out = io.StringIO()
        call_command(name, *args, stdout=out)
        return " ".join(out.getvalue().split())

    return run


def jobs() -> dict[str, Job]:
    """Every registered job, the daily ones by their time of day, then the others."""
    autodiscover_modules("jobs")
    order = sorted(REGISTRY.values(), key=lambda j: (j.daily is None, j.daily or j.every))
    return {job.name: job for job in order}


def _claim(job: Job, now: datetime.datetime, force: bool) -> bool:
    JobState.objects.get_or_create(name=job.name, defaults={"next_due": now})
    free = Q(running_since__isnull=True) | Q(running_since__lt=now - STALE)
    due = Q() if force else Q(next_due__lte=now)
    return bool(JobState.objects.filter(free, due, name=job.name).update(running_since=now))


def run_job(job: Job) -> JobRun:
    started = timezone.now()
    try:
        summary, ok = job.run(), True
    except Exception as e:  # a failing job is recorded, the others still run
        log.error("job %s failed:\n%s", job.name, traceback.format_exc())
        # The type and first line only: a database error's detail can quote values.
        summary, ok = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}", False
    finished = timezone.now()
    next_due = job.next_after(started) if ok else min(job.next_after(started), started + RETRY)
    run = JobRun.objects.create(name=job.name, started_at=started, finished_at=finished,
                                ok=ok, summary=summary[:2000])
    JobState.objects.filter(name=job.name).update(next_due=next_due, running_since=None)
    return run


def run_due(only: str | None = None) -> list[JobRun]:
    """Run every job that is due (or the one named, due or not) and not running elsewhere."""
    runs = []
    for job in jobs().values():
        if only and job.name != only:
            continue
        if _claim(job, timezone.now(), force=bool(only)):
            runs.append(run_job(job))
    return runs


def overview() -> list[dict]:
    """Each job with its last run, next due time and recent failures, for the admin page."""
    states = {s.name: s for s in JobState.objects.all()}
    rows = []
    for job in jobs().values():
        runs = JobRun.objects.filter(name=job.name)
        state = states.get(job.name)
        rows.append({
            "job": job,
            "last": runs.first(),
            "next_due": state.next_due if state else None,
            "running_since": state.running_since if state else None,
            "failures": list(runs.filter(ok=False)[:5]),
        })
    return rows


def _backup() -> str:
    path = backup.write(settings.SPOR_BACKUP_DIR)
    gone = backup.prune(settings.SPOR_BACKUP_DIR, settings.SPOR_BACKUP_KEEP)
    return f"Wrote {path}; deleted {len(gone)} older backups."


register("backup", _("Back up the database and the uploaded media"), _backup,
         daily=datetime.time(3, 0))
