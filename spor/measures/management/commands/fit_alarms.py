import json

from django.core.management.base import BaseCommand, CommandError, no_translations

from spor.accounts.models import Service
from spor.measures import alarms

FORMATS = ("json", "csv")


class Command(BaseCommand):
    help = ("Every active course of a service with its course_ref (as imported, empty for "
            "courses made in the web pages), its open FIT alarms (kind, session, value, "
            "expected) and the responses recorded to them: the same list the leader's FIT "
            "meeting page reads.")

    def add_arguments(self, parser):
        parser.add_argument("--service", required=True, help="The service (by name).")
        # Checked in handle(), so a wrong value gets the command's own message.
        parser.add_argument("--format", default="json", help="json (default) or csv.")

    @no_translations
    def handle(self, *args, service, format, **options):
        if format not in FORMATS:
            raise CommandError(f"--format: {format!r} is not one of json, csv.")
        found = Service.objects.filter(name=service).first()
        if found is None:
            raise CommandError(f"No service is called {service!r}.")
        rows = alarms.listing(found)
        if format == "csv":
            self.stdout.write(alarms.as_csv(rows), ending="")
        else:
            self.stdout.write(json.dumps(alarms.as_json(rows), ensure_ascii=False, indent=1))
