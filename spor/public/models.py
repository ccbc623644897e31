"""The public page for young people: the service's own page, requests for a talk, and the
gallery of young people's small projects.

Nothing here is a client until staff turn a request into one. Requests hold contact
details (a phone number or an e-mail address) that the anonymous client must never hold;
they stay on the request, visible to the counselling team, until they are erased.
"""

import datetime
import re
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from spor.accounts.models import Team, may_see_clients, works_in
from spor.audit.models import AccessRecord
from spor.lib.dates import today
from spor.lib.phone import clean_phone, format_phone
from spor.lib.pseudonyms import validate_pseudonym

# The service of the annual report never says it, and neither does its page (see
# DESIGN.md, "Words").
LABEL = re.compile(r"misbrug", re.IGNORECASE)
COUNSELLING = Team.Kind.COUNSELLING


def _no_label(text: str, errors: dict, field: str) -> None:
    if text and LABEL.search(text):
        errors[field] = _("Young people do not see themselves in that word. Say "
                          "\"forbrug\" (use) or \"rusmidler\" (substances) instead.")


# The page ------------------------------------------------------------------------


class Page(models.Model):
    """The service's page for young people, written by its staff. Danish first; the English
    fields are optional and fall back to the Danish text."""

    service = models.OneToOneField("accounts.Service", models.CASCADE, related_name="page")
    slug = models.SlugField(_("address"), max_length=40, unique=True,
                            help_text=_("The page is found at /ung/<address>/ — short, lower "
                                        "case letters, digits and hyphens."))
    published = models.BooleanField(_("published"), default=False,
                                     help_text=_("Young people see the page only when it is "
                                                 "published."))
    title = models.CharField(_("heading"), max_length=120)
    intro = models.TextField(_("short introduction"), max_length=500, blank=True)
    body = models.TextField(
        _("text"), max_length=10000, blank=True,
        help_text=_("An empty line starts a new paragraph. \"## \" at the start of a line "
                    "makes a heading, \"- \" a list item. **bold**, [link text]"
                    "(https://address)."))
    opening_hours = models.TextField(_("opening hours"), max_length=1000, blank=True,
                                     help_text=_("One line for each, e.g. \"Monday–Thursday "
                                                 "9–16\"."))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address where we are"), max_length=200, blank=True)
    title_en = models.CharField(_("heading in English"), max_length=120, blank=True)
    intro_en = models.TextField(_("short introduction in English"), max_length=500,
                                blank=True)
    body_en = models.TextField(_("text in English"), max_length=10000, blank=True)
    opening_hours_en = models.TextField(_("opening hours in English"), max_length=1000,
                                        blank=True)
    # The picture is stored re-encoded (no camera data) in two sizes and served by a view.
    picture = models.FileField(upload_to="public", blank=True, editable=False)
    picture_small = models.FileField(upload_to="public", blank=True, editable=False)
    picture_width = models.PositiveIntegerField(null=True, editable=False)
    picture_height = models.PositiveIntegerField(null=True, editable=False)
    picture_alt = models.CharField(_("what the picture shows"), max_length=200, blank=True,
                                   help_text=_("Read aloud to young people who cannot see "
                                               "the picture."))
    picture_alt_en = models.CharField(_("what the picture shows, in English"),
                                      max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   editable=False, related_name="+")

    class Meta:
        verbose_name = _("page for young people")
        verbose_name_plural = _("pages for young people")

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        clean_phone(self, errors)
        for field in ("title", "intro", "body", "opening_hours", "picture_alt", "address"):
            _no_label(getattr(self, field), errors, field)
        if errors:
            raise ValidationError(errors)

    def text(self, field: str) -> str:
        """The field in the current language, the Danish text when there is no English."""
        if get_language() == "en" and getattr(self, f"{field}_en", ""):
            return getattr(self, f"{field}_en")
        return getattr(self, field)

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone) if self.phone else ""

    def set_picture(self, processed) -> None:
        """Store a processed image (see images.process) under new names, so that cached
        copies of an old picture are never shown in its place."""
        self.delete_picture()
        token = secrets.token_hex(8)
        self.picture.save(f"{token}.jpg", ContentFile(processed.large), save=False)
        self.picture_small.save(f"{token}-s.jpg", ContentFile(processed.small), save=False)
        self.picture_width, self.picture_height = processed.width, processed.height

    def delete_picture(self) -> None:
        for field in (self.picture, self.picture_small):
            if field:
                field.delete(save=False)
        self.picture_width = self.picture_height = None

    @property
    def picture_name(self) -> str:
        return self.picture.name.rsplit("/", 1)[-1] if self.picture else ""

    @property
    def picture_small_name(self) -> str:
        return self.picture_small.name.rsplit("/", 1)[-1] if self.picture_small else ""

    def picture_file(self, name: str):
        """The stored picture file called `name`, or None."""
        for field in (self.picture, self.picture_small):
            if field and field.name.rsplit("/", 1)[-1] == name:
                return field
        return None


# Requests for a talk ---------------------------------------------------------------


def retention(service) -> datetime.timedelta:
    return datetime.timedelta(days=service.request_retention_days)


class TalkRequestQuerySet(models.QuerySet):
    def visible_to(self, user) -> "TalkRequestQuerySet":
        """New requests go to the counselling team of the service and its leaders. Once a
        request has become a client, the client's scope decides who sees it."""
        from spor.clients.models import Client

        if not may_see_clients(user):
            return self.none()
        shown = Q(status=TalkRequest.Status.CONVERTED,
                  client__in=Client.objects.visible_to(user).values("pk"))
        if works_in(user, COUNSELLING):
            shown |= Q(status=TalkRequest.Status.NEW)
        return self.filter(shown, service_id=user.service_id)

    def new(self):
        return self.filter(status=TalkRequest.Status.NEW)

    def expired(self, service, now=None):
        """Requests of a service that nobody turned into a contact in time."""
        now = now or timezone.now()
        return self.filter(service=service, status=TalkRequest.Status.NEW,
                           created_at__lt=now - retention(service))

    def contact_expired(self, service, now=None):
        """Converted requests whose contact details have been kept long enough."""
        now = now or timezone.now()
        return self.filter(service=service, status=TalkRequest.Status.CONVERTED,
                           contact_erased_at__isnull=True,
                           converted_at__lt=now - retention(service))


class TalkRequest(models.Model):
    """A young person's request for an anonymous talk, sent from the public page.

    The treatment guarantee counts from its date. Contact details live here only: they are
    never copied onto the anonymous client, and are erased request_retention_days after the
    request became a contact (or the whole request, if nobody took it).
    """

    class Reach(models.TextChoices):
        PHONE = "phone", _("Call or text me")
        EMAIL = "email", _("Write me an e-mail")
        I_CALL = "i_call", _("I will call you")

    class Parents(models.TextChoices):
        YES = "yes", _("Yes, that is fine")
        NO = "no", _("No, not for now")
        TALK_FIRST = "talk_first", _("I would like to talk about it first")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONVERTED = "converted", _("Became an anonymous contact")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey("accounts.Service", models.CASCADE,
                                related_name="talk_requests")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    nickname = models.CharField(_("what should we call you?"), max_length=40,
                                validators=[validate_pseudonym],
                                help_text=_("Your first name or any nickname. It does not "
                                            "have to be your real name."))
    age = models.PositiveSmallIntegerField(
        _("how old are you?"), validators=[MinValueValidator(10), MaxValueValidator(30)],
        error_messages={"min_value": _("Enter an age between 10 and 30."),
                        "max_value": _("Enter an age between 10 and 30.")})
    reach = models.CharField(_("how should we get in touch?"), max_length=10,
                             choices=Reach, default=Reach.PHONE)
    # Sensitive: contact details of a young person who asked to be anonymous.
    phone = models.CharField(_("phone number"), max_length=20, blank=True,
                             help_text=_("Only if we should call or text you."))
    email = models.EmailField(_("e-mail"), blank=True,
                              help_text=_("Only if we should write to you."))
    discreet = models.BooleanField(_("please be discreet"), default=False, help_text=_(
        "We will not say who we are if someone else answers, and leave no voicemail."))
    message = models.TextField(_("anything you want to tell us? (you choose)"),
                               max_length=1000, blank=True)
    parents = models.CharField(_("may we involve a parent?"), max_length=12,
                               choices=Parents, default=Parents.TALK_FIRST)
    status = models.CharField(_("status"), max_length=10, choices=Status,
                              default=Status.NEW)
    client = models.ForeignKey("clients.Client", models.CASCADE, null=True, editable=False,
                               related_name="talk_requests")
    course = models.ForeignKey("treatment.Course", models.SET_NULL, null=True,
                               editable=False, related_name="+")
    converted_at = models.DateTimeField(null=True, editable=False)
    converted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                     editable=False, related_name="+")
    contact_erased_at = models.DateTimeField(null=True, editable=False)

    objects = TalkRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("request for a talk")
        verbose_name_plural = _("requests for a talk")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["service", "status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                name="talk_request_client_iff_converted",
                condition=Q(status="new", client__isnull=True, converted_at__isnull=True)
                | Q(status="converted", converted_at__isnull=False)),
        ]

    def __str__(self):
        return self.nickname

    def clean(self):
        errors = {}
        if self.nickname:
            self.nickname = " ".join(self.nickname.split())
        if self.reach == self.Reach.PHONE:
            if not self.phone:
                errors["phone"] = _("Write the number we should call or text.")
            else:
                clean_phone(self, errors)
        elif self.reach == self.Reach.EMAIL and not self.email:
            errors["email"] = _("Write the e-mail address we should write to.")
        # Keep only what the young person chose: no stray number when they will call us.
        if self.reach != self.Reach.PHONE and "phone" not in errors:
            self.phone = ""
        if self.reach != self.Reach.EMAIL and "email" not in errors:
            self.email = ""
        if errors:
            raise ValidationError(errors)

    @property
    def request_date(self) -> datetime.date:
        return timezone.localdate(self.created_at)

    @property
    def guarantee_date(self) -> datetime.date:
        """The last day to start within the treatment guarantee."""
        return self.request_date + datetime.timedelta(
            days=self.service.treatment_guarantee_days)

    @property
    def days_waiting(self) -> int:
        return (today() - self.request_date).days

    @property
    def beyond_guarantee(self) -> bool:
        return today() > self.guarantee_date

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone) if self.phone else ""

    @property
    def erase_on(self) -> datetime.date:
        """When the request (or, once converted, its contact details) will be erased."""
        start = self.converted_at or self.created_at
        return timezone.localdate(start + retention(self.service))

    def over_age_limit(self) -> bool:
        return self.age >= self.service.anonymous_age_limit

    def convert(self, user):
        """Turn the request into an anonymous client waiting to start an anonymous
        counselling course, in one transaction. Returns the course, or None when someone
        else converted it first. The contact details stay on the request."""
        from spor.accounts.models import Team
        from spor.clients.models import Client
        from spor.treatment.models import Course

        if self.over_age_limit():
            raise ValidationError(_(
                "Anonymous counselling is for young people under %(limit)s. Talk with them "
                "and register them with their name instead.") % {
                "limit": self.service.anonymous_age_limit})
        teams = user.teams.filter(kind=Team.Kind.COUNSELLING, service=self.service)
        team = (teams.order_by("name").first()
                or self.service.teams.filter(kind=Team.Kind.COUNSELLING).order_by("name").first()
                or self.service.default_team())
        with transaction.atomic():
            # Claim the request first: of two counsellors pressing at once, one wins.
            now = timezone.now()
            claimed = TalkRequest.objects.filter(pk=self.pk, status=self.Status.NEW).update(
                status=self.Status.CONVERTED, converted_at=now, converted_by=user)
            if not claimed:
                return None
            day = self.request_date
            client = Client(service=self.service, team=team, anonymous=True,
                            pseudonym=self.nickname, birth_year=day.year - self.age,
                            gender=Client.Gender.UNKNOWN)
            client.full_clean()
            client.save()
            course = Course(client=client, team=team, clinician=user,
                            kind=Course.Kind.ANONYMOUS, request_date=day, start_date=None,
                            referral=Course.Referral.SELF)
            course.full_clean()
            course.save()
            TalkRequest.objects.filter(pk=self.pk).update(client=client, course=course)
        self.status, self.converted_at, self.converted_by = self.Status.CONVERTED, now, user
        self.client, self.course = client, course
        return course

    def erase_contact(self) -> None:
        """Erase what could reach or identify the young person; keep the bare facts."""
        self.phone = self.email = self.message = ""
        self.contact_erased_at = timezone.now()
        self.save(update_fields=["phone", "email", "message", "contact_erased_at"])


# The gallery -----------------------------------------------------------------------

REMOVAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read aloud


class RequestAccessLog(AccessRecord):
    """Who saw a request's contact details while it was not yet a contact (after that,
    the client's own access log is written)."""

    subject = "talk_request"
    talk_request = models.ForeignKey(TalkRequest, models.DO_NOTHING, db_constraint=False,
                                     related_name="+")

    class Meta(AccessRecord.Meta):
        verbose_name = _("request access log entry")
        verbose_name_plural = _("request access log")
        indexes = [models.Index(fields=["talk_request", "at"])]


def new_removal_code() -> str:
    code = "".join(secrets.choice(REMOVAL_ALPHABET) for _ in range(8))
    return f"{code[:4]}-{code[4:]}"


def removal_hash(code: str) -> str:
    """A keyed hash: the code itself is never stored, yet finds its post."""
    normal = re.sub(r"[^A-Z0-9]", "", code.upper())
    return salted_hmac("spor.public.removal", normal).hexdigest()


class GalleryQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=GalleryItem.Status.APPROVED)

    def pending(self):
        return self.filter(status=GalleryItem.Status.PENDING)

    def moderated_by(self, user):
        """Posts the counselling team and leaders of the service review."""
        if not works_in(user, COUNSELLING):
            return self.none()
        return self.filter(service_id=user.service_id)

    def unreviewed_expired(self, service, now=None):
        now = now or timezone.now()
        return self.filter(service=service, status=GalleryItem.Status.PENDING,
                           created_at__lt=now - retention(service))


class GalleryItem(models.Model):
    """A young person's small project: a photo, a video link, a sound or a tip.

    Nothing is shown before staff approve it. Files are stored under MEDIA_ROOT and served
    only by views that check the status, never by a public media URL.
    """

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        VIDEO = "video", _("Video")
        SOUND = "sound", _("Sound or music")
        TIP = "tip", _("Tip")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Shown on the page")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey("accounts.Service", models.CASCADE,
                                related_name="gallery_items")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    nickname = models.CharField(_("your nickname"), max_length=40,
                                help_text=_("Shown with your post. Not your full name."))
    title = models.CharField(_("title"), max_length=80)
    text = models.TextField(_("text"), max_length=2000, blank=True)
    link = models.URLField(_("link to the video"), max_length=300, blank=True)
    file = models.FileField(upload_to="gallery", blank=True, editable=False)
    thumb = models.FileField(upload_to="gallery", blank=True, editable=False)
    content_type = models.CharField(max_length=40, blank=True, editable=False)
    width = models.PositiveIntegerField(null=True, editable=False)
    height = models.PositiveIntegerField(null=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status,
                              default=Status.PENDING)
    removal_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                     editable=False, related_name="+",
                                     help_text="Staff who posted on a young person's behalf.")
    reviewed_at = models.DateTimeField(null=True, editable=False)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    editable=False, related_name="+")

    objects = GalleryQuerySet.as_manager()

    class Meta:
        verbose_name = _("gallery post")
        verbose_name_plural = _("gallery posts")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["service", "status", "created_at"])]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if self.kind == self.Kind.VIDEO:
            if not self.link:
                errors["link"] = _("Paste the link to your video.")
            elif not video_host_allowed(self.link):
                errors["link"] = _("We can show links to %(hosts)s.") % {
                    "hosts": ", ".join(settings.SPOR_PUBLIC_VIDEO_HOSTS)}
        elif self.link:
            errors["link"] = _("A link belongs to a video post only.")
        if self.kind == self.Kind.TIP and not self.text.strip():
            errors["text"] = _("Write your tip.")
        if errors:
            raise ValidationError(errors)

    def give_removal_code(self) -> str:
        """A new code for the young person; only its hash is kept."""
        code = new_removal_code()
        self.removal_hash = removal_hash(code)
        return code

    def store(self, content: bytes, content_type: str, ext: str, thumb: bytes = b""):
        """Save uploaded content (already checked and cleaned) under a random name."""
        token = secrets.token_hex(12)
        self.file.save(f"{token}.{ext}", ContentFile(content), save=False)
        if thumb:
            self.thumb.save(f"{token}-s.{ext}", ContentFile(thumb), save=False)
        self.content_type = content_type

    @property
    def small_width(self) -> int | None:
        return _scaled(self.width, self.height, 640)[0]

    @property
    def small_height(self) -> int | None:
        return _scaled(self.width, self.height, 640)[1]

    @property
    def link_host(self) -> str:
        from urllib.parse import urlsplit

        return (urlsplit(self.link).hostname or "").removeprefix("www.")

    def approve(self, user) -> None:
        self.status, self.reviewed_at, self.reviewed_by = (
            self.Status.APPROVED, timezone.now(), user)
        self.save(update_fields=["status", "reviewed_at", "reviewed_by"])

    def erase(self) -> None:
        """Delete the post and its files. Files go once the deletion is committed."""
        files = [f.name for f in (self.file, self.thumb) if f]
        storage = self.file.storage
        self.delete()
        transaction.on_commit(lambda: [storage.delete(name) for name in files])


def _scaled(width, height, edge):
    """The size of a thumbnail with the given long edge (never enlarged)."""
    if not width or not height:
        return None, None
    factor = min(1, edge / max(width, height))
    return max(1, round(width * factor)), max(1, round(height * factor))


def video_host_allowed(url: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host:
        return False
    return any(host == allowed or host.endswith("." + allowed)
               for allowed in settings.SPOR_PUBLIC_VIDEO_HOSTS)
