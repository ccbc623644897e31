from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.module_loading import import_string

from spor.accounts.models import Service
from spor.lib.csvimport import run_import
from spor.measures import state
from spor.reports import kept

# The files of FORMATS.md, in the order they depend on each other. Apps add theirs here.
FILES = ["spor.clients.imports.ClientsFile", "spor.treatment.imports.CoursesFile",
         "spor.treatment.imports.SessionsFile", "spor.measures.imports.RatingsFile",
         "spor.tracking.imports.UseDiaryFile",
         "spor.programmes.imports.ParentCoursesFile",
         "spor.programmes.imports.ParentParticipantsFile",
         "spor.programmes.imports.ParentFollowupsFile"]


class Command(BaseCommand):
    help = ("Import a folder of CSV files (FORMATS.md) in one transaction: nothing is written "
            "if any row has a problem; importing the same folder again changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument("--service", help="Name of the service to import into. Needed "
                                              "only when the installation has several.")

    def handle(self, *args, folder, service, **options):
        call_command("migrate", verbosity=0, interactive=False)
        files = [import_string(path)() for path in FILES]
        with translation.override("en"):
            ctx = run_import(folder, files, lambda: self.service(service), after=refresh,
                             writing=kept.counted_as_one)
        if ctx.problems:
            for problem in ctx.problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(ctx.problems)} problem(s) found; nothing was imported.")
        for handler in files:
            counts = ctx.counts.get(handler.name)
            if counts:
                summary = ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
                self.stdout.write(f"{handler.name}: {summary}")
        self.stdout.write(self.style.SUCCESS(f"Imported into {ctx.service}."))

    def service(self, name):
        """The service to import into; one made here is rolled back with a refused import."""
        if name:
            found = Service.objects.filter(name=name).first()
            if found is None and Service.objects.exists():
                raise CommandError(f"No service is called {name!r}.")
            return found or Service.objects.create(name=name)
        services = list(Service.objects.order_by("pk")[:2])
        if len(services) > 1:
            raise CommandError("This installation has several services: choose one with "
                               "--service NAME.")
        return services[0] if services else Service.only()


def refresh(ctx) -> None:
    """Work out the stored FIT state of the courses that rows written in bulk belong to:
    those rows send no signals. A row that changes a stored one is saved as a model, and
    its signals have refreshed its course already; an unchanged row changes nothing."""
    courses = sorted(ctx.courses)
    for start in range(0, len(courses), state.CHUNK):
        state.refresh(courses[start:start + state.CHUNK])
