import os

from django.conf import settings
from django.core.checks import Error, Warning, register


@register(deploy=True)
def check_keys(app_configs, **kwargs):
    problems = []
    for name in ("SECRET_KEY", "SPOR_DATA_KEY"):
        if not os.environ.get(name):
            problems.append(Warning(
                f"{name} is not set: a key made on first start is used from {settings.DATA_DIR}.",
                hint="Set it in the environment and back it up with the database.",
                id="spor.W001"))
    return problems


@register()
def check_second_factor(app_configs, **kwargs):
    if not settings.SPOR_REQUIRE_2FA and not settings.DEBUG and os.environ.get("SPOR_DEMO") != "1":
        return [Warning(
            "SPOR_REQUIRE_2FA is off: staff who see identified clients log in with a "
            "password only.", id="spor.W002")]
    return []


@register()
def check_data_key(app_configs, **kwargs):
    if len(settings.SPOR_DATA_KEY) < 32:
        return [Error("SPOR_DATA_KEY must be at least 32 characters long.", id="spor.E001")]
    return []
