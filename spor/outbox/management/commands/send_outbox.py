from django.core.management.base import BaseCommand

from spor.outbox.queue import forget_expired, queue_reminders, queue_surveys
from spor.outbox.sending import send_due


class Command(BaseCommand):
    help = ("Queue the parent survey links and reminders that are due, then send every due "
            "message of the outbox. Safe to run again and beside another sender.")

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=200,
                            help="Messages claimed at a time (default 200).")
        parser.add_argument("--limit", type=int, default=None,
                            help="Stop after trying this many messages.")
        parser.add_argument("--send-only", action="store_true",
                            help="Send what is queued; queue no surveys or reminders.")

    def handle(self, *args, batch, limit, send_only, **options):
        if batch < 1 or (limit is not None and limit < 1):
            self.stderr.write("--batch and --limit must be 1 or more.")
            raise SystemExit(2)
        surveys = reminders = 0
        if not send_only:
            forget_expired()
            surveys, reminders = queue_surveys(), queue_reminders()
        counts = send_due(batch=batch, limit=limit)
        self.stdout.write(
            f"Queued {surveys} survey links and {reminders} reminders; sent {counts['sent']}, "
            f"to try again {counts['queued']}, given up {counts['failed']}, "
            f"not sent {counts['cancelled']}.")
