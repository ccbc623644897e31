import re

from django.conf import settings
from django.core.checks import Error, Warning, register

HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")


@register()
def check_public_settings(app_configs, **kwargs):
    problems = []
    for name in ("SPOR_PUBLIC_IMAGE_MAX_MB", "SPOR_PUBLIC_SOUND_MAX_MB",
                 "SPOR_PUBLIC_POSTS_PER_HOUR"):
        if getattr(settings, name) < 1:
            problems.append(Error(f"{name} must be at least 1.", id="spor.E101"))
    for host in settings.SPOR_PUBLIC_VIDEO_HOSTS:
        if not HOST.match(host):
            problems.append(Error(
                f"SPOR_PUBLIC_VIDEO_HOSTS: {host!r} is not a host name like youtube.com.",
                id="spor.E102"))
    cache = settings.CACHES["default"]["BACKEND"]
    if cache.endswith("DummyCache"):
        problems.append(Warning(
            "The cache is a dummy: the public page has no rate limit and no page cache.",
            id="spor.W101"))
    return problems
