from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class NationalFigure(models.Model):
    """A national figure the service compares itself with, entered with its source.

    Spor ships no national figures: sources differ by age group and year, and a number
    without its source would mislead.
    """

    service = models.ForeignKey("accounts.Service", models.CASCADE,
                                related_name="national_figures")
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    success_percent = models.PositiveSmallIntegerField(
        _("national success (stopped or reduced), percent"),
        validators=[MaxValueValidator(100)])
    source = models.CharField(
        _("source"), max_length=300,
        help_text=_("Where the figure comes from, e.g. the national treatment database, "
                    "its year and the group it covers."))
    note = models.CharField(_("note"), max_length=300, blank=True,
                            help_text=_("E.g. \"30–33 % for young people over 18\"."))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   editable=False, related_name="+")

    class Meta:
        verbose_name = _("national figure")
        verbose_name_plural = _("national figures")
        constraints = [models.UniqueConstraint(fields=["service", "year"],
                                               name="one_national_figure_a_year")]

    def __str__(self):
        return f"{self.year}: {self.success_percent} %"


class KeptReport(models.Model):
    """A statistics page's report as built, kept until the data it covers changes
    (spor.reports.kept). Figures only, suppressed as shown: never a name.

    The document and the compared year's are kept as the JSON text they were built as,
    not as jsonb, which sorts an object's keys: the order of a section's rows (outcomes,
    substances, kinds...) is the code's, the same on every visit and in every export."""

    service = models.ForeignKey("accounts.Service", models.CASCADE, related_name="+")
    key = models.CharField(max_length=64, unique=True)  # the service and the filters
    fingerprint = models.CharField(max_length=100, blank=True)
    built_at = models.DateTimeField(null=True)
    doc = models.TextField(null=True)  # JSON
    compare = models.TextField(null=True)  # JSON

    def __str__(self):
        return f"{self.key[:12]} ({self.built_at})"


class ReportChange(models.Model):
    """How often the rows a report counts changed, for one service, team and month
    (`unit`: year * 12 + month - 1), written by database triggers (migration 0003) on
    every write of a course, young person, FIT state, session or rating, whatever made it:
    the ORM, a bulk update, raw SQL or an import. The kept reports compare the sum of `n`
    over the months they count (spor.reports.kept). An import counts once under `unit`
    -1, every month and team (`kept.counted_as_one`).

    On PostgreSQL each transaction writes rows of its own (`tx`, its id), so that writers
    never wait for each other here; the page folds those of committed transactions into
    the row of `tx` 0 now and then, keeping the sum. SQLite has one writer at a time and
    counts in the row of `tx` 0 directly."""

    service = models.ForeignKey("accounts.Service", models.CASCADE, related_name="+",
                                db_constraint=False, db_index=False)
    team_id = models.BigIntegerField()  # a number only: a team deleted leaves its rows
    unit = models.IntegerField()
    tx = models.BigIntegerField(default=0)
    n = models.BigIntegerField(default=0)

    class Meta:
        db_table = "reports_change"  # named in the triggers
        constraints = [models.UniqueConstraint(fields=["service", "unit", "team_id", "tx"],
                                               name="report_change_once")]

    def __str__(self):
        return f"{self.service_id}/{self.team_id}/{self.unit}: {self.n}"
