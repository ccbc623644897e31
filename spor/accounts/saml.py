"""SAML 2.0 service provider (djangosaml2 on pysaml2), by the OIOSAML 3.0 profile that
KOMBIT's Context Handler speaks: signed requests, signed and encrypted assertions, the
NSIS assurance level checked, job-function roles from the privileges attribute, single
logout. Configured from the SPOR_SAML_* settings (docs/sso.md)."""

import base64
import binascii
import functools

import saml2
from defusedxml import ElementTree
from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from djangosaml2 import views
from saml2.config import SPConfig
from saml2.response import UnsolicitedResponse
from saml2.saml import NAMEID_FORMAT_PERSISTENT
from saml2.sigver import MissingKey, SignatureError
from saml2.validate import ResponseLifetimeExceed, ToEarly

from spor.accounts import sso
from spor.accounts.models import SignInRefusal

R = SignInRefusal.Reason
LEVELS = ["Low", "Substantial", "High"]  # NSIS assurance levels, lowest first
LOA_CONTEXT = "https://data.gov.dk/concept/core/nsis/loa/"
SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
DIGEST = "http://www.w3.org/2001/04/xmlenc#sha256"


def enabled() -> bool:
    return bool(settings.SPOR_SAML_IDP_METADATA)


def when_enabled(view):
    """djangosaml2's views answer only where SAML is set up (404 elsewhere)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not enabled():
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def base_url(request=None) -> str:
    if settings.SPOR_BASE_URL or request is None:
        return settings.SPOR_BASE_URL
    return f"{request.scheme}://{request.get_host()}"


def sp_config(request=None) -> SPConfig:
    """pysaml2's configuration, built from the settings (djangosaml2's config loader)."""
    base = base_url(request)
    metadata = settings.SPOR_SAML_IDP_METADATA
    source = ({"remote": [{"url": metadata}]} if metadata.startswith(("https://", "http://"))
              else {"local": [metadata]})
    encryption = [{"key_file": settings.SPOR_SAML_ENCRYPTION_KEY_FILE or
                   settings.SPOR_SAML_KEY_FILE,
                   "cert_file": settings.SPOR_SAML_ENCRYPTION_CERT_FILE or
                   settings.SPOR_SAML_CERT_FILE}]
    conf = SPConfig()
    conf.load({
        "entityid": settings.SPOR_SAML_ENTITY_ID or base + reverse("saml2_metadata"),
        "xmlsec_binary": settings.SPOR_SAML_XMLSEC,
        "allow_unknown_attributes": True,
        "accepted_time_diff": settings.SPOR_SAML_CLOCK_SKEW_SECONDS,
        "key_file": settings.SPOR_SAML_KEY_FILE,
        "cert_file": settings.SPOR_SAML_CERT_FILE,
        "encryption_keypairs": encryption,
        "metadata": source if metadata else {},
        "service": {"sp": {
            "name": "Spor",
            "name_id_format": NAMEID_FORMAT_PERSISTENT,
            "endpoints": {
                "assertion_consumer_service": [
                    (base + reverse("saml2_acs"), saml2.BINDING_HTTP_POST)],
                "single_logout_service": [
                    (base + reverse("saml2_ls"), saml2.BINDING_HTTP_REDIRECT),
                    (base + reverse("saml2_ls_post"), saml2.BINDING_HTTP_POST)],
            },
            "authn_requests_signed": True,
            "logout_requests_signed": True,
            "want_assertions_signed": True,
            "want_response_signed": False,
            "allow_unsolicited": False,
            "signing_algorithm": SHA256,
            "digest_algorithm": DIGEST,
            "requested_attributes": [
                {"name": name, "name_format": saml2.saml.NAME_FORMAT_URI, "required": True}
                for name in settings.SPOR_SAML_ATTRIBUTES.values()],
        }},
    })
    return conf


def privileges(values: list[str]) -> list[str]:
    """The roles in the privileges attribute: KOMBIT sends one base64 Basic Privilege
    Profile (bpp) XML document; other providers send plain values."""
    roles = []
    for value in values:
        try:
            document = ElementTree.fromstring(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError, ElementTree.ParseError):
            roles.append(value)
            continue
        roles += [(e.text or "").strip() for e in document.iter()
                  if e.tag.rpartition("}")[2] == "Privilege" and (e.text or "").strip()]
    return roles


def _first(ava: dict, key: str) -> str:
    values = ava.get(settings.SPOR_SAML_ATTRIBUTES[key]) or [""]
    return str(values[0]).strip()


def _assurance(session_info: dict) -> str:
    """The NSIS level of the attribute, or of the authentication context class."""
    level = _first(session_info["ava"], "assurance")
    if not level:
        for context in session_info.get("authn_info") or []:
            if str(context[0]).startswith(LOA_CONTEXT):
                level = str(context[0]).removeprefix(LOA_CONTEXT)
    return level


def _reason(exception) -> str:
    if isinstance(exception, sso.Refused):
        return exception.reason
    text = str(exception)
    if isinstance(exception, MissingKey):  # no key for this issuer in the metadata
        return R.UNKNOWN_IDP
    if isinstance(exception, SignatureError):
        return R.SIGNATURE
    if isinstance(exception, ResponseLifetimeExceed | ToEarly):
        return R.EXPIRED
    if isinstance(exception, UnsolicitedResponse):
        return R.REPLAYED
    if "audience" in text.lower() or "not for me" in text.lower():
        return R.AUDIENCE
    if "issuer" in text.lower() or "unknown" in text.lower():
        return R.UNKNOWN_IDP
    return R.OTHER


class AssertionConsumer(views.AssertionConsumerServiceView):
    """djangosaml2's assertion consumer, which verifies the answer, with Spor's rules on top:
    encrypted, NSIS level, mapped roles; each refusal a message and a row."""

    def custom_validation(self, response):
        # pysaml2 keeps only the assertions that came unencrypted in the response.
        self.encrypted = not response.response.assertion

    def handle_acs_failure(self, request, exception=None, status=403, **kwargs):
        refusal = (exception if isinstance(exception, sso.Refused)
                   else sso.Refused(_reason(exception), detail=type(exception).__name__))
        return sso.refused_page(request, self.issuer(request), refusal)

    def issuer(self, request) -> str:
        return getattr(self, "idp", "") or "SAML"

    def authenticate_user(self, request, session_info, attribute_mapping,
                          create_unknown_user, assertion_info):
        self.idp = session_info.get("issuer", "")
        ava = session_info["ava"]
        name = _first(ava, "name")
        if not self.encrypted:
            raise sso.Refused(R.NOT_ENCRYPTED, name)
        level = _assurance(session_info)
        wanted = settings.SPOR_SAML_MIN_ASSURANCE
        if level not in LEVELS or LEVELS.index(level) < LEVELS.index(wanted):
            raise sso.Refused(R.ASSURANCE, name, f"NSIS {level or '-'}")
        subject = _first(ava, "subject") or session_info["name_id"].text
        email = _first(ava, "email")
        user = sso.sign_in(
            request, provider=self.idp, subject=subject, username=email or subject,
            name=name, email=email,
            idp_roles=privileges(ava.get(settings.SPOR_SAML_ATTRIBUTES["roles"], [])),
            method="saml")
        views._set_subject_id(request.saml_session, session_info["name_id"])
        return user


def logout(request):
    """Log out here and at the identity provider, which sends the browser back to
    saml2_ls (djangosaml2's logout initiator)."""
    view = views.LogoutInitView()
    view.setup(request)
    response = view.get(request)
    if response.status_code != 302:
        return response
    # The policy's form-action would stop a form's redirect to the provider: the page goes
    # on by itself (a refresh, no script) or by the link.
    return render(request, "accounts/sso_logout.html", {"url": response["Location"]})
