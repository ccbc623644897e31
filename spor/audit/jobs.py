import datetime

from django.utils.translation import gettext_lazy as _

from spor.audit.models import erase_past_retention
from spor.operations.jobs import register


def retention() -> str:
    return f"Deleted {erase_past_retention()} access-log rows past the retention period."


register("access_log_retention", _("Delete access-log rows past the retention period"),
         retention, daily=datetime.time(1, 30))
