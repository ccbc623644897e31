import datetime

from django.utils.translation import gettext_lazy as _

from spor.operations.jobs import command, register


def _rating_links() -> str:
    from spor.outbox.queue import queue_auto_rating_links

    counts = queue_auto_rating_links()
    return f"Queued {counts['links']} rating links after sessions in {counts['messages']} messages."


register("rating_links", _("Queue rating links after sessions, where the service chose it"),
         _rating_links, every=datetime.timedelta(minutes=5))
register("outbox", _("Send due rating and survey links and reminders"),
         command("send_outbox"), every=datetime.timedelta(minutes=5))
