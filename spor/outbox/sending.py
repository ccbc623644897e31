"""Sending the outbox: claim a batch of due messages, send each, record the outcome.

A batch is claimed in one short transaction: the due rows are locked with
SELECT … FOR UPDATE SKIP LOCKED (another sender skips them) and marked `sending` with this
sender's claim id by an UPDATE that only touches rows still queued, so that even without
row locks (SQLite) a message is claimed by one sender only. Sending happens outside the
transaction. A failed attempt goes back to the queue after a back-off that doubles each
time; after SPOR_OUTBOX_MAX_ATTEMPTS it is given up with the reason kept.
"""

import datetime
import uuid

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from spor.outbox.models import Channel, Message, MessageTemplate, address_of, current_consent
from spor.outbox.providers import Email, SendError, sms_provider

# A message left `sending` this long belongs to a sender that stopped mid-way. It may
# have gone out, so it is given up rather than sent again.
STALE = datetime.timedelta(minutes=15)


def backoff(attempts: int) -> datetime.timedelta:
    """The wait before attempt `attempts + 1`: base, 2×base, 4×base… capped at a day."""
    seconds = settings.SPOR_OUTBOX_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, 86400))


def claim(batch: int, now=None) -> list[Message]:
    now = now or timezone.now()
    mark = uuid.uuid4()
    with transaction.atomic():
        due = Message.objects.due(now).order_by("due_at")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:batch])
        Message.objects.filter(pk__in=ids, status=Message.Status.QUEUED).update(
            status=Message.Status.SENDING, claim=mark, claimed_at=now)
    return list(Message.objects.with_answered()
                .filter(claim=mark, status=Message.Status.SENDING)
                .select_related("service", "client", "relative__client", "participant__course"))


def give_up_stale(now=None) -> int:
    now = now or timezone.now()
    return Message.objects.filter(status=Message.Status.SENDING,
                                  claimed_at__lt=now - STALE).update(
        status=Message.Status.FAILED, secret="",
        last_error="The sender stopped while sending; not sent again in case it went out.")


def _finish(message: Message, **fields) -> None:
    Message.objects.filter(pk=message.pk, claim=message.claim).update(**fields)


def compose(message: Message, base_url: str, language: str,
            templates: dict | None = None) -> tuple[str, str]:
    """Subject and text in the recipient's language: the service's name and the link,
    and (added here, so no template can leave it out) how to stop. `templates` keeps the
    templates read during one run."""
    templates = {} if templates is None else templates
    kind = "reminder" if message.kind == Message.Kind.REMINDER else "link"
    key = (message.service_id, kind, language)
    if key not in templates:
        templates[key] = MessageTemplate.for_service(message.service, kind, language)
    template = templates[key]
    token = message.secrets()["token"]
    link = base_url + reverse("outbox_open", args=[token])
    subject, body = template.render(message.service.name, link)
    stop_link = base_url + reverse("outbox_stop", args=[token])
    if message.channel == Channel.SMS:
        stop = {"da": "Afmeld: svar STOP", "en": "To stop: answer STOP"}[language]
    else:
        stop = {"da": "Vil du ikke have flere beskeder: ",
                "en": "To receive no more messages: "}[language] + stop_link
    return subject, f"{body}\n\n{stop}"


def send_one(message: Message, providers: dict, now) -> str:
    """Send one claimed message; returns its new status."""
    S = Message.Status
    recipient = message.recipient
    consent = current_consent(recipient, message.channel)
    if consent is None:
        _finish(message, status=S.CANCELLED, secret="",
                last_error="No current consent for this channel.")
        return S.CANCELLED
    if message.is_expired:
        _finish(message, status=S.CANCELLED, secret="", last_error="The link expired.")
        return S.CANCELLED
    if getattr(message, "answered", False):  # read when it was claimed
        _finish(message, status=S.CANCELLED, secret="",
                last_error="Answered before the message went out.")
        return S.CANCELLED
    to = address_of(recipient, message.channel)
    if not to:
        _finish(message, status=S.CANCELLED, secret="", last_error="No address on record.")
        return S.CANCELLED
    attempts = message.attempts + 1
    try:
        subject, body = compose(message, settings.SPOR_BASE_URL or "http://localhost:8000",
                                consent.language, providers.templates)
        providers[message.channel].send(to, subject, body)
    except SendError as e:
        reason = str(e)[:300]
        if e.final or attempts >= settings.SPOR_OUTBOX_MAX_ATTEMPTS:
            _finish(message, status=S.FAILED, attempts=attempts, last_error=reason, secret="")
            return S.FAILED
        _finish(message, status=S.QUEUED, attempts=attempts, last_error=reason, claim=None,
                due_at=now + backoff(attempts))
        return S.QUEUED
    _finish(message, status=S.SENT, attempts=attempts, sent_at=timezone.now(), last_error="")
    return S.SENT


class Providers(dict):
    """The channels' providers, made when first needed and closed at the end, and the
    message templates read during the run."""

    templates: dict

    def __init__(self):
        super().__init__()
        self.templates = {}

    def __missing__(self, channel):
        self[channel] = provider = Email() if channel == Channel.EMAIL else sms_provider()
        return provider

    def close(self):
        for provider in self.values():
            if hasattr(provider, "close"):
                provider.close()


def send_due(batch: int = 200, limit: int | None = None) -> dict:
    """Send due messages batch by batch until none is due (or `limit` were tried).
    Returns counts by outcome."""
    counts = {"sent": 0, "queued": 0, "failed": 0, "cancelled": 0}
    counts["failed"] += give_up_stale()
    providers = Providers()
    tried = 0
    try:
        while limit is None or tried < limit:
            claimed = claim(batch if limit is None else min(batch, limit - tried))
            if not claimed:
                break
            now = timezone.now()
            for message in claimed:
                counts[send_one(message, providers, now)] += 1
            tried += len(claimed)
    finally:
        providers.close()
    return counts
