import json
import math
import sys

from django.core.management.base import BaseCommand, CommandError, no_translations

from spor.accounts.models import Service
from spor.measures.models import ExpectedCourse


class Command(BaseCommand):
    help = ("Read JSON lines {\"intake\": 18.5, \"session\": 4} on standard input and write "
            "each with the service's expected course there: low, mid, high and n (null where "
            "there is no band). Session 1 is the intake session.")

    def add_arguments(self, parser):
        parser.add_argument("--service", required=True, help="The service (by name).")

    @no_translations
    def handle(self, *args, service, **options):
        found = Service.objects.filter(name=service).first()
        if found is None:
            raise CommandError(f"No service is called {service!r}.")
        expected = ExpectedCourse.objects.filter(service=found).first()
        model = expected.model() if expected is not None and expected.is_ready else None
        queries = [read(number, line) for number, line in enumerate(sys.stdin, 1)
                   if line.strip()]
        for query in queries:
            band = model.band(query["intake"], query["session"]) if model else None
            values = dict.fromkeys(("low", "mid", "high", "n"))
            if band is not None:
                values = {"low": band.low, "mid": band.mid, "high": band.high, "n": band.n}
            self.stdout.write(json.dumps({**query, **values}))


def read(number: int, line: str) -> dict:
    """One query, or a CommandError naming the line and the key at fault."""
    try:
        query = json.loads(line)
    except json.JSONDecodeError as e:
        raise CommandError(f"line {number}: not JSON ({e.msg}).") from None
    if not isinstance(query, dict):
        raise CommandError(f"line {number}: a JSON object is required.")
    intake, session = query.get("intake"), query.get("session")
    if not (isinstance(intake, int | float) and not isinstance(intake, bool)
            and math.isfinite(intake) and 0 <= intake <= 40):
        raise CommandError(f"line {number}: intake: a total from 0 to 40 is required.")
    if not (isinstance(session, int) and not isinstance(session, bool) and session >= 1):
        raise CommandError(f"line {number}: session: a whole number from 1 is required.")
    return query
