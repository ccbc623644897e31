import csv
import datetime
from collections.abc import Iterable

from django.apps import apps
from django.conf import settings
from django.db import connections, models
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from spor.lib.dates import add_months


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


class AccessRecord(models.Model):
    """Who saw whose personal data, when, what and why: the fields every access log
    shares. A concrete log adds a `subject` foreign key without a database constraint, so
    that the log outlives what it names. Never put names or CPR numbers in `what`."""

    Purpose = Purpose

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                             related_name="+")
    username = models.CharField(max_length=150)
    what = models.CharField(max_length=200)
    purpose = models.CharField(max_length=20, choices=Purpose)

    class Meta:
        abstract = True
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username}"

    @classmethod
    def write(cls, user, subjects, what: str, purpose: str) -> None:
        """One row per subject shown; takes one or an iterable; one query."""
        if not isinstance(subjects, Iterable):
            subjects = [subjects]
        field = cls.subject + "_id"
        user_id = user.pk if user and user.is_authenticated else None
        username = getattr(user, "username", "") or ""
        rows = [cls(user_id=user_id, username=username, what=what, purpose=purpose,
                    **{field: subject.pk})
                for subject in subjects]
        if not rows:
            return
        fields = [f for f in cls._meta.concrete_fields if not f.primary_key]
        if len(rows) <= connections[cls.objects.db].ops.bulk_batch_size(fields, rows):
            # One INSERT is atomic by itself: bulk_create's transaction would add a BEGIN
            # and a COMMIT, two more round trips, to every page that shows a young person.
            cls.objects._insert(rows, fields=fields)
        else:
            cls.objects.bulk_create(rows)

    @classmethod
    def export_csv(cls, subject, filename: str) -> HttpResponse:
        """One subject's log as a CSV download, as the person may request (GDPR art. 15).
        The caller checks access and logs the export itself."""
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        writer = csv.writer(response)
        writer.writerow([gettext("Time"), gettext("Staff member"), gettext("What"),
                         gettext("Purpose")])
        purposes = dict(Purpose.choices)
        rows = cls.objects.filter(**{cls.subject: subject}).order_by("at").select_related("user")
        for row in rows.iterator():
            writer.writerow([timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M"),
                             str(row.user) if row.user else row.username,
                             gettext(row.what), purposes.get(row.purpose, row.purpose)])
        return response


class AccessLog(AccessRecord):
    """Who saw which young person's personal data. Written by the view that shows it."""

    subject = "client"
    client = models.ForeignKey("clients.Client", models.DO_NOTHING, db_constraint=False,
                               related_name="+")

    class Meta(AccessRecord.Meta):
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [models.Index(fields=["client", "at"])]


def log_access(user, clients, what: str, purpose: str) -> None:
    """Write one row per client shown. Takes a client or an iterable; one query."""
    AccessLog.write(user, clients, what, purpose)


def erase_past_retention(now=None) -> int:
    """Delete the rows of every access log from before the retention period
    (SPOR_ACCESS_LOG_RETENTION_MONTHS, counted back from the start of today)."""
    day = add_months(timezone.localdate(now), -settings.SPOR_ACCESS_LOG_RETENTION_MONTHS)
    cutoff = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    logs = [m for m in apps.get_models() if issubclass(m, AccessRecord)]
    return sum(log.objects.filter(at__lt=cutoff).delete()[0] for log in logs)


class SentForm(models.Model):
    """A one-time token of a form that was sent and acted on (spor.lib.once), and where
    its answer sent the user, so that the same form sent again lands there instead of
    creating a second young person. Kept a day (the `sent_form_tokens` job)."""

    KEPT = datetime.timedelta(days=1)

    token = models.CharField(max_length=40, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, null=True,
                             related_name="+")
    location = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return self.location or self.token

    @classmethod
    def claim(cls, token: str, user) -> bool:
        """Store `token` as sent by `user`, unless it is already stored (False). One
        statement: an INSERT that does nothing on a conflict waits, as the unique key does,
        for a transaction inserting the same token, and needs no savepoint (two more round
        trips on every form sent) to go on in the request's transaction after it."""
        connection = connections[cls.objects.db]
        at = cls._meta.get_field("at").get_db_prep_value(timezone.now(), connection)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO audit_sentform (token, user_id, location, at) "
                "VALUES (%s, %s, '', %s) ON CONFLICT (token) DO NOTHING",
                [token, user.pk if user else None, at])
            return cursor.rowcount == 1
