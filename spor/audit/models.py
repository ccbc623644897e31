from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessLog(models.Model):
    """Who saw which young person's personal data, when, what and why.

    Written by the view that shows the data. The client link has no database constraint
    so that the log outlives a purged client. Never put names or CPR numbers in `what`.
    """

    class Purpose(models.TextChoices):
        TREATMENT = "treatment", _("Treatment")
        CASELOAD = "caseload", _("Caseload overview")
        SEARCH = "search", _("Search")
        REGISTRATION = "registration", _("Registration")
        CONVERSION = "conversion", _("Conversion from anonymous")
        IDENTITY_CHECK = "identity_check", _("Identity check")
        REFERRAL = "referral", _("Referral or notification")
        DATA_REQUEST = "data_request", _("Request for access (GDPR art. 15)")
        EXPORT = "export", _("Export")
        RATING = "rating", _("Rating by the young person")
        APP = "app", _("Tracking app")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                             related_name="+")
    username = models.CharField(max_length=150)
    client = models.ForeignKey("clients.Client", models.DO_NOTHING, db_constraint=False,
                               related_name="+")
    what = models.CharField(max_length=200)
    purpose = models.CharField(max_length=20, choices=Purpose)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at"]
        indexes = [models.Index(fields=["client", "at"])]


def log_access(user, clients, what: str, purpose: str) -> None:
    """Write one row per client shown. Takes a client or an iterable; one query."""
    if not isinstance(clients, Iterable):
        clients = [clients]
    rows = [
        AccessLog(user=user if user and user.is_authenticated else None,
                  username=getattr(user, "username", "") or "",
                  client_id=client.pk, what=what, purpose=purpose)
        for client in clients
    ]
    if rows:
        AccessLog.objects.bulk_create(rows)
