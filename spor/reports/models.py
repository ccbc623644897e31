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
    (spor.reports.kept). Figures only, suppressed as shown: never a name."""

    service = models.ForeignKey("accounts.Service", models.CASCADE, related_name="+")
    key = models.CharField(max_length=64, unique=True)  # the service and the filters
    fingerprint = models.CharField(max_length=100, blank=True)
    built_at = models.DateTimeField(null=True)
    doc = models.JSONField(null=True)
    compare = models.JSONField(null=True)

    def __str__(self):
        return f"{self.key[:12]} ({self.built_at})"
