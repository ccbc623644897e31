import os
import shutil

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


@register()
def check_sign_in_providers(app_configs, **kwargs):
    """A half-configured identity provider fails at start, not at the first sign-in."""
    problems = []
    if settings.SPOR_SAML_IDP_METADATA:
        metadata = settings.SPOR_SAML_IDP_METADATA
        if not metadata.startswith(("https://", "http://")) and not os.path.isfile(metadata):
            problems.append(Error(f"SPOR_SAML_IDP_METADATA: no file {metadata}.",
                                  id="spor.E010"))
        for name in ("SPOR_SAML_KEY_FILE", "SPOR_SAML_CERT_FILE"):
            path = getattr(settings, name)
            if not path or not os.path.isfile(path):
                problems.append(Error(f"{name} must name Spor's SAML key and certificate "
                                      f"files (PEM), not {path!r}.", id="spor.E011"))
        if not shutil.which(settings.SPOR_SAML_XMLSEC):
            problems.append(Error(f"SPOR_SAML_XMLSEC: {settings.SPOR_SAML_XMLSEC} is missing.",
                                  hint="apt-get install xmlsec1", id="spor.E012"))
    if settings.SPOR_OIDC_ISSUER and not (settings.SPOR_OIDC_CLIENT_ID
                                          and settings.SPOR_OIDC_CLIENT_SECRET):
        problems.append(Error("SPOR_OIDC_ISSUER is set: SPOR_OIDC_CLIENT_ID and "
                              "SPOR_OIDC_CLIENT_SECRET are needed too.", id="spor.E013"))
    return problems
