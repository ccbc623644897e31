"""Ways a message leaves Spor. A provider is a small class with `send(to, subject, body)`
that returns nothing when the message was handed over and raises `SendError` when not.

E-mail goes through Django's e-mail backend (SMTP in production, the console in the
demo). SMS goes through `settings.SPOR_SMS_BACKEND`: `HttpSmsGateway` for a generic HTTP
gateway, or `FileSms` for the demo. Adding a gateway is one more class here.
"""

import base64
import json
import string
import sys
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string


class SendError(Exception):
    """The message was not handed over; the text (no personal data) is kept as the reason.
    `final`: trying again cannot help (the gateway refused this message itself)."""

    def __init__(self, reason: str, final: bool = False):
        super().__init__(reason)
        self.final = final


# Answers of a gateway that refuse the message itself: another try would be refused too.
# 408 (time-out) and 429 (too many requests) are passing, and tried again.
FINAL_STATUSES = set(range(400, 500)) - {408, 429}


class Provider:
    def send(self, to: str, subject: str, body: str) -> None:  # pragma: no cover
        raise NotImplementedError


class Email(Provider):
    def __init__(self):
        from django.core.mail import get_connection

        self.connection = get_connection(fail_silently=False)

    def send(self, to, subject, body):
        """Over one connection for a whole batch; a failed connection is opened anew."""
        try:
            self.connection.open()
            EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to],
                         connection=self.connection).send()
        except Exception as e:  # noqa: BLE001 - smtplib, socket and backend errors alike
            self.close()
            raise SendError(f"e-mail: {type(e).__name__}: {str(e)[:200]}") from e

    def close(self):
        try:
            self.connection.close()
        except Exception:  # noqa: BLE001, S110 - a broken connection is closed already
            pass


class FileSms(Provider):
    """The demo's SMS: each message as one line in SPOR_SMS_FILE (or on standard output)."""

    def send(self, to, subject, body):
        line = json.dumps({"to": to, "text": body}, ensure_ascii=False) + "\n"
        if settings.SPOR_SMS_FILE:
            with open(settings.SPOR_SMS_FILE, "a", encoding="utf-8") as f:
                f.write(line)
        else:
            sys.stdout.write(line)


class HttpSmsGateway(Provider):
    """A generic HTTP SMS gateway: one POST to SPOR_SMS_GATEWAY_URL per message, the body
    made from SPOR_SMS_GATEWAY_BODY with $to, $text and $sender filled in (as JSON strings
    when the content type is JSON, URL-encoded otherwise), basic authentication with
    SPOR_SMS_GATEWAY_USER and SPOR_SMS_GATEWAY_PASSWORD. A 2xx answer is a handed-over
    message; a refusal of the message itself (4xx but 408 and 429) is final; any other
    answer or a time-out is an error to try again later."""

    def send(self, to, subject, body):
        content_type = settings.SPOR_SMS_GATEWAY_CONTENT_TYPE
        encode = json.dumps if "json" in content_type else urllib.parse.quote_plus
        data = string.Template(settings.SPOR_SMS_GATEWAY_BODY).substitute(
            to=encode(to), text=encode(body), sender=encode(settings.SPOR_SMS_SENDER))
        url = settings.SPOR_SMS_GATEWAY_URL
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise SendError("SPOR_SMS_GATEWAY_URL must start with https:// or http://")
        request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
            url, data=data.encode(), method="POST", headers={"Content-Type": content_type})
        if settings.SPOR_SMS_GATEWAY_USER:
            pair = f"{settings.SPOR_SMS_GATEWAY_USER}:{settings.SPOR_SMS_GATEWAY_PASSWORD}"
            request.add_header("Authorization",
                               "Basic " + base64.b64encode(pair.encode()).decode())
        try:
            with urllib.request.urlopen(  # noqa: S310 - the operator's configured URL
                    request, timeout=settings.SPOR_SMS_GATEWAY_TIMEOUT) as answer:
                answer.read(1000)
        except urllib.error.HTTPError as e:
            final = e.code in FINAL_STATUSES
            raise SendError(f"SMS gateway answered {e.code}"
                            + (" (a refusal: not tried again)" if final else ""), final) from e
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise SendError(f"SMS gateway: {type(reason).__name__}: {str(reason)[:200]}") from e


def sms_provider() -> Provider:
    return import_string(settings.SPOR_SMS_BACKEND)()
