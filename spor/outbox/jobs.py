import datetime

from django.utils.translation import gettext_lazy as _

from spor.operations.jobs import command, register

register("outbox", _("Send due rating and survey links and reminders"),
         command("send_outbox"), every=datetime.timedelta(minutes=5))
