from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from spor.operations import serve


class Command(BaseCommand):
    help = ("Run the production server (gunicorn) behind an HTTPS proxy. Refuses to start "
            "with DEBUG on or without SECRET_KEY, SPOR_DATA_KEY, ALLOWED_HOSTS and "
            "SPOR_HTTPS=true. SIGTERM stops it gracefully.")
    requires_system_checks = ["__all__"]

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=settings.SPOR_BIND,
                            help="Address and port (default SPOR_BIND, 127.0.0.1:8000).")

    def handle(self, *args, bind, **options):
        problems = serve.refusals()
        if problems:
            raise CommandError("spor serve will not start:\n  " + "\n  ".join(problems))
        workers, threads = serve.sizes()
        for caution in serve.cautions(workers):
            self.stderr.write(f"Warning: {caution}")
        self.stdout.write(f"Spor on http://{bind}/ with {workers} workers of {threads} "
                          f"threads; stop with SIGTERM or Ctrl-C.")
        self.stdout.flush()
        connections.close_all()  # none may cross the fork into the workers
        serve.Server(bind).run()
