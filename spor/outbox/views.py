import hmac
import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from spor.accounts.decorators import not_post, staff_required
from spor.accounts.models import User
from spor.audit.models import AccessLog, log_access
from spor.clients.access import get_client_for_user, get_relative_for_user
from spor.clients.models import Relative
from spor.lib.phone import normalise_phone
from spor.lib.ratelimit import over_limit
from spor.measures.models import RatingInvite
from spor.measures.views import invite_from_post
from spor.outbox import queue
from spor.outbox.forms import ContactForm, SendForm, TemplateForm
from spor.outbox.models import (
    Channel,
    ContactConsent,
    Message,
    MessageTemplate,
    current_consent,
    never_contacted,
    recipient_key,
    set_consents,
)
from spor.outbox.report import not_answered
from spor.programmes.access import get_participant_for_user
from spor.programmes.models import log_participant_access
from spor.treatment.access import get_session_for_user

P = AccessLog.Purpose
CLIENT_ROLES = tuple(User.CLIENT_ROLES)
WINDOW_SECONDS = 600  # the window of SPOR_RATING_RATE_LIMIT, as on the rating pages


# Staff: who may be contacted ------------------------------------------------------------

def _contact_page(request, recipient, back, log):
    key = recipient_key(recipient)
    current = {c.channel: c for c in ContactConsent.objects.filter(**key).current()}
    initial = {"email": Channel.EMAIL in current, "sms": Channel.SMS in current,
               "language": next(iter(current.values())).language if current else "da"}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            set_consents(recipient, form.channels(), form.cleaned_data["language"],
                         request.user)
        except ValidationError as e:
            for field, errors in e.message_dict.items():
                form.add_error(field, errors)
        else:
            log(gettext_noop("Contact consent changed"), P.REGISTRATION)
            messages.success(request, _("Saved."))
            return redirect(back)
    log(gettext_noop("Contact consent"), P.TREATMENT)
    history = ContactConsent.objects.filter(**key).select_related("recorded_by")
    return render(request, "outbox/contact.html", {
        "form": form, "recipient": recipient, "back": back, "history": history,
        "messages_sent": Message.objects.filter(**key).order_by("-created_at")[:20]})


@staff_required(*CLIENT_ROLES)
def client_contact(request, client):
    client = get_client_for_user(request.user, client)
    return _contact_page(
        request, client, reverse("client_detail", args=[client.pk]),
        lambda what, purpose: log_access(request.user, client, what, purpose))


@staff_required(*CLIENT_ROLES)
def relative_contact(request, relative):
    """A parent's or other relative's agreement to links (a parent who rates)."""
    relative = get_relative_for_user(request.user, relative)
    client = relative.client
    if (reason := never_contacted(relative)):
        messages.error(request, reason)
        return redirect("client_detail", client.pk)
    return _contact_page(
        request, relative, reverse("client_detail", args=[client.pk]),
        lambda what, purpose: log_access(request.user, client, what, purpose))


@staff_required(*CLIENT_ROLES)
def participant_contact(request, participant):
    participant = get_participant_for_user(request.user, participant)
    return _contact_page(
        request, participant, reverse("parent_course", args=[participant.course_id]),
        lambda what, purpose: log_participant_access(request.user, participant, what,
                                                     purpose))


# Staff: a rating link sent to the young person -------------------------------------------

@staff_required(*CLIENT_ROLES)
def send_rating(request, session):
    """Issue a personal rating link and queue it by e-mail or SMS: the young person's own
    rating to the young person, a parent's to the parents who agreed (those present, when
    the session records family present)."""
    session = get_session_for_user(request.user, session)
    if (refused := not_post(request)) is not None:
        return refused
    client = session.course.client
    form = SendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a measure, who rates and how to send the link."))
        return redirect("fit_session", session=session.pk)
    channel, rater = form.cleaned_data["channel"], form.cleaned_data["rater"]
    recipients = [r for r in queue.rating_recipients(session, rater)
                  if current_consent(r, channel)]
    if rater not in ("client", "parent"):
        messages.error(request, _("Links are sent to the young person and parents only. "
                                  "Give another person the personal link or QR code "
                                  "instead."))
    elif client.anonymous:
        messages.error(request, _("Anonymous young people are never sent messages."))
    elif not recipients and rater == "client":
        messages.error(request, _("The young person has not agreed to links by %(channel)s. "
                                  "Record it under contact first.") % {
            "channel": Channel(channel).label})
    elif not recipients and session.participants.filter(kind=Relative.Kind.PARENT).exists():
        messages.error(request, _("None of the parents present at this session has agreed "
                                  "to links by %(channel)s. Record it under the parent's "
                                  "contact, or record who was present.") % {
            "channel": Channel(channel).label})
    elif not recipients:
        messages.error(request, _("No parent has agreed to links by %(channel)s. Record it "
                                  "under the parent's contact first.") % {
            "channel": Channel(channel).label})
    else:
        with transaction.atomic():
            issued = invite_from_post(request, session, RatingInvite.Mode.LINK)
            if issued is not None:
                invite, token = issued
                queue.send_rating_link(session, invite, token, recipients, [channel],
                                       request.user)
                log_access(request.user, client, gettext_noop("Rating link sent"), P.RATING)
                messages.success(request, _("The link is on its way. It works until "
                                            "%(time)s.") % {
                    "time": formats.date_format(timezone.localtime(invite.expires_at),
                                                "SHORT_DATETIME_FORMAT")})
    return redirect("fit_session", session=session.pk)


# Staff: the leader's wording, and who has not answered -----------------------------------

@staff_required(User.Role.LEADER)
def templates(request):
    """The leader writes the messages (Danish and English); the page also shows how the
    outbox is doing: messages by status and the last reasons for giving up."""
    service = request.user.service
    rows = []
    saved = None
    for template in MessageTemplate.all_for(service):
        prefix = f"{template.kind}-{template.language}"
        posted = request.method == "POST" and request.POST.get("template") == prefix
        form = TemplateForm(request.POST if posted else None, instance=template, prefix=prefix)
        if posted and form.is_valid():
            template = form.save(commit=False)
            template.changed_by = request.user
            template.save()
            saved = template
        rows.append({"template": template, "form": form, "prefix": prefix})
    if saved is not None:
        messages.success(request, _("Saved."))
        return redirect("outbox_templates")
    outbox = Message.objects.filter(service=service)
    counts = dict(outbox.values_list("status").annotate(n=Count("pk")).order_by())
    return render(request, "outbox/templates.html", {
        "rows": rows,
        "counts": [(label, counts.get(value, 0)) for value, label in Message.Status.choices],
        "failures": outbox.filter(Q(status=Message.Status.FAILED)
                                  | ~Q(last_error="", status=Message.Status.QUEUED))
                          .exclude(last_error="").order_by("-created_at")[:10]})


@staff_required(*CLIENT_ROLES)
def not_answered_page(request):
    """Per clinician and per parent course: the links sent and not answered, with the
    reminders sent. A clinician sees their own scope; a leader the whole service."""
    report = not_answered(request.user)
    log_access(request.user, report["clients"], gettext_noop("Not answered"), P.CASELOAD)
    log_participant_access(request.user, report["participants"],
                           gettext_noop("Not answered"), P.CASELOAD)
    return render(request, "outbox/not_answered.html", report)


# The young person or parent: the link in a message -------------------------------------

def _limited(request) -> bool:
    return bool(over_limit(request, "rating", settings.SPOR_RATING_RATE_LIMIT, WINDOW_SECONDS))


def _closed(request, reason, status):
    return render(request, "measures/rate_closed.html", {"reason": reason}, status=status)


@never_cache
def open_link(request, token):
    """The link in a message: note that it was opened, then go to the form itself."""
    if _limited(request):
        return _closed(request, "busy", 429)
    message = Message.by_token(token)
    if message is None:
        return _closed(request, "unknown", 404)
    target = message.secrets().get("target")
    if message.is_expired or not target:
        return _closed(request, "expired", 410)
    message.mark_opened()
    return redirect(target)


@never_cache
def stop(request, token):
    """The stop link: asks first (a link checker's visit stops nothing), then stops every
    message on that channel to this person, recorded as stopped by the stop link."""
    if _limited(request):
        return _closed(request, "busy", 429)
    message = Message.by_token(token)
    if message is None:
        return _closed(request, "unknown", 404)
    done = False
    if request.method == "POST":
        stop_channel(message.recipient, message.channel, ContactConsent.Stop.LINK)
        done = True
    return render(request, "outbox/stop.html", {
        "done": done, "service": message.service, "channel": message.get_channel_display()})


def stop_channel(recipient, channel, how) -> int:
    key = recipient_key(recipient)
    with transaction.atomic():
        stopped = 0
        for consent in ContactConsent.objects.select_for_update().filter(
                channel=channel, **key).current():
            consent.stop(how)
            stopped += 1
        Message.objects.filter(channel=channel, status=Message.Status.QUEUED, **key).update(
            status=Message.Status.CANCELLED, last_error="Stopped by the recipient.")
    return stopped


@csrf_exempt
def sms_inbound(request):
    """Where the SMS gateway posts answers (`from`, `text`; form fields or JSON), with
    ?key=SPOR_SMS_INBOUND_KEY. An answer starting with STOP stops all SMS to that number."""
    if (refused := not_post(request)) is not None:
        return refused
    key = settings.SPOR_SMS_INBOUND_KEY
    if not key or not hmac.compare_digest(request.GET.get("key", ""), key):
        return JsonResponse({"error": "key: wrong or missing"}, status=403)
    if over_limit(request, "sms-inbound", 600, 60):
        return JsonResponse({"error": "too many requests"}, status=429)
    data = request.POST
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body)
        except ValueError:
            return JsonResponse({"error": "body: not JSON"}, status=400)
        if not isinstance(data, dict):
            return JsonResponse({"error": "body: not a JSON object"}, status=400)
    sender, text = data.get("from"), data.get("text")
    if not isinstance(sender, str) or not sender:
        return JsonResponse({"error": "from: missing"}, status=400)
    if not isinstance(text, str):
        return JsonResponse({"error": "text: missing"}, status=400)
    try:
        phone = normalise_phone(sender)
    except ValidationError:
        return JsonResponse({"error": "from: not a phone number"}, status=400)
    if not text.strip().upper().startswith("STOP"):
        return JsonResponse({"stopped": 0})
    numbers = {phone, phone.removeprefix("+45"), "+45" + phone if len(phone) == 8 else phone}
    consents = (ContactConsent.objects.current().filter(channel=Channel.SMS)
                .filter(Q(client__phone__in=numbers) | Q(relative__phone__in=numbers)
                        | Q(participant__phone__in=numbers))
                .select_related("client", "relative", "participant"))
    stopped = sum(stop_channel(c.client or c.relative or c.participant, Channel.SMS,
                               ContactConsent.Stop.SMS) for c in consents)
    return JsonResponse({"stopped": stopped})
