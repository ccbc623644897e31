from django.core.management.base import BaseCommand, no_translations

from spor.measures import state


class Command(BaseCommand):
    help = ("Work out every course's stored FIT state (alarms, change class, latest scores) "
            "from scratch. Safe to run again at any time; needed after a change of the FIT "
            "settings (SPOR_ZIGZAG_*, SPOR_EXPECTED_*) or rows written without the models.")

    @no_translations
    def handle(self, *args, **options):
        count = state.rebuild()
        self.stdout.write(f"FIT state worked out for {count} courses.")
