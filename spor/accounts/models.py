import uuid

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


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

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self):
        return self.name

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

    # Roles that see named, identified clients: they must log in with two factors.
    CLIENT_ROLES = {Role.CLINICIAN, Role.TEACHER, Role.LEADER}

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
        return self.role in self.CLIENT_ROLES

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
