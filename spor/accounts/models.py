import datetime
import hmac
import secrets
import uuid

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device


class Service(models.Model):
    """One youth service (organisation). The rules of the seed are defaults it can change."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    anonymous_session_limit = models.PositiveSmallIntegerField(
        _("anonymous sessions before a decision"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("At this session the clinician records the decision taken with the "
                    "young person: continue anonymously, enrol or end."),
    )
    anonymous_age_limit = models.PositiveSmallIntegerField(
        _("anonymous counselling for young people under"),
        default=25,
        validators=[MinValueValidator(12), MaxValueValidator(30)],
    )
    treatment_guarantee_days = models.PositiveSmallIntegerField(
        _("treatment guarantee (days from request to start)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )

    day_team_capacity = models.PositiveSmallIntegerField(
        _("day team places"), default=7, validators=[MinValueValidator(1),
                                                     MaxValueValidator(50)])
    parent_course_evenings = models.PositiveSmallIntegerField(
        _("parent course evenings"), default=4, validators=[MinValueValidator(1),
                                                            MaxValueValidator(20)])
    parent_followup_evenings = models.PositiveSmallIntegerField(
        _("parent course follow-up evenings"), default=1, validators=[MaxValueValidator(5)])
    no_change_alarm_session = models.PositiveSmallIntegerField(
        _("no-change alarm at session"), default=4,
        validators=[MinValueValidator(2), MaxValueValidator(20)],
        help_text=_("Alarm when a young person shows no reliable change by this session."))
    small_cell_threshold = models.PositiveSmallIntegerField(
        _("smallest number of persons shown in statistics"), default=5,
        validators=[MinValueValidator(3), MaxValueValidator(20)],
        help_text=_("Smaller counts are suppressed in every statistics output."))
    request_retention_days = models.PositiveSmallIntegerField(
        _("days a request for a talk is kept"), default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("A request nobody turns into a contact is erased after this many days."))
    # Off until a service chooses it: a link on a young person's phone is a new way of
    # contacting them, and a service decides that with its clinicians (and its licence
    # for digital ratings) rather than finding it switched on by an upgrade.
    auto_rating_links = models.BooleanField(
        _("send rating links after sessions by themselves"), default=False,
        help_text=_("After an attended session of an identified young person, a rating "
                    "not made in the session is sent as a personal link to the young person "
                    "(and a parent who rates and took part) who agreed to messages."))
    # Names one version of the FIT rules in effect for the service (its norms, alliance
    # flag rules and expected course, and the defaults it uses): a new value on every
    # change of them, in the change's transaction (measures/apps.py), so that a process
    # may keep the rules it read under it (measures.models.rules_of). Never a count: a
    # value written by a transaction that was rolled back is never used again.
    fit_rules_stamp = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # A new stamp with every whole save: a service read before a change of its rules
        # and saved after it must not write back the stamp of the rules before it.
        if kwargs.get("update_fields") is None:
            self.fit_rules_stamp = uuid.uuid4()
        super().save(*args, **kwargs)

    @classmethod
    def only(cls) -> "Service":
        """The service of a single-service installation, made on first use."""
        service = cls.objects.order_by("pk").first()
        return service or cls.objects.create(name="Spor")

    def default_team(self) -> "Team":
        team = self.teams.order_by("pk").first()
        return team or self.teams.create(name=str(_("Counselling and treatment")))


class Team(models.Model):
    class Kind(models.TextChoices):
        COUNSELLING = "counselling", _("Counselling and treatment")
        DAY_TEAM = "day_team", _("Day team")
        PARENTS = "parents", _("Parents")
        OUTREACH = "outreach", _("Outreach")
        OTHER = "other", _("Other")

    service = models.ForeignKey(Service, models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.COUNSELLING)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["service", "name"], name="team_name_unique"),
        ]

    def __str__(self):
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        CLINICIAN = "clinician", _("Clinician")
        TEACHER = "teacher", _("Teacher")
        LEADER = "leader", _("Team leader")
        ANALYST = "analyst", _("Analyst")
        ADMIN = "admin", _("Administrator")

    # Roles that see named, identified clients.
    CLIENT_ROLES = {Role.CLINICIAN, Role.TEACHER, Role.LEADER}
    # Roles that log in with two factors: those who see identified clients and those who
    # can change accounts (an administrator who could set a password alone could become
    # anyone).
    SECOND_FACTOR_ROLES = CLIENT_ROLES | {Role.ADMIN}
    # Roles that may hand out an enrolment code for someone else's second factor.
    ENROLMENT_ROLES = {Role.LEADER, Role.ADMIN}
    ENROLMENT_CODE_HOURS = 72

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(
        Service, models.PROTECT, related_name="staff", null=True, verbose_name=_("service")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.CLINICIAN)
    teams = models.ManyToManyField(Team, blank=True, related_name="members",
                                   verbose_name=_("teams"))
    # A short PIN, stored hashed like a password, that unlocks a tablet handed to a young
    # person for a rating. It opens nothing else: a full login is still needed elsewhere.
    tablet_pin = models.CharField(_("tablet PIN"), max_length=128, blank=True,
                                  editable=False)
    # Who last set this account's password, made it or reset its second factor (empty:
    # the operator, or the person themselves). That person knows or chose the password,
    # so the enrolment code for a new second factor must come from someone else.
    credentials_set_by = models.ForeignKey("self", models.SET_NULL, null=True, blank=True,
                                           related_name="+", editable=False)
    # A single-use code for pairing a new authenticator, kept as a keyed hash only.
    enrolment_code_hash = models.CharField(max_length=64, blank=True, editable=False)
    enrolment_code_expires = models.DateTimeField(null=True, blank=True, editable=False)
    # "<provider> <subject>" for an account the identity provider signs in (empty: a local
    # account). Its role and teams follow the provider's roles at every sign-in.
    idp_subject = models.CharField(max_length=400, unique=True, null=True, blank=True,
                                   editable=False)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["first_name", "last_name", "username"]

    def __str__(self):
        return self.get_full_name() or self.username

    def set_tablet_pin(self, pin: str) -> None:
        self.tablet_pin = make_password(pin)

    def check_tablet_pin(self, pin: str) -> bool:
        return bool(self.tablet_pin) and check_password(pin, self.tablet_pin)

    @property
    def sees_clients(self) -> bool:
        """Staff of a service in a role that works with young people."""
        return self.role in self.CLIENT_ROLES and self.service_id is not None

    def works_in(self, kind: str) -> bool:
        """A leader of the service, or a member of one of its teams of this kind.

        Remembered on the user object: a page asks more than once.
        """
        if not self.sees_clients:
            return False
        if self.is_leader:
            return True
        known = self.__dict__.setdefault("_works_in", {})
        if kind not in known:
            known[kind] = self.teams.filter(kind=kind, service_id=self.service_id).exists()
        return known[kind]

    @property
    def needs_two_factors(self) -> bool:
        return self.role in self.SECOND_FACTOR_ROLES

    def may_give_enrolment_code(self, member: "User") -> bool:
        """A leader or administrator of the same service, for someone else, and not for an
        account whose password or second factor they set themselves: the code and the
        password must come from two different people."""
        return (self.role in self.ENROLMENT_ROLES and member.service_id == self.service_id
                and member.pk != self.pk and member.credentials_set_by_id != self.pk)

    def new_enrolment_code(self) -> str:
        """Make a single-use enrolment code (saved as a keyed hash) and return it once."""
        code = "-".join(secrets.token_hex(3).upper() for _ in range(3))
        self.enrolment_code_hash = _code_hash(self.pk, code)
        self.enrolment_code_expires = timezone.now() + datetime.timedelta(
            hours=self.ENROLMENT_CODE_HOURS)
        self.save(update_fields=["enrolment_code_hash", "enrolment_code_expires"])
        return code

    def use_enrolment_code(self, code: str) -> bool:
        """True, and the code is used up, when it is this account's code and still valid."""
        code = code.strip().upper().replace(" ", "")
        if (not self.enrolment_code_hash or self.enrolment_code_expires is None
                or self.enrolment_code_expires < timezone.now()
                or not hmac.compare_digest(self.enrolment_code_hash, _code_hash(self.pk, code))):
            return False
        updated = User.objects.filter(pk=self.pk, enrolment_code_hash=self.enrolment_code_hash
                                      ).update(enrolment_code_hash="",
                                               enrolment_code_expires=None)
        self.enrolment_code_hash, self.enrolment_code_expires = "", None
        return bool(updated)

    @property
    def is_leader(self) -> bool:
        return self.role == self.Role.LEADER

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def sees_statistics(self) -> bool:
        return self.role in {self.Role.ANALYST, self.Role.LEADER}

    @property
    def initials(self) -> str:
        parts = [self.first_name[:1], self.last_name[:1]]
        return "".join(parts).upper() or self.username[:2].upper()


def _code_hash(pk, code: str) -> str:
    return salted_hmac("spor.accounts.enrolment", f"{pk}:{code}").hexdigest()


def may_see_clients(user) -> bool:
    """The one guard before anything about young people: logged-in staff of a service in a
    role that works with them. Safe to ask about an anonymous visitor."""
    return user.is_authenticated and user.sees_clients


def works_in(user, kind: str) -> bool:
    """A leader of the user's service or a member of a team of this kind (any visitor)."""
    return may_see_clients(user) and user.works_in(kind)


class AccountEvent(models.Model):
    """The audit trail of account changes: who changed whose account, when and what.

    Never the secret itself: no password, code or key is written here. Administrators and
    leaders of the service read it.
    """

    class What(models.TextChoices):
        CREATED = "created", _("Account created")
        CHANGED = "changed", _("Account changed")
        PASSWORD_SET = "password_set", _("Password set")
        SECOND_FACTOR_RESET = "second_factor_reset", _("Two-factor login reset")
        ENROLMENT_CODE = "enrolment_code", _("Enrolment code made")
        ENROLLED = "enrolled", _("Two-factor login set up")
        BREAK_GLASS = "break_glass", _("Break-glass login with a local password")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    service = models.ForeignKey(Service, models.CASCADE, related_name="+")
    actor = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
    actor_name = models.CharField(max_length=150)
    member = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
    member_name = models.CharField(max_length=150)
    what = models.CharField(max_length=30, choices=What)
    # Which fields changed, e.g. "role: clinician → leader; teams". Never a secret.
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.what} {self.member_name}"

    @classmethod
    def write(cls, actor, member, what: str, detail: str = "") -> "AccountEvent":
        return cls.objects.create(service_id=member.service_id, actor=actor,
                                  actor_name=actor.username if actor else "",
                                  member=member, member_name=member.username, what=what,
                                  detail=detail[:300])


class IdpRole(models.Model):
    """A role or group as the identity provider names it (a KOMBIT job-function role, an
    Entra ID app role or group) and the Spor role and teams it gives. Someone with several
    mapped roles gets the one that sees most and the teams of all of them."""

    service = models.ForeignKey(Service, models.CASCADE, related_name="idp_roles")
    name = models.CharField(
        _("role or group at the identity provider"), max_length=300,
        help_text=_("Exactly as the provider sends it, e.g. "
                    "http://spor.kommune.dk/roles/jobrole/behandler/1 or an Entra ID app "
                    "role."))
    role = models.CharField(_("role in Spor"), max_length=20, choices=User.Role)
    teams = models.ManyToManyField(Team, blank=True, related_name="+",
                                   verbose_name=_("teams"))

    # Who wins when a person holds several: the role that can do most first.
    PRECEDENCE = [User.Role.ADMIN, User.Role.LEADER, User.Role.CLINICIAN, User.Role.TEACHER,
                  User.Role.ANALYST]

    class Meta:
        verbose_name = _("role from the identity provider")
        verbose_name_plural = _("roles from the identity provider")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="idp_role_name_unique"),
        ]

    def __str__(self):
        return self.name


class IdpDevice(Device):
    """The second factor of a sign-in through the identity provider at the assurance level
    Spor requires (NSIS "Substantial" or an ID token that names one). It takes no codes:
    only the provider's verified answer logs it in (spor.accounts.sso.sign_in)."""

    def verify_token(self, token):
        return False


class SignInRefusal(models.Model):
    """A refused sign-in through an identity provider, for the administrators: when, which
    provider, the person as the provider names them (when known) and why. Never a token
    or an assertion."""

    class Reason(models.TextChoices):
        SIGNATURE = "signature", _("The signature is not right")
        EXPIRED = "expired", _("The answer has expired")
        AUDIENCE = "audience", _("The answer was meant for another service")
        REPLAYED = "replayed", _("The answer was used before or not asked for")
        UNKNOWN_IDP = "unknown_idp", _("Unknown identity provider")
        NOT_ENCRYPTED = "not_encrypted", _("The assertion was not encrypted")
        ASSURANCE = "assurance", _("Assurance level too low")
        NO_ROLE = "no_role", _("No role in Spor")
        NAME_TAKEN = "name_taken", _("A local account has the same user name")
        INACTIVE = "inactive", _("The account is closed")
        TOKEN = "token", _("The ID token is not valid")
        NONCE = "nonce", _("The ID token answers another sign-in (nonce)")
        STATE = "state", _("The answer belongs to another sign-in (state)")
        OTHER = "other", _("The identity provider's answer could not be read")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The service when the provider's roles point to one; else every administrator sees it.
    service = models.ForeignKey(Service, models.CASCADE, null=True, related_name="+")
    provider = models.CharField(max_length=300)
    name = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=20, choices=Reason)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.provider} {self.reason}"
