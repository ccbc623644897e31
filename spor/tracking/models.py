"""The use diary (timeline follow-back) and the devices paired to send it.

A diary entry answers, for one young person, one day and one substance: used (an amount
in a unit, or an unknown amount), not used, or not known. A day with no entry was never
asked about; that is different from "not known". Entries come from the clinician's week
grid, from a paired app, or from the import.
"""

import datetime
import decimal
import hashlib
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, ExpressionWrapper, OuterRef, Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from spor.lib import bulk
from spor.lib.dates import future_errors
from spor.treatment.models import Substance

D = decimal.Decimal


class Unit(models.TextChoices):
    GRAM = "gram", _("gram")
    JOINT = "joint", _("joint")
    # The Danish "genstand": 12 g of alcohol (a bottle of beer, a glass of wine).
    STANDARD_DRINK = "standard_drink", _("standard drink (12 g alcohol)")
    PILL = "pill", _("pill")
    OCCASION = "occasion", _("occasion")


# Short unit labels for the week grid and the charts.
UNIT_SHORT = {Unit.GRAM: _("g"), Unit.JOINT: _("joints"), Unit.STANDARD_DRINK: _("drinks"),
              Unit.PILL: _("pills"), Unit.OCCASION: _("times")}

# Which units a substance may be counted in (the first is the grid's default), the step
# an amount must be a multiple of, and the largest amount of one entry. Amounts above the
# limit are typing mistakes, not use: 50 g of cannabis or 60 standard drinks in a day.
UNITS = {
    Substance.CANNABIS: (Unit.GRAM, Unit.JOINT, Unit.OCCASION),
    Substance.CANNABIS_PLUS: (Unit.GRAM, Unit.JOINT, Unit.PILL, Unit.OCCASION),
    Substance.PARTY_DRUGS: (Unit.PILL, Unit.GRAM, Unit.OCCASION),
    Substance.ALCOHOL: (Unit.STANDARD_DRINK, Unit.OCCASION),
    Substance.BENZODIAZEPINES: (Unit.PILL, Unit.OCCASION),
    Substance.METHADONE: (Unit.PILL, Unit.OCCASION),
    Substance.OPIOIDS: (Unit.PILL, Unit.GRAM, Unit.OCCASION),
    Substance.OTHER: (Unit.GRAM, Unit.PILL, Unit.OCCASION),
    Substance.UNKNOWN: (Unit.OCCASION,),
}
STEP = {Unit.GRAM: D("0.05"), Unit.JOINT: D("0.5"), Unit.STANDARD_DRINK: D("0.5"),
        Unit.PILL: D("0.5"), Unit.OCCASION: D("1")}
MAXIMUM = {Unit.GRAM: D("50"), Unit.JOINT: D("50"), Unit.STANDARD_DRINK: D("60"),
           Unit.PILL: D("50"), Unit.OCCASION: D("24")}
NOTE_LENGTH = 500


class Answer(models.TextChoices):
    USED = "used", _("Used")
    NOT_USED = "not_used", _("Not used")
    NOT_KNOWN = "not_known", _("Not known")


class Source(models.TextChoices):
    CLINICIAN = "clinician", _("Clinician")
    APP = "app", _("App")
    IMPORT = "import", _("Import")


def earliest_day(client) -> datetime.date:
    """The first day a young person can have a diary entry: birth (or the birth year)."""
    return client.birth_date or datetime.date(client.birth_year, 1, 1)


def answer_errors(client, day, substance, answer, amount, unit, note,
                  last_day: datetime.date | None = None) -> dict:
    """{field: message} for one answer; empty when it may be stored. DiaryEntry.clean()
    and the API's batches (which pass today once for a thousand entries) both use it."""
    errors = future_errors(last_day, date=day)
    if day and not errors:
        if day < earliest_day(client):
            errors["date"] = _("The date is before the young person was born.")
    if substance not in UNITS:
        errors["substance"] = _("Choose a substance from the list.")
    if answer == Answer.USED:
        errors.update(_amount_errors(substance, amount, unit))
    elif answer in (Answer.NOT_USED, Answer.NOT_KNOWN):
        if amount is not None:
            errors["amount"] = _("Leave the amount empty unless the substance was used.")
        if unit:
            errors["unit"] = _("Leave the unit empty unless the substance was used.")
    else:
        errors["answer"] = _("Answer used, not used or not known.")
    if len(note or "") > NOTE_LENGTH:
        errors["note"] = _("Write at most %(n)s characters.") % {"n": NOTE_LENGTH}
    return errors


def _amount_errors(substance, amount, unit) -> dict:
    if amount is None and not unit:
        return {}  # used, amount unknown
    if amount is None:
        return {"amount": _("Enter the amount too, or leave the unit empty.")}
    if not unit:
        return {"unit": _("Enter the unit of the amount.")}
    allowed = UNITS.get(substance, ())
    if unit not in allowed:
        return {"unit": _("%(substance)s is counted in %(units)s.") % {
            "substance": Substance(substance).label if substance in UNITS else substance,
            "units": ", ".join(str(Unit(u).label) for u in allowed)}}
    if not amount.is_finite() or amount <= 0:
        return {"amount": _("Enter an amount above 0, or answer \"not used\".")}
    if amount > MAXIMUM[unit]:
        return {"amount": _("%(amount)s is more than %(max)s %(unit)s in one day.") % {
            "amount": _number(amount), "max": _number(MAXIMUM[unit]),
            "unit": Unit(unit).label}}
    if amount % STEP[unit]:
        return {"amount": _("Enter the amount in steps of %(step)s %(unit)s.") % {
            "step": _number(STEP[unit]), "unit": Unit(unit).label}}
    return {}


# Said on the diary page, next to the flagged days; the rule is DiaryEntryQuerySet._counts.
COUNTING_RULE = _("Where the interview and the app disagree about a day, the interview's "
                  "answer counts: it replaces the app's for that day in the summary and the "
                  "chart. The app's answer stays stored, struck through here.")


class DiaryEntryQuerySet(models.QuerySet):
    @staticmethod
    def _counts() -> Q:
        """The one rule of which answer counts (COUNTING_RULE says it in words): the
        clinician's entry for a day and substance is the answer of that day (the interview
        corrects the app); without one, every entry of the app and the import counts."""
        by_clinician = DiaryEntry.objects.filter(
            client=OuterRef("client"), date=OuterRef("date"), substance=OuterRef("substance"),
            source=Source.CLINICIAN)
        return Q(source=Source.CLINICIAN) | ~Exists(by_clinician)

    def effective(self):
        """The entries that count: what the summary and the chart read."""
        return self.filter(self._counts())

    def marked(self):
        """Every entry, each with `counts` (True when it is an answer that counts): what
        the week grid reads, to flag where the app is overruled."""
        return self.annotate(counts=ExpressionWrapper(self._counts(),
                                                      output_field=models.BooleanField()))

    def used(self):
        return self.filter(answer=Answer.USED)

    def between(self, first: datetime.date, last: datetime.date):
        return self.filter(date__gte=first, date__lte=last)

    def insert(self, rows: list[dict]) -> None:
        """Insert many new, checked entries given as {attname: value}: an app sends up to
        1,000 at a time, without building a model for each (see spor.lib.bulk)."""
        bulk.insert(self.model, rows)


class DiaryEntry(models.Model):
    """One answer about one day and one substance. The id of an app's entry is made by
    the app, so that an upload sent twice is stored once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: the (client, date, substance) index below serves it.
    client = models.ForeignKey("clients.Client", models.CASCADE, related_name="diary_entries",
                               db_index=False)
    date = models.DateField(_("date"))
    substance = models.CharField(_("substance"), max_length=20, choices=Substance)
    answer = models.CharField(_("answer"), max_length=10, choices=Answer, default=Answer.USED)
    amount = models.DecimalField(_("amount"), max_digits=6, decimal_places=2, null=True,
                                 blank=True)
    unit = models.CharField(_("unit"), max_length=20, choices=Unit, blank=True)
    note = models.CharField(_("note"), max_length=NOTE_LENGTH, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source)
    device = models.ForeignKey("tracking.Device", models.SET_NULL, null=True, blank=True,
                               related_name="entries", verbose_name=_("device"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, editable=False, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = DiaryEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("diary entry")
        verbose_name_plural = _("use diary")
        ordering = ["date", "substance", "created_at"]
        constraints = [
            # The week grid holds one answer per day and substance.
            models.UniqueConstraint(fields=["client", "date", "substance"],
                                    condition=Q(source="clinician"),
                                    name="diary_one_clinician_answer_a_day"),
            # An imported row is keyed by what FORMATS.md gives: day, substance and unit.
            models.UniqueConstraint(fields=["client", "date", "substance", "unit"],
                                    condition=Q(source="import"),
                                    name="diary_one_imported_row_a_day"),
            models.CheckConstraint(name="diary_amount_with_unit", condition=(
                Q(amount__isnull=True, unit="") | Q(amount__gt=0, answer="used")
                & ~Q(unit=""))),
        ]
        indexes = [
            models.Index(fields=["client", "date", "substance"]),
            # An app lists its entries changed since its last sync.
            models.Index(fields=["client", "source", "updated_at", "id"]),
        ]

    def __str__(self):
        return f"{self.date} {self.substance} {self.answer}"

    def clean(self):
        """The rules of an entry, shared by the week grid, the API and the import.

        Expects `client` to be set (no query is made)."""
        errors = answer_errors(self.client, self.date, self.substance, self.answer,
                               self.amount, self.unit, self.note)
        if errors:
            raise ValidationError(errors)

    @property
    def amount_display(self) -> str:
        if self.answer != Answer.USED:
            return str(self.get_answer_display())
        if self.amount is None:
            return str(_("used, amount not known"))
        return f"{_number(self.amount)} {UNIT_SHORT[self.unit]}"


def _number(value: D) -> str:
    """A decimal as the language writes it (1,5 in Danish), without trailing zeros."""
    value = value.normalize()
    return formats.number_format(value, max(0, -value.as_tuple().exponent))


# Pairing and devices ------------------------------------------------------------------

# Codes are read aloud and typed on a phone: no 0/O, 1/I/L, and long enough that
# guessing one of the few open codes in its short life is hopeless with the rate limit.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
PAIRING_MINUTES = 15


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


class PairingCode(models.Model):
    """A short, single-use code a clinician makes so that the young person's app can pair.
    Only its hash is stored: the code is shown once, on the page that made it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey("clients.Client", models.CASCADE, related_name="pairing_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    device = models.OneToOneField("tracking.Device", models.SET_NULL, null=True, blank=True,
                                  related_name="pairing_code")

    class Meta:
        verbose_name = _("pairing code")
        verbose_name_plural = _("pairing codes")

    def __str__(self):
        return f"{self.client_id} {self.created_at:%Y-%m-%d %H:%M}"

    @classmethod
    def make(cls, client, user) -> tuple["PairingCode", str]:
        """A new code for the client; returns the row and the code to show (once)."""
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        now = timezone.now()
        row = cls.objects.create(client=client, code_hash=_hash(code), created_by=user,
                                 created_at=now,
                                 expires_at=now + datetime.timedelta(minutes=PAIRING_MINUTES))
        return row, code

    @staticmethod
    def shown(code: str) -> str:
        return f"{code[:4]}-{code[4:]}"

    @classmethod
    def open_for(cls, code: str):
        """The unused, unexpired code row for a code typed by someone, or None."""
        return (cls.objects.select_related("client")
                .filter(code_hash=_hash(normalise_code(code)), used_at__isnull=True,
                        expires_at__gt=timezone.now()).first())


class DeviceQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class Device(models.Model):
    """An app installation paired to one young person. Its token is stored hashed; the
    token is shown to the app once, when it pairs."""

    TOKEN_PREFIX = "spor_"  # noqa: S105 (a prefix that marks Spor tokens, not a secret)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey("clients.Client", models.CASCADE, related_name="devices")
    name = models.CharField(_("device"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    paired_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                  related_name="+", verbose_name=_("paired by"))
    paired_at = models.DateTimeField(_("paired"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+")

    objects = DeviceQuerySet.as_manager()

    class Meta:
        verbose_name = _("paired device")
        verbose_name_plural = _("paired devices")
        ordering = ["-paired_at"]

    def __str__(self):
        return self.name

    @classmethod
    def pair(cls, pairing: PairingCode, name: str) -> tuple["Device", str]:
        """Use up a pairing code: a device for its client and the token (shown once)."""
        token = cls.TOKEN_PREFIX + secrets.token_urlsafe(32)
        device = cls.objects.create(client=pairing.client, name=name,
                                    token_hash=_hash(token), paired_by=pairing.created_by)
        pairing.used_at, pairing.device = timezone.now(), device
        pairing.save(update_fields=["used_at", "device"])
        return device, token

    @classmethod
    def for_token(cls, token: str):
        if not token or not token.startswith(cls.TOKEN_PREFIX) or len(token) > 100:
            return None
        return (cls.objects.active().select_related("client")
                .filter(token_hash=_hash(token)).first())

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self, user) -> None:
        self.revoked_at, self.revoked_by = timezone.now(), user
        self.save(update_fields=["revoked_at", "revoked_by"])
