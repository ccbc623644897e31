"""Outreach work (opsøgende arbejde): counted contacts, the volunteers who go, and who pays.

Outreach is reported to grant givers in numbers only. No contact holds a young person's or
a family's name: the forms say so, and there is no field where one belongs.
"""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from spor.accounts.models import Team
from spor.lib.dates import future_errors, short
from spor.programmes.models.common import ServiceScoped

NO_NAMES = _("Never the names of young people or families.")


class OutreachQuerySet(ServiceScoped):
    kind = Team.Kind.OUTREACH

    def between(self, start: datetime.date, end: datetime.date):
        return self.filter(date__gte=start, date__lte=end)


class Volunteer(models.Model):
    """A member of the volunteer corps. Adults who work with the service, not clients."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey("accounts.Service", models.CASCADE, related_name="volunteers")
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(pgettext_lazy("volunteer", "active"), default=True)

    objects = OutreachQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["-active", "name"]
        constraints = [models.UniqueConstraint(fields=["service", "name"],
                                               name="volunteer_name_unique")]

    def __str__(self):
        return self.name


class FundingSource(models.Model):
    """Who pays for outreach: a ministry pool, a foundation, the municipality."""

    class Kind(models.TextChoices):
        MINISTRY_POOL = "ministry_pool", _("Ministry pool")
        FOUNDATION = "foundation", _("Foundation")
        MUNICIPALITY = "municipality", _("Municipality")
        OTHER = "other", _("Other")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey("accounts.Service", models.CASCADE,
                                related_name="funding_sources")
    name = models.CharField(_("name"), max_length=150,
                            help_text=_("As the grant giver names the grant."))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    giver = models.CharField(_("grant giver"), max_length=150, blank=True)
    reference = models.CharField(_("case or journal number"), max_length=60, blank=True)

    objects = OutreachQuerySet.as_manager()

    class Meta:
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["service", "name"],
                                               name="funding_source_name_unique")]

    def __str__(self):
        return self.name

    def grants_between(self, start, end):
        return [g for g in self.grants.all() if g.starts <= end and g.ends >= start]


class Grant(models.Model):
    source = models.ForeignKey(FundingSource, models.CASCADE, related_name="grants")
    starts = models.DateField(_("from"))
    ends = models.DateField(_("to"))
    amount = models.DecimalField(_("amount (DKK)"), max_digits=12, decimal_places=2,
                                 validators=[MinValueValidator(0)])
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["starts"]

    def __str__(self):
        return f"{short(self.starts)}–{short(self.ends)}"

    def clean(self):
        if self.starts and self.ends and self.ends < self.starts:
            raise ValidationError({"ends": _("The grant period ends before it begins.")})


class OutreachContact(models.Model):
    """One outing: where, who went, how many young people and families were reached."""

    class Place(models.TextChoices):
        CLUB = "club", _("Youth club")
        SCHOOL = "school", _("School")
        CULTURE_HOUSE = "culture_house", _("Culture house")
        FAMILY_VISIT = "family_visit", _("Family visit")
        OPEN_EVENT = "open_event", _("Open event")
        STREET = "street", _("Street")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey("accounts.Service", models.CASCADE,
                                related_name="outreach_contacts")
    date = models.DateField(_("date"))
    place_kind = models.CharField(_("kind of place"), max_length=20, choices=Place)
    place = models.CharField(_("place"), max_length=100, blank=True,
                             help_text=format_lazy("{} {}", _("The club, school or area, e.g. "
                                                            "\"Klub Nord\"."), NO_NAMES))
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                   related_name="outreach_contacts", verbose_name=_("staff"))
    volunteers = models.ManyToManyField(Volunteer, blank=True, related_name="contacts",
                                        verbose_name=_("volunteers"))
    other_volunteers = models.PositiveSmallIntegerField(
        _("other volunteers (number)"), default=0, validators=[MaxValueValidator(100)],
        help_text=_("Volunteers who went but are not on the list."))
    young_people = models.PositiveSmallIntegerField(_("young people reached"), default=0,
                                                    validators=[MaxValueValidator(2000)])
    families = models.PositiveSmallIntegerField(_("families reached"), default=0,
                                                validators=[MaxValueValidator(500)])
    referrals_service = models.PositiveSmallIntegerField(
        _("referred to the service"), default=0, validators=[MaxValueValidator(500)],
        help_text=_("Young people or families who were helped on to a talk here."))
    referrals_other = models.PositiveSmallIntegerField(
        _("referred to other municipal help"), default=0, validators=[MaxValueValidator(500)])
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1, null=True,
                                blank=True,
                                validators=[MinValueValidator(0), MaxValueValidator(24)])
    funding = models.ManyToManyField(FundingSource, blank=True, related_name="contacts",
                                     verbose_name=_("funded by"))
    note = models.TextField(_("note"), max_length=1000, blank=True,
                            help_text=format_lazy("{} {}", _("What happened, in a few words."),
                                                NO_NAMES))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OutreachQuerySet.as_manager()

    class Meta:
        verbose_name = _("outreach contact")
        verbose_name_plural = _("outreach contacts")
        ordering = ["-date", "-created_at"]
        indexes = [models.Index(fields=["service", "date"])]

    def __str__(self):
        return f"{self.get_place_kind_display()} {short(self.date)}"

    def clean(self):
        errors = future_errors(date=self.date)
        reached = (self.young_people or 0) + (self.families or 0)
        if (self.referrals_service or 0) + (self.referrals_other or 0) > reached:
            errors["referrals_service"] = _(
                "More referrals than young people and families reached.")
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def sources_on(service, day):
        """Funding sources with a grant that covers the day: the form's suggestion."""
        return FundingSource.objects.filter(
            Q(grants__starts__lte=day) & Q(grants__ends__gte=day), service=service).distinct()
