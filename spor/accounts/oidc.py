"""OpenID Connect sign-in (Authlib's Django client): the authorisation code flow with PKCE
(S256), the ID token checked (signature from the provider's keys, issuer, audience, time,
nonce) and roles read from a claim (SPOR_OIDC_ROLES_CLAIM); logging out of Spor logs out at
the provider too (RP-initiated logout). docs/sso.md."""

import urllib.parse

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.contrib.auth import logout as local_logout
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from joserfc.errors import InvalidClaimError, JoseError

from spor.accounts import sso
from spor.accounts.models import SignInRefusal

R = SignInRefusal.Reason


def enabled() -> bool:
    return bool(settings.SPOR_OIDC_ISSUER)


def client():
    """The provider's client, read from the settings (its discovery document is fetched
    when first needed)."""
    oauth = OAuth()
    return oauth.register(
        "spor", client_id=settings.SPOR_OIDC_CLIENT_ID,
        client_secret=settings.SPOR_OIDC_CLIENT_SECRET,
        server_metadata_url=settings.SPOR_OIDC_ISSUER + "/.well-known/openid-configuration",
        client_kwargs={"scope": settings.SPOR_OIDC_SCOPES, "code_challenge_method": "S256"})


def _absolute(request, name: str) -> str:
    path = reverse(name)
    return (settings.SPOR_BASE_URL + path if settings.SPOR_BASE_URL
            else request.build_absolute_uri(path))


def _callback_url(request) -> str:
    return _absolute(request, "oidc_callback")


def login(request):
    if not enabled():
        raise Http404
    try:
        return client().authorize_redirect(request, _callback_url(request))
    except (requests.RequestException, ValueError) as e:
        return sso.refused_page(request, settings.SPOR_OIDC_ISSUER,
                                sso.Refused(R.OTHER, detail=type(e).__name__), status=502)


def _roles(claims) -> list[str]:
    value = claims.get(settings.SPOR_OIDC_ROLES_CLAIM) or []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _two_factors(claims) -> bool:
    amr = set(claims.get("amr") or [])
    return bool(amr & set(settings.SPOR_OIDC_TWO_FACTOR_AMR)
                or claims.get("acr") in settings.SPOR_OIDC_TWO_FACTOR_ACR)


def callback(request):
    """The provider sends the browser back here with a code: exchange it (with the PKCE
    verifier), check the ID token and sign in; or refuse with a message and a row."""
    if not enabled():
        raise Http404
    provider = settings.SPOR_OIDC_ISSUER
    try:
        try:
            token = client().authorize_access_token(request)
        except MismatchingStateError:
            raise sso.Refused(R.STATE) from None
        except InvalidClaimError as e:
            raise sso.Refused(R.NONCE if e.claim == "nonce" else R.TOKEN,
                              detail=str(e)) from None
        except (JoseError, OAuthError, ValueError, requests.RequestException) as e:
            raise sso.Refused(R.TOKEN, detail=type(e).__name__) from None
        claims = token.get("userinfo")
        if not claims:
            raise sso.Refused(R.TOKEN, detail="no id_token")
        name = str(claims.get("name") or "")
        if not _two_factors(claims):
            raise sso.Refused(R.ASSURANCE, name, f"amr {claims.get('amr')} acr "
                                                 f"{claims.get('acr')}")
        username = str(claims.get(settings.SPOR_OIDC_USERNAME_CLAIM) or claims.get("email")
                       or claims["sub"])
        sso.sign_in(request, provider=provider, subject=str(claims["sub"]),
                    username=username, name=name, email=str(claims.get("email") or ""),
                    idp_roles=_roles(claims), method="oidc")
    except sso.Refused as refusal:
        return sso.refused_page(request, provider, refusal)
    return redirect("home")


def logout(request):
    """Log out here, then at the provider's end_session_endpoint, which sends the browser
    back to the login page. A provider without one (or out of reach) leaves the local
    logout alone: the person is logged out of Spor either way."""
    local_logout(request)
    try:
        endpoint = client().load_server_metadata().get("end_session_endpoint")
    except (requests.RequestException, ValueError):
        endpoint = None
    if not endpoint:
        return redirect("login")
    url = endpoint + ("&" if "?" in endpoint else "?") + urllib.parse.urlencode({
        "client_id": settings.SPOR_OIDC_CLIENT_ID,
        "post_logout_redirect_uri": _absolute(request, "login")})
    # As for SAML: the policy's form-action would stop a form's redirect to the provider.
    return render(request, "accounts/sso_logout.html", {"url": url})
