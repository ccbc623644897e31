import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spor.audit.models import SentForm, erase_past_retention
from spor.operations.jobs import register


def retention() -> str:
    return f"Deleted {erase_past_retention()} access-log rows past the retention period."


register("access_log_retention", _("Delete access-log rows past the retention period"),
         retention, daily=datetime.time(1, 30))


def forget_sent_forms() -> str:
    forgotten = SentForm.objects.filter(at__lt=timezone.now() - SentForm.KEPT).delete()[0]
    return f"Forgot {forgotten} one-time form tokens older than a day."


register("sent_form_tokens", _("Forget one-time form tokens older than a day"),
         forget_sent_forms, every=datetime.timedelta(hours=1))
