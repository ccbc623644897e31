import datetime
import functools
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Value,
)
from django.db.models.functions import Coalesce, Concat, Lower, NullIf, Trim
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from spor.accounts.models import may_see_clients
from spor.lib import cpr as cprlib
from spor.lib import crypto
from spor.lib.dates import add_months, future_errors, today, years_between
from spor.lib.phone import clean_phone
from spor.lib.pseudonyms import validate_pseudonym

# Fields that identify a person. None of them may hold a value for an anonymous client.
IDENTIFYING_FIELDS = ("first_name", "last_name", "phone", "email", "address")


class ClientQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ClientQuerySet":
        """The one place that decides which clients a staff member may see.

        Clinicians and teachers see the clients of their teams (the client's own team or
        the team of any of the client's courses); leaders see their whole service;
        analysts and administrators see no client.
        """
        if not may_see_clients(user):
            return self.none()
        clients = self.filter(service_id=user.service_id)
        if user.is_leader:
            return clients
        from spor.treatment.models import Course

        teams = user.teams.values("pk")
        return clients.filter(
            Q(team__in=teams) | Q(pk__in=Course.objects.filter(team__in=teams).values("client"))
        )

    def search(self, text: str) -> "ClientQuerySet":
        text = text.strip()
        if not text:
            return self.none()
        if cprlib.looks_like_cpr(text):
            try:
                digits, _born = cprlib.parse(text)
            except ValidationError:
                return self.none()
            return self.filter(cpr_hash=crypto.keyed_hash(digits))
        query = Q(pseudonym__icontains=text) | Q(ref=text)
        for word in text.split():
            query |= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        return self.filter(query)


def _on(path: str, lookup: str) -> str:
    """`lookup` on the young person reached by `path` ("" from a Client, "client" from a
    Course)."""
    return f"{path}__{lookup}" if path else lookup


def aged_at_least(years: int, day: datetime.date, path: str = "") -> Q:
    """Client.age_on(day) >= years, in SQL: exact with a birth date, the age reached that
    year with a birth year only."""
    return (Q(**{_on(path, "birth_date__lte"): add_months(day, -12 * years)})
            | Q(**{_on(path, "birth_date__isnull"): True,
                   _on(path, "birth_year__lte"): day.year - years}))


def younger_than(years: int, day: datetime.date, path: str = "") -> Q:
    """Not aged_at_least(years, day), written as what it is: negating that condition has
    Django guard each nullable column with IS NOT NULL, a longer rule to write on every
    caseload."""
    return (Q(**{_on(path, "birth_date__gt"): add_months(day, -12 * years)})
            | Q(**{_on(path, "birth_date__isnull"): True,
                   _on(path, "birth_year__gt"): day.year - years}))


def consent_gap_flags(day: datetime.date, path: str = "") -> dict:
    """The rule of which consents a young person in treatment lacks on `day`, as conditions
    to annotate (wrapped as booleans): their own from 15 (`lacks_own_consent`), a parent's under
    18 (`lacks_parent_consent`); an anonymous young person lacks none. Client.consent_gaps
    words them. One place, so that a caseload can order and page by what is due."""
    current = Consent.objects.filter(
        client=OuterRef(_on(path, "pk")), scope=Consent.Scope.TREATMENT,
        given_on__lte=day).filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day))
    identified = Q(**{_on(path, "anonymous"): False})
    own = identified & aged_at_least(15, day, path) & ~Exists(
        current.filter(given_by=Consent.By.CLIENT))
    parent = identified & younger_than(18, day, path) & ~Exists(
        current.filter(given_by=Consent.By.PARENT))
    return {"lacks_own_consent": own, "lacks_parent_consent": parent}


def display_name_sql(path: str = ""):
    """Client.display_name in lower case, in SQL, for ordering a list by name. An anonymous
    young person has no name (the anonymous_client_holds_no_identity constraint), so the
    name comes first without asking whether they are anonymous. Made once for each language
    (a query copies it, never changes it): writing it took a caseload a thirtieth of its
    time."""
    return _display_name_sql(path, get_language())


@functools.lru_cache(maxsize=16)
def _display_name_sql(path: str, language: str | None):
    full = Trim(Concat(F(_on(path, "first_name")), Value(" "), F(_on(path, "last_name"))))
    return Lower(Coalesce(NullIf(full, Value("")), NullIf(F(_on(path, "pseudonym")), Value("")),
                          Value(str(_("Anonymous")))))


def client_errors(client: dict, cpr_born: datetime.date | None = None,
                  last_day: datetime.date | None = None) -> dict:
    """{field: message} for a young person given as {attname: value}, whose CPR number (if
    any) gives the birth date `cpr_born`; empty when it may be stored. Client.clean() and
    the import (which passes today once for many rows) use it. That no other young person
    of the service has the same CPR number is checked by the caller."""
    last_day = last_day or today()
    errors = {}
    birth_date, birth_year = client.get("birth_date"), client.get("birth_year")
    if birth_date:
        if birth_year and birth_year != birth_date.year:
            errors["birth_year"] = _("The birth year does not match the birth date.")
        birth_year = birth_date.year
        errors.update(future_errors(last_day, birth_date=birth_date))
    if birth_year and not last_day.year - 100 <= birth_year <= last_day.year:
        errors["birth_year"] = _("Enter a birth year between %(low)s and %(high)s.") % {
            "low": last_day.year - 100, "high": last_day.year}
    if client.get("anonymous"):
        for field in IDENTIFYING_FIELDS:
            if client.get(field):
                errors[field] = _("An anonymous young person cannot have this recorded.")
        if client.get("cpr_hash"):
            errors["cpr"] = _("An anonymous young person cannot have a CPR number.")
        if birth_date:
            errors["birth_date"] = _("Record only the birth year of an anonymous young person.")
    if cpr_born and birth_date and cpr_born != birth_date:
        errors["cpr"] = _("The CPR number does not match the birth date.")
    return errors


class Client(models.Model):
    """A young person (ung). Anonymous clients hold a pseudonym, birth year and gender only."""

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")
        UNKNOWN = "unknown", _("Unknown")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: client_service (below) begins with it and serves every lookup.
    service = models.ForeignKey("accounts.Service", models.PROTECT, related_name="clients",
                                db_index=False)
    team = models.ForeignKey("accounts.Team", models.PROTECT, related_name="clients",
                             verbose_name=_("team"))
    ref = models.CharField(_("reference"), max_length=64, blank=True,
                           help_text=_("Key from an imported spreadsheet."))
    anonymous = models.BooleanField(_("anonymous"), default=True)
    pseudonym = models.CharField(_("pseudonym"), max_length=60, blank=True,
                                 validators=[validate_pseudonym],
                                 help_text=_("A first name or nickname the young person chooses."))
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender, default=Gender.UNKNOWN)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    # Sensitive: the CPR number is stored encrypted and found through a keyed hash.
    cpr_encrypted = models.TextField(blank=True, editable=False)
    cpr_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    converted_at = models.DateTimeField(_("converted from anonymous"), null=True, editable=False)
    converted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                     editable=False, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("young person")
        verbose_name_plural = _("young people")
        constraints = [
            models.CheckConstraint(
                name="anonymous_client_holds_no_identity",
                condition=Q(anonymous=False) | Q(
                    first_name="", last_name="", phone="", email="", address="",
                    cpr_hash="", cpr_encrypted="", birth_date__isnull=True,
                ),
            ),
            models.UniqueConstraint(fields=["service", "ref"], condition=~Q(ref=""),
                                    name="client_ref_unique"),
            models.UniqueConstraint(fields=["service", "cpr_hash"], condition=~Q(cpr_hash=""),
                                    name="client_cpr_unique"),
        ]
        # One service's young people, for its report: on PostgreSQL the index carries their
        # ids, so that finding them never reads the table, where a national database holds
        # them scattered among every other service's.
        indexes = [models.Index(fields=["service"], include=["id"], name="client_service")]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.anonymous:
            return self.pseudonym or str(_("Anonymous"))
        return f"{self.first_name} {self.last_name}".strip() or self.pseudonym

    # CPR -------------------------------------------------------------------------

    def set_cpr(self, value: str) -> None:
        """Store a CPR number (validated), or clear it with an empty value."""
        if not value:
            self.cpr_encrypted = self.cpr_hash = ""
            return
        digits, born = cprlib.parse(value)
        self.cpr_encrypted = crypto.encrypt(digits)
        self.cpr_hash = crypto.keyed_hash(digits)
        if self.birth_date is None:
            self.birth_date = born
            self.birth_year = born.year

    def reveal_cpr(self) -> str:
        """The full CPR number. Call only from a view that logs the purpose."""
        return cprlib.formatted(crypto.decrypt(self.cpr_encrypted))

    @property
    def cpr_masked(self) -> str:
        return cprlib.masked(crypto.decrypt(self.cpr_encrypted)) if self.cpr_encrypted else ""

    @property
    def has_cpr(self) -> bool:
        return bool(self.cpr_hash)

    # Age -------------------------------------------------------------------------

    def age_on(self, day: datetime.date) -> int:
        """Exact age with a birth date; with a birth year only, the age reached that year."""
        if self.birth_date:
            return years_between(self.birth_date, day)
        return day.year - self.birth_year

    def may_be_under(self, years: int, day: datetime.date) -> bool:
        """True when the client is, or with a birth year only might be, under `years`."""
        if self.birth_date:
            return self.age_on(day) < years
        return day.year - self.birth_year - 1 < years

    @property
    def age(self) -> int:
        return self.age_on(today())

    # Rules -----------------------------------------------------------------------

    def clean(self):
        born = None
        if self.cpr_encrypted and self.birth_date:
            _digits, born = cprlib.parse(crypto.decrypt(self.cpr_encrypted))
        errors = client_errors(vars(self), born)
        clean_phone(self, errors)
        if self.birth_date:
            self.birth_year = self.birth_date.year
        if self.cpr_hash:
            clash = Client.objects.filter(service_id=self.service_id, cpr_hash=self.cpr_hash)
            if clash.exclude(pk=self.pk).exists():
                errors["cpr"] = _("Another young person already has this CPR number.")
        if errors:
            raise ValidationError(errors)

    def mark_converted(self, user) -> None:
        """Record that an anonymous client became identified. The history stays on the
        same client; the caller saves and logs the access with purpose "conversion"."""
        self.anonymous = False
        self.converted_at = timezone.now()
        self.converted_by = user

    def consent_gaps(self, day: datetime.date | None = None) -> list[str]:
        """Which consents a client in treatment lacks on `day` (consent_gap_flags), in
        words. One query, none for an anonymous young person, who by that rule lacks none
        (writing the rule's query cost a client page a tenth of its time); a list of
        courses annotates the flags instead."""
        if self.anonymous:
            return []
        flags = Client.objects.filter(pk=self.pk).annotate(**{
            name: ExpressionWrapper(rule, BooleanField())
            for name, rule in consent_gap_flags(day or today()).items()}).values(
            *CONSENT_GAPS).get()
        return consent_gap_words(flags)


CONSENT_GAPS = {"lacks_own_consent": _("the young person's own consent"),
                "lacks_parent_consent": _("a parent's consent")}


def consent_gap_words(flags: dict) -> list[str]:
    return [str(words) for flag, words in CONSENT_GAPS.items() if flags[flag]]


class Relative(models.Model):
    """Family and network: parents, siblings, partners and professionals around a client."""

    class Kind(models.TextChoices):
        PARENT = "parent", _("Parent")
        SIBLING = "sibling", _("Sibling")
        PARTNER = "partner", _("Partner")
        OTHER_FAMILY = "other_family", _("Other family")
        CASEWORKER = "caseworker", _("Caseworker")
        SCHOOL = "school", _("School")
        YOUTH_GUIDANCE = "youth_guidance", _("Youth guidance counsellor")
        OTHER_PROFESSIONAL = "other_professional", _("Other professional")

    PROFESSIONAL_KINDS = {Kind.CASEWORKER, Kind.SCHOOL, Kind.YOUTH_GUIDANCE,
                          Kind.OTHER_PROFESSIONAL}

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(Client, models.CASCADE, related_name="relatives")
    kind = models.CharField(_("relation"), max_length=20, choices=Kind)
    name = models.CharField(_("name"), max_length=150, blank=True)
    organisation = models.CharField(_("organisation"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    has_custody = models.BooleanField(_("has custody"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("relative or network person")
        verbose_name_plural = _("family and network")
        ordering = ["kind", "name"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.name}" if self.name else self.get_kind_display()

    @property
    def is_professional(self) -> bool:
        return self.kind in self.PROFESSIONAL_KINDS

    @property
    def display_name(self) -> str:
        return str(self)

    def clean(self):
        errors = {}
        clean_phone(self, errors)
        if self.client.anonymous and not self.is_professional:
            for field in ("name", "phone", "email"):
                if getattr(self, field):
                    errors[field] = _(
                        "Record family of an anonymous young person by relation only.")
        if self.has_custody and self.kind != self.Kind.PARENT:
            errors["has_custody"] = _("Only a parent can have custody.")
        if errors:
            raise ValidationError(errors)


class Consent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class By(models.TextChoices):
        CLIENT = "client", _("The young person")
        PARENT = "parent", _("Parent with custody")

    class Scope(models.TextChoices):
        TREATMENT = "treatment", _("Treatment")
        SHARING = "sharing", _("Sharing information with partners")
        FEEDBACK = "feedback", _("Ratings and use diary")

    client = models.ForeignKey(Client, models.CASCADE, related_name="consents")
    given_by = models.CharField(_("given by"), max_length=10, choices=By)
    parent = models.ForeignKey(Relative, models.PROTECT, null=True, blank=True,
                               related_name="consents", verbose_name=_("parent"))
    scope = models.CharField(_("consent to"), max_length=20, choices=Scope,
                             default=Scope.TREATMENT)
    detail = models.CharField(_("details"), max_length=300, blank=True)
    given_on = models.DateField(_("given on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    editable=False, related_name="+")

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_on"]

    def __str__(self):
        return f"{self.get_scope_display()} ({self.get_given_by_display()})"

    def clean(self):
        errors = {}
        errors.update(future_errors(given_on=self.given_on))
        if self.withdrawn_on and self.given_on and self.withdrawn_on < self.given_on:
            errors["withdrawn_on"] = _("A consent cannot be withdrawn before it was given.")
        if self.given_by == self.By.CLIENT and self.given_on:
            if self.client.age_on(self.given_on) < 15:
                errors["given_by"] = _(
                    "A young person can give their own consent from the age of 15.")
            if self.parent_id:
                errors["parent"] = _("Leave the parent empty when the young person consents.")
        if self.given_by == self.By.PARENT:
            if self.parent is None:
                errors["parent"] = _("Choose the parent who gave consent.")
            elif self.parent.client_id != self.client_id or not self.parent.has_custody:
                errors["parent"] = _("Choose a parent of this young person who has custody.")
            if self.given_on and not self.client.may_be_under(18, self.given_on):
                errors["given_by"] = _("Parents consent only for young people under 18.")
        if errors:
            raise ValidationError(errors)
