import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from spor.operations.jobs import register
from spor.tracking.models import PairingCode


def delete_expired_pairing_codes() -> str:
    """Unused pairing codes past their minutes; a used code stays as the record of the
    pairing it made."""
    deleted = PairingCode.objects.filter(used_at__isnull=True,
                                         expires_at__lte=timezone.now()).delete()[0]
    return f"Deleted {deleted} expired pairing codes."


register("expired_pairing_codes", _("Delete expired pairing codes for apps"),
         delete_expired_pairing_codes, every=datetime.timedelta(hours=1))
