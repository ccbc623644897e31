import importlib
import random

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from spor.accounts.models import Service
from spor.lib.dates import today
from spor.lib.demo import DEMO_PASSWORD, DemoContext

DEMO_SERVICE = "Helsingung (demo)"
# Each app adds its part of the demo, in this order.
DEMO_MODULES = ["spor.accounts.demo", "spor.treatment.demo", "spor.measures.demo",
                "spor.programmes.demo", "spor.tracking.demo", "spor.public.demo"]


class Command(BaseCommand):
    help = "Create a demo service with two years of realistic data and start a local server."

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-server", action="store_true",
                            help="Create the data and stop.")
        parser.add_argument("--seed", type=int, default=2014)

    def handle(self, *args, port, no_server, seed, **options):
        call_command("migrate", verbosity=0, interactive=False)
        if Service.objects.filter(name=DEMO_SERVICE).exists():
            self.stdout.write("The demo data is already there.")
        else:
            self.stdout.write("Creating the demo service (this takes a moment)…")
            self.populate(seed)
        self.stdout.write(self.style.SUCCESS(
            f"\nSpor demo: open http://127.0.0.1:{port}/ and log in as\n"
            f"  behandler / {DEMO_PASSWORD}   (clinician)\n"
            f"  leder / {DEMO_PASSWORD}       (team leader)\n"
            f"  laerer / {DEMO_PASSWORD}      (teacher, day team)\n"
            f"  analytiker / {DEMO_PASSWORD}  (analyst: statistics only)\n"
            f"  admin / {DEMO_PASSWORD}       (administrator: staff)\n"))
        if not settings.SPOR_REQUIRE_2FA:
            self.stdout.write("Two-factor login is off for the demo (SPOR_REQUIRE_2FA=0).")
        if not no_server:
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)

    @transaction.atomic
    def populate(self, seed):
        service = Service.objects.create(name=DEMO_SERVICE, municipality="Helsingør")
        ctx = DemoContext(service=service, today=today(), rng=random.Random(seed))  # noqa: S311 - repeatable demo data
        for module in DEMO_MODULES:
            importlib.import_module(module).populate(ctx)
