import string
import urllib.parse

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.utils.module_loading import import_string


@register()
def outbox_settings(app_configs, **kwargs):
    """Refuse to start with an SMS set-up that could never send."""
    problems = []
    try:
        backend = import_string(settings.SPOR_SMS_BACKEND)
    except ImportError:
        return [Error(f"SPOR_SMS_BACKEND: no class {settings.SPOR_SMS_BACKEND!r}",
                      id="spor.outbox.E001")]
    from spor.outbox.providers import HttpSmsGateway

    if issubclass(backend, HttpSmsGateway):
        url = urllib.parse.urlsplit(settings.SPOR_SMS_GATEWAY_URL)
        if url.scheme not in ("http", "https") or not url.netloc:
            problems.append(Error("SPOR_SMS_GATEWAY_URL must be an http(s) address",
                                  id="spor.outbox.E002"))
        try:
            string.Template(settings.SPOR_SMS_GATEWAY_BODY).substitute(
                to="", text="", sender="")
        except (KeyError, ValueError) as e:
            problems.append(Error(f"SPOR_SMS_GATEWAY_BODY: only $to, $text and $sender can "
                                  f"be filled in ({e})", id="spor.outbox.E003"))
    return problems


@register(deploy=True)
def outbox_base_url(app_configs, **kwargs):
    url = settings.SPOR_BASE_URL
    if not url or "localhost" in url or "127.0.0.1" in url:
        return [Warning("SPOR_BASE_URL is unset or points at this machine: links in "
                        "messages will not open on a young person's phone",
                        id="spor.outbox.W001")]
    return []
