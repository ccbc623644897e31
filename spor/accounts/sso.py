"""Sign-in through the municipality's identity provider (SAML in spor.accounts.saml,
OpenID Connect in spor.accounts.oidc) and the rule for local passwords.

Both protocols end in `sign_in`: the provider has vouched for the person at the assurance
level Spor requires, so the sign-in counts as both factors; the account is found by the
provider's subject (made on first sign-in) and gets the role and teams its mapped roles
give, every time. A refusal is a `Refused`, answered by `refused_page` with a message
and a `SignInRefusal` row.
"""

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login

from spor.accounts.models import AccountEvent, IdpDevice, IdpRole, SignInRefusal, User

R = SignInRefusal.Reason
IDP_BACKEND = "spor.accounts.sso.IdpBackend"
LOCAL_BACKEND = "spor.accounts.sso.LocalPasswordBackend"

MESSAGES = {
    R.SIGNATURE: _("The identity provider's answer is not signed with a key Spor knows. "
                   "Nothing was signed in. If it happens again, tell your IT department."),
    R.EXPIRED: _("The identity provider's answer has expired. Sign in again."),
    R.AUDIENCE: _("The identity provider's answer was meant for another service, not "
                  "Spor. Sign in again from Spor's login page."),
    R.REPLAYED: _("This answer from the identity provider was used before, or Spor did not "
                  "ask for it. Sign in again from Spor's login page."),
    R.UNKNOWN_IDP: _("The answer comes from an identity provider Spor does not know. Sign in "
                     "from Spor's login page."),
    R.NOT_ENCRYPTED: _("The identity provider sent the assertion unencrypted; Spor accepts "
                       "only encrypted assertions. Tell your IT department."),
    R.ASSURANCE: _("Your sign-in is below the assurance level Spor requires (NSIS "
                   "“%(level)s”). Sign in with your employee signature with "
                   "two factors (for example MitID Erhverv with the app)."),
    R.NO_ROLE: _("You have no role in Spor at the identity provider. Ask %(contact)s to give "
                 "you a role for Spor (for example clinician or team leader), then sign in "
                 "again."),
    R.NAME_TAKEN: _("Spor already has a local account with your user name. Ask %(contact)s "
                    "to rename or close it, then sign in again."),
    R.INACTIVE: _("Your account in Spor is closed. Ask %(contact)s if you need it again."),
    R.TOKEN: _("The identity provider's ID token is not valid (signature, issuer, audience "
               "or time). Nothing was signed in. If it happens again, tell your IT "
               "department."),
    R.NONCE: _("The ID token answers another sign-in than this one. Sign in again from "
               "Spor's login page."),
    R.STATE: _("The identity provider's answer belongs to another sign-in. Sign in again "
               "from Spor's login page."),
    R.OTHER: _("The identity provider's answer could not be read. Sign in again; if it "
               "happens again, tell your IT department."),
}


class Refused(PermissionDenied):
    def __init__(self, reason: str, name: str = "", detail: str = "", service=None):
        super().__init__(reason)
        self.reason, self.name, self.detail, self.service = reason, name, detail, service


def role_contact() -> str:
    return settings.SPOR_SSO_ROLE_CONTACT or str(_("your leader or Spor's administrator"))


def refused_page(request, provider: str, refusal: Refused, status: int = 403):
    """Write the refusal for the administrators and tell the person what to do."""
    SignInRefusal.objects.create(service=refusal.service, provider=provider[:300],
                                 name=refusal.name[:200], reason=refusal.reason,
                                 detail=refusal.detail[:300])
    message = MESSAGES[refusal.reason] % {"contact": role_contact(),
                                          "level": settings.SPOR_SAML_MIN_ASSURANCE}
    return render(request, "accounts/sign_in_refused.html",
                  {"message": message, "reason": refusal.reason}, status=status)


def _split(name: str) -> tuple[str, str]:
    first, _sep, last = name.strip().rpartition(" ")
    return (first or last)[:150], (last if first else "")[:150]


def sign_in(request, *, provider: str, subject: str, username: str, name: str,
            email: str, idp_roles: list[str], method: str) -> User:
    """Log in the person the provider vouched for, with the role and teams of their
    mapped roles; the first sign-in makes the account. Raises Refused."""
    mappings = list(IdpRole.objects.filter(name__in=idp_roles).prefetch_related("teams"))
    if not mappings:
        raise Refused(R.NO_ROLE, name, ", ".join(idp_roles)[:300])
    mappings.sort(key=lambda m: IdpRole.PRECEDENCE.index(m.role))
    service_id = mappings[0].service_id
    mappings = [m for m in mappings if m.service_id == service_id]
    role = mappings[0].role
    teams = {t for m in mappings for t in m.teams.all()}
    first, last = _split(name)
    key = f"{provider} {subject}"
    with transaction.atomic():
        user = User.objects.select_for_update().filter(idp_subject=key).first()
        if user is None:
            if User.objects.filter(username__iexact=username).exists():
                raise Refused(R.NAME_TAKEN, name, username, service=mappings[0].service)
            try:
                with transaction.atomic():
                    user = User(username=username[:150], idp_subject=key, role=role,
                                service_id=service_id, first_name=first, last_name=last,
                                email=email[:254])
                    user.set_unusable_password()
                    user.save()
            except IntegrityError:  # the same person's first sign-in twice at once
                user = User.objects.select_for_update().get(idp_subject=key)
            else:
                user.teams.set(teams)
                AccountEvent.write(None, user, AccountEvent.What.CREATED,
                                   f"identity provider: role {role}")
        if not user.is_active:
            raise Refused(R.INACTIVE, name, service=user.service)
        changes = [f"{field}: {getattr(user, field)} → {value}" for field, value in (
            ("role", role), ("service_id", service_id)) if getattr(user, field) != value]
        if set(user.teams.all()) != teams:
            user.teams.set(teams)
            changes.append("teams")
        user.role, user.service_id = role, service_id
        user.first_name, user.last_name, user.email = first, last, email[:254]
        user.save()
        if changes:
            AccountEvent.write(None, user, AccountEvent.What.CHANGED,
                               "identity provider: " + "; ".join(changes))
        device = IdpDevice.objects.filter(user=user).first() or IdpDevice.objects.create(
            user=user, name=provider[:64], confirmed=True)
    auth.login(request, user, backend=IDP_BACKEND)
    otp_login(request, device)
    request.session["sso"] = method
    return user


class IdpBackend(ModelBackend):
    """Restores the accounts `sign_in` logged in; it checks no password."""

    def authenticate(self, request, **credentials):
        return None


def may_use_password(username: str) -> bool:
    return settings.SPOR_LOCAL_PASSWORDS or username in settings.SPOR_BREAK_GLASS_USERS


class LocalPasswordBackend(ModelBackend):
    """Django's password login, for everyone while SPOR_LOCAL_PASSWORDS is on, else for the
    break-glass administrators only."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or not may_use_password(username):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_logged_in)
def write_break_glass_use(sender, request, user, **kwargs):
    """With local passwords off, each password login is a break-glass use: written in the
    account changes and shown to the other administrators."""
    if not settings.SPOR_LOCAL_PASSWORDS and getattr(user, "backend", "") == LOCAL_BACKEND:
        AccountEvent.write(user, user, AccountEvent.What.BREAK_GLASS)
