import importlib
import random

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.commands import runserver
from django.db import transaction
from django.utils import timezone

from spor.accounts.models import Service
from spor.lib.dates import today
from spor.lib.demo import DEMO_PASSWORD, DemoContext

DEMO_SERVICE = "Helsingung (demo)"
# Each app adds its part of the demo, in this order.
DEMO_MODULES = ["spor.accounts.demo", "spor.treatment.demo", "spor.measures.demo",
                "spor.programmes.demo", "spor.tracking.demo", "spor.public.demo",
                "spor.outbox.demo"]


class Command(BaseCommand):
    help = ("Create a demo service with two years of realistic data and start a local "
            "server. The data is made once and kept between runs; --reset erases it and "
            "makes it again.")

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-server", action="store_true",
                            help="Create the data and stop.")
        parser.add_argument("--reset", action="store_true",
                            help="Empty the database and make the demo again (refused when the "
                                 "database holds any service besides the demo).")
        parser.add_argument("--seed", type=int, default=2014)

    def handle(self, *args, port, no_server, seed, reset, **options):
        call_command("migrate", verbosity=0, interactive=False)
        if reset:
            self.erase()
        if Service.objects.filter(name=DEMO_SERVICE).exists():
            self.stdout.write("The demo data is already there (spor demo --reset makes it "
                              "again).")
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
            call_command(DemoServer(), f"127.0.0.1:{port}", use_reloader=False)

    def erase(self):
        """Empty the database, but only one that holds the demo service alone: --reset
        must never cost a real service its data."""
        others = Service.objects.exclude(name=DEMO_SERVICE).count()
        if others:
            raise CommandError(f"--reset empties the whole database, and this one holds "
                               f"{others} service(s) besides the demo: nothing was erased.")
        self.stdout.write("Erasing the demo data…")
        call_command("flush", verbosity=0, interactive=False)

    @transaction.atomic
    def populate(self, seed):
        service = Service.objects.create(name=DEMO_SERVICE, municipality="Helsingør")
        ctx = DemoContext(service=service, today=today(), rng=random.Random(seed))  # noqa: S311 - repeatable demo data
        for module in DEMO_MODULES:
            importlib.import_module(module).populate(ctx)


class DemoServer(runserver.Command):
    """Django's development server, announced with an ISO date and time instead of its
    American "December 01, 2026"."""

    def on_bind(self, server_port):
        self.stdout.write(f"{timezone.localtime():%Y-%m-%d %H:%M:%S}: the demo answers at "
                          f"http://{self.addr}:{server_port}/ (stop it with Ctrl-C).")
