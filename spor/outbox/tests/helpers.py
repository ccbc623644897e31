import contextlib

from django.test import override_settings

from spor.outbox.models import ContactConsent


def agree(recipient, channel="email", language="da"):
    key = ({"client": recipient} if recipient._meta.model_name == "client"
           else {"participant": recipient})
    service = recipient.service if "client" in key else recipient.course.service
    return ContactConsent.objects.create(service=service, channel=channel, language=language,
                                         **key)


@contextlib.contextmanager
def smtp_settings(inbox):
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                           EMAIL_HOST="127.0.0.1", EMAIL_PORT=inbox.port, EMAIL_TIMEOUT=5,
                           DEFAULT_FROM_EMAIL="spor@helsingung.example"):
        yield


@contextlib.contextmanager
def gateway_settings(gateway, timeout=2):
    with override_settings(SPOR_SMS_BACKEND="spor.outbox.providers.HttpSmsGateway",
                           SPOR_SMS_GATEWAY_URL=gateway.url, SPOR_SMS_GATEWAY_USER="spor",
                           SPOR_SMS_GATEWAY_PASSWORD="s3cret",
                           SPOR_SMS_GATEWAY_TIMEOUT=timeout):
        yield
