import contextlib

from django.test import override_settings

from spor.outbox.models import ContactConsent, recipient_key, service_id_of


def agree(recipient, channel="email", language="da"):
    return ContactConsent.objects.create(service_id=service_id_of(recipient), channel=channel,
                                         language=language, **recipient_key(recipient))


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
