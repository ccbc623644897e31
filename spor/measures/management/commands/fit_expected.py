import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations

from spor.accounts.models import Service
from spor.measures import expected


class Command(BaseCommand):
    help = ("Learn each service's expected course from its closed courses (run it nightly; "
            "running it again just refits), or load a licensed trajectory model from a file.")

    def add_arguments(self, parser):
        parser.add_argument("--service", help="Only this service (by name).")
        parser.add_argument("--from-file", type=Path, dest="path",
                            help="A licensed trajectory model as JSON (see docs/fit.md).")
        parser.add_argument("--replace-file-model", action="store_true",
                            help="Learn from the service's own courses even where a model "
                                 "from a file is in use.")

    @no_translations  # operator messages in English, as the import command's
    def handle(self, *args, service, path, replace_file_model, **options):
        services = Service.objects.order_by("name")
        if service:
            services = services.filter(name=service)
            if not services.exists():
                raise CommandError(f"No service is called {service!r}.")
        if path:
            return self.load(services, path)
        minimum = settings.SPOR_EXPECTED_MIN_COURSES
        for each in services:
            done = expected.refit(each, replace_file_model)
            if done.kept_file_model:
                self.stdout.write(f"{each}: kept the model from a file "
                                  f"({done.expected.name}); --replace-file-model to learn.")
                continue
            n = done.expected.n_courses
            state = "the band is drawn" if n >= minimum else \
                f"no band is drawn until {minimum} courses"
            self.stdout.write(f"{each}: learned from {n} closed courses with two or more "
                              f"ratings ({done.doubtful} zig-zagging left out); {state}.")

    def load(self, services, path):
        if services.count() != 1:
            raise CommandError("Choose the service with --service NAME to load a model into.")
        try:
            params = json.loads(path.read_text(encoding="utf-8"))
        except OSError as e:
            raise CommandError(f"{path}: cannot be read ({e.strerror}).") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CommandError(f"{path}: not JSON text ({e}).") from None
        try:
            loaded = expected.load(services.get(), params)
        except ValidationError as e:
            problems = [f"{path}: {key}: {' '.join(messages)}"
                        for key, messages in e.message_dict.items()]
            raise CommandError("\n".join(problems)) from None
        self.stdout.write(f"{loaded.service}: the trajectory model {loaded.name!r} is loaded.")
