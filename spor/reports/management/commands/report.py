import datetime
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from spor.accounts.models import Service, Team
from spor.reports import render
from spor.reports.build import make_report

FORMATS = ["json", "csv", "xlsx", "html", "pdf"]


def date(option, value):
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: {value!r} is not a date as YYYY-MM-DD") from None


class Command(BaseCommand):
    help = ("Build the yearly statistics from registered data. A course counts in the year "
            "it ended. Small cells are suppressed in every format.")
    # The checks load every URL and view (SAML's XML schemas alone take seconds and tens
    # of megabytes); a report needs none of them, and `spor check` runs them all.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int,
                            help="The year (default with --from and --to: the year of --to)")
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument("--service", help="Name of one service (default: all services)")
        parser.add_argument("--team", help="Name of one team of the service")
        parser.add_argument("--from", dest="start", help="First day (default 1 January)")
        parser.add_argument("--to", dest="end", help="Last day (default 31 December)")
        parser.add_argument("--compare", type=int, help="A second year to show beside it")
        parser.add_argument("--threshold", type=int,
                            help="Smallest count shown (at least 3; default: the "
                                 "service's setting)")
        parser.add_argument("--output", help="Write to this file instead of standard output")

    def handle(self, *args, year, format, service, team, start, end, compare, threshold,
               output, **options):
        start, end = date("--from", start), date("--to", end)
        if year is None:
            if not (start and end):
                raise CommandError("--year: give a year, or a period with both --from and --to")
            year = end.year
        if not 1900 <= year <= 2200:
            raise CommandError(f"--year: {year} is not a year")
        if threshold is not None and threshold < 3:
            raise CommandError("--threshold: must be at least 3")
        chosen = self.service(service)
        chosen_team = self.team(chosen, team)
        first, last = start or datetime.date(year, 1, 1), end or datetime.date(year, 12, 31)
        if first > last:
            raise CommandError(f"--from: {first} is after the end of the period, {last}")
        with translation.override("da"):
            doc = make_report(year, chosen, chosen_team, start, end, threshold)
            other = (make_report(compare, chosen, chosen_team, threshold=threshold)
                     if compare else None)
            name = chosen.name if chosen else "Spor"
            data = render.as_format(doc, format, name, other)
        self.write(data, output)

    def write(self, data, output):
        if output:
            mode = "wb" if isinstance(data, bytes) else "w"
            with open(output, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
                f.write(data)
        elif isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            self.stdout.write(data)

    def service(self, name):
        if not name:
            return None
        found = Service.objects.filter(name=name).first()
        if found is None:
            raise CommandError(f"--service: no service is called {name!r}")
        return found

    def team(self, service, name):
        if not name:
            return None
        if service is None:
            raise CommandError("--team: choose the service too (--service)")
        found = Team.objects.filter(service=service, name=name).first()
        if found is None:
            raise CommandError(f"--team: the service has no team called {name!r}")
        return found
