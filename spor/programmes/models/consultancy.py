"""Consultancy for partner organisations, and the network group's case conferences.

Neither holds personal data: cases are discussed without names, and the forms warn
against writing any.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from spor.lib.dates import future_errors, short
from spor.programmes.models.common import ServiceScoped

NO_NAMES = _("Write no names, addresses, schools or other details that could tell who the "
             "young person or the family is.")


class ConsultancyActivity(models.Model):
    class Kind(models.TextChoices):
        SUPERVISION = "supervision", _("Supervision")
        COURSE = "course", _("Course or talk")
        STAFF_DAY = "staff_day", _("Staff day")
        CASE_SPARRING = "case_sparring", _("Case sparring")
        OTHER = "other", _("Other")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey("accounts.Service", models.CASCADE,
                                related_name="consultancy_activities")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    partner = models.CharField(_("partner"), max_length=150,
                               help_text=_("The organisation or unit, e.g. \"UU Øresund\"."))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1,
                                validators=[MinValueValidator(Decimal("0.5")),
                                            MaxValueValidator(24)])
    attendees = models.PositiveSmallIntegerField(
        _("partner staff taking part"), null=True, blank=True,
        validators=[MaxValueValidator(1000)])
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                   verbose_name=_("our staff"))
    topic = models.CharField(_("topic"), max_length=300, blank=True, help_text=NO_NAMES)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ServiceScoped.as_manager()

    class Meta:
        verbose_name = _("consultancy activity")
        verbose_name_plural = _("consultancy activities")
        ordering = ["-date", "-created_at"]
        indexes = [models.Index(fields=["service", "date"])]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.partner}"

    def clean(self):
        if errors := future_errors(date=self.date):
            raise ValidationError(errors)


class CaseConference(models.Model):
    """A monthly meeting of the network group on complex cases involving substances."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey("accounts.Service", models.CASCADE,
                                related_name="case_conferences")
    date = models.DateField(_("date"))
    units_present = models.CharField(
        _("units present"), max_length=300,
        help_text=_("The units, not the people, e.g. \"Lokalcentret, Myndighed, SSPK, "
                    "Helsingung\"."))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ServiceScoped.as_manager()

    class Meta:
        verbose_name = _("case conference")
        verbose_name_plural = _("case conferences")
        ordering = ["-date"]

    def __str__(self):
        return _("Case conference %(day)s") % {"day": short(self.date)}

    def clean(self):
        if errors := future_errors(date=self.date):
            raise ValidationError(errors)


class ConferenceCase(models.Model):
    """One case discussed, anonymised: a short summary and the advice given."""

    conference = models.ForeignKey(CaseConference, models.CASCADE, related_name="cases")
    summary = models.TextField(_("the case, anonymised"), max_length=1000,
                               help_text=NO_NAMES)
    advice = models.TextField(_("advice given"), max_length=1000, help_text=NO_NAMES)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["pk"]

    def __str__(self):
        return self.summary[:60]
