from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from spor.operations import jobs


class Command(BaseCommand):
    help = ("Run each scheduled job that is due (purge of the public page's data, the "
            "nightly refit of the expected course, access-log retention, expired rating "
            "links, the backup). Run it every few minutes; two at once never run a job twice.")

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="Show the jobs and stop.")
        parser.add_argument("--run", metavar="NAME", help="Run this job now, due or not.")

    def handle(self, *args, list, run, **options):
        registry = jobs.jobs()
        if run and run not in registry:
            raise CommandError(f"No job is called {run!r}; there are: {', '.join(registry)}.")
        if list:
            for row in jobs.overview():
                job, last = row["job"], row["last"]
                when = f"{timezone.localtime(last.started_at):%Y-%m-%d %H:%M} " \
                       f"{'ok' if last.ok else 'FAILED'}" if last else "never run"
                due = f"{timezone.localtime(row['next_due']):%Y-%m-%d %H:%M}" \
                    if row["next_due"] else "now"
                self.stdout.write(f"{job.name:<20} {job.schedule:<18} last: {when:<24} "
                                  f"next: {due}")
            return
        runs = jobs.run_due(only=run)
        for done in runs:
            state = "ok" if done.ok else "FAILED"
            self.stdout.write(f"{done.name}: {state} in {done.seconds:.1f} s: {done.summary}")
        if not runs:
            self.stdout.write("No job is due.")
        failed = [done.name for done in runs if not done.ok]
        if failed:
            raise CommandError(f"Failed: {', '.join(failed)} (see the log above).")
