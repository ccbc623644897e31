import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spor.accounts.models import SignInRefusal
from spor.operations.jobs import register


def forget_refusals() -> str:
    """A refused sign-in names the person as the provider gave it: kept only as long as
    the administrators need it to find out why."""
    before = timezone.now() - datetime.timedelta(days=settings.SPOR_SIGN_IN_REFUSAL_DAYS)
    deleted = SignInRefusal.objects.filter(at__lt=before).delete()[0]
    return f"Deleted {deleted} refused sign-ins older than the retention period."


register("sign_in_refusals", _("Delete refused sign-ins past their retention period"),
         forget_refusals, daily=datetime.time(1, 45))
