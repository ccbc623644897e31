import datetime

import segno
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from spor.accounts import oidc, saml, tablet
from spor.accounts.decorators import not_post, staff_required
from spor.accounts.forms import (
    EnrolmentCodeForm,
    FreshSecondFactorForm,
    IdpRoleForm,
    LoginForm,
    ServiceForm,
    StaffForm,
    TabletPinForm,
    TeamForm,
    TokenForm,
    UnlockForm,
)
from spor.accounts.models import AccountEvent, IdpRole, SignInRefusal, Team, User
from spor.lib.ratelimit import hit

ADMIN = User.Role.ADMIN
LEADER = User.Role.LEADER
W = AccountEvent.What
ENROL_TRIES_PER_HOUR = 5
WAIT = gettext_lazy("Too many wrong codes in a row. Wait a minute and try the newest code.")


@staff_required()
def home(request):
    user = request.user
    if user.sees_clients:
        return redirect("caseload")
    if user.is_admin:
        return redirect("staff_list")
    return redirect("statistics")


@sensitive_post_parameters("pin", "pin_again", "password")
@staff_required(*User.CLIENT_ROLES)
def tablet_pin(request):
    """Set the PIN with which a clinician takes a handed-over tablet back."""
    form = TabletPinForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        request.user.set_tablet_pin(form.cleaned_data["pin"])
        request.user.save(update_fields=["tablet_pin"])
        messages.success(request, _("Your tablet PIN is set. A tablet you hand over now "
                                    "stays logged in and opens again with the PIN."))
        back = request.GET.get("next", "")
        safe = url_has_allowed_host_and_scheme(back, {request.get_host()})
        return redirect(back if safe else "home")
    return render(request, "accounts/tablet_pin.html", {"form": form})


@sensitive_post_parameters("pin")
def tablet_unlock(request):
    """The only page besides the form on a handed-over tablet: the clinician's PIN, or a
    full login instead. It names nobody."""
    state = tablet.current(request)
    if state is None:
        return redirect("home")
    form = UnlockForm(request.POST or None)
    if request.method == "POST" and "full_login" in request.POST:
        back = state["back"]
        logout(request)
        return redirect_to_login(back)
    if request.method == "POST" and form.is_valid():
        unlocked, left = tablet.unlock(request, form.cleaned_data["pin"])
        if unlocked:
            return redirect(request.session.pop("tablet-back", None) or "home")
        if left == 0:
            messages.error(request, _("Too many wrong PINs. Log in again."))
            return redirect_to_login(state["back"])
        form.add_error("pin", ngettext(
            "The PIN is not right. %(n)s try left before a full login is needed.",
            "The PIN is not right. %(n)s tries left before a full login is needed.",
            left) % {"n": left})
    return render(request, "accounts/tablet_unlock.html", {"form": form,
                                                           "form_path": state["form"]})


@login_required
def otp_verify(request):
    if request.user.is_verified():
        return redirect("home")
    if not user_has_device(request.user):
        return redirect("otp_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in TOTPDevice.objects.devices_for_user(request.user, confirmed=True):
            if not device.verify_is_allowed()[0]:
                form.add_error("token", WAIT)
                break
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                return redirect("home")
        else:
            form.add_error("token", _("The code is not right, or it has expired. Try the "
                                      "newest code."))
    return render(request, "accounts/otp_verify.html", {"form": form})


@login_required
def otp_setup(request):
    """Pair an authenticator app: first with an enrolment code that a leader or another
    administrator made, so that whoever set the password cannot pair one alone."""
    user = request.user
    if user_has_device(user):
        return redirect("otp_verify")
    device = TOTPDevice.objects.filter(user=user, confirmed=False,
                                       pk=request.session.get("enrol_device") or 0).first()
    if device is None:
        return _enrolment_code(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not device.verify_is_allowed()[0]:
            form.add_error("token", WAIT)
        elif device.verify_token(form.cleaned_data["token"]):
            with transaction.atomic():
                device.confirmed = True
                device.save()
                AccountEvent.write(user, user, W.ENROLLED)
            del request.session["enrol_device"]
            otp_login(request, device)
            messages.success(request, _("Two-factor login is set up."))
            return redirect("home")
        else:
            form.add_error("token", _("The code is not right. Check the clock of your phone "
                                      "and try the newest code."))
    qr = segno.make(device.config_url).svg_inline(scale=5)
    secret = device.config_url.split("secret=")[1].split("&")[0]
    return render(request, "accounts/otp_setup.html", {"form": form, "qr": qr,
                                                       "secret": secret})


def _enrolment_code(request):
    user = request.user
    form = EnrolmentCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if hit("enrol", str(user.pk), ENROL_TRIES_PER_HOUR, 3600):
            form.add_error("code", WAIT)
        elif user.use_enrolment_code(form.cleaned_data["code"]):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user).delete()
                device = TOTPDevice.objects.create(user=user, confirmed=False,
                                                   name="Authenticator")
            request.session["enrol_device"] = device.pk
            return redirect("otp_setup")
        else:
            form.add_error("code", _("This enrolment code is not right, used or expired. Ask "
                                     "a leader or administrator for a new one."))
    return render(request, "accounts/otp_enrol.html", {"form": form})


@staff_required(ADMIN)
def staff_list(request):
    staff = (User.objects.filter(service=request.user.service)
             .prefetch_related("teams", "totpdevice_set").order_by("-is_active", "first_name"))
    return render(request, "accounts/staff_list.html", {
        "staff": staff, "teams": Team.objects.filter(service=request.user.service),
        "service": request.user.service, "break_glass": _break_glass_uses(request.user)})


def _break_glass_uses(user):
    """Break-glass logins of the last 30 days by other administrators, for everyone else
    who administers the service to see."""
    since = timezone.now() - datetime.timedelta(days=30)
    return (AccountEvent.objects.filter(service=user.service, what=W.BREAK_GLASS, at__gte=since)
            .exclude(member=user))


def login_page(request):
    """The password login, with the identity providers' buttons when they are set up."""
    view = auth_views.LoginView.as_view(
        template_name="accounts/login.html", redirect_authenticated_user=True,
        authentication_form=LoginForm, extra_context={
            "saml": saml.enabled() and settings.SPOR_SAML_IDP_LABEL,
            "oidc": oidc.enabled() and settings.SPOR_OIDC_LABEL,
            "passwords": settings.SPOR_LOCAL_PASSWORDS})
    return view(request)


def logout_page(request):
    """Log out; a login through an identity provider also logs out there (SAML single
    logout, OIDC RP-initiated logout), which sends the browser back to Spor."""
    if request.method == "POST" and request.session.get("sso") == "saml" and saml.enabled():
        return saml.logout(request)
    if request.method == "POST" and request.session.get("sso") == "oidc" and oidc.enabled():
        return oidc.logout(request)
    return auth_views.LogoutView.as_view()(request)


@staff_required(ADMIN)
def idp_roles(request):
    """Which roles and groups of the identity provider give which Spor role and teams, and
    the sign-ins that were refused."""
    service = request.user.service
    form = IdpRoleForm(request.POST or None, service=service)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, _("Saved. The role applies from the next sign-in."))
        return redirect("idp_roles")
    return render(request, "accounts/idp_roles.html", {
        "form": form, "service": service,
        "mappings": IdpRole.objects.filter(service=service).prefetch_related("teams"),
        "refusals": SignInRefusal.objects.filter(Q(service=service) | Q(service=None))[:100],
        "saml": saml.enabled(), "oidc": oidc.enabled()})


@staff_required(ADMIN)
def idp_role_delete(request, mapping):
    instance = get_object_or_404(IdpRole, pk=mapping, service=request.user.service)
    if (refused := not_post(request)) is not None:
        return refused
    instance.delete()
    messages.success(request, _("Removed. Who had only this role is refused at the next "
                                "sign-in."))
    return redirect("idp_roles")


def _staff_member(request, pk):
    return get_object_or_404(User, uuid=pk, service=request.user.service)


@sensitive_post_parameters("password")
@staff_required(ADMIN)
def staff_edit(request, staff=None):
    member = _staff_member(request, staff) if staff else None
    form = StaffForm(request.POST or None, instance=member, service=request.user.service,
                     actor=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, _("Saved."))
        return redirect("staff_list")
    title = _("Edit %(name)s") % {"name": member} if member else _("New staff member")
    return render(request, "accounts/form.html", {"form": form, "title": title})


@staff_required(ADMIN)
def staff_reset_2fa(request, staff):
    """Remove a member's authenticators and lift a lockout. Needs the administrator's own
    fresh code; the member then needs an enrolment code from someone else."""
    member = _staff_member(request, staff)
    form = FreshSecondFactorForm(request.POST if request.method == "POST" else None,
                                 user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            TOTPDevice.objects.filter(user=member).delete()
            User.objects.filter(pk=member.pk).update(
                credentials_set_by=request.user, enrolment_code_hash="",
                enrolment_code_expires=None)
            AccountEvent.write(request.user, member, W.SECOND_FACTOR_RESET)
        axes_reset(username=member.username)
        messages.success(request, _("%(name)s needs an enrolment code from a leader or another "
                                    "administrator to set up two-factor login again, and any "
                                    "lockout is lifted.") % {"name": member})
        return redirect("staff_list")
    return render(request, "accounts/form.html", {
        "form": form, "submit": _("Reset two-factor and lockout"),
        "title": _("Reset two-factor login of %(name)s") % {"name": member}})


@staff_required(ADMIN, LEADER)
def enrolment_code(request, staff):
    """Make a single-use code with which a member pairs a new authenticator. Shown once."""
    member = _staff_member(request, staff)
    if not request.user.may_give_enrolment_code(member):
        raise PermissionDenied
    form = FreshSecondFactorForm(request.POST if request.method == "POST" else None,
                                 user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            code = member.new_enrolment_code()
            AccountEvent.write(request.user, member, W.ENROLMENT_CODE)
        return render(request, "accounts/enrolment_code.html", {
            "member": member, "code": code, "hours": User.ENROLMENT_CODE_HOURS})
    return render(request, "accounts/form.html", {
        "form": form, "submit": _("Make enrolment code"),
        "title": _("Enrolment code for %(name)s") % {"name": member}})


@staff_required(ADMIN, LEADER)
def account_log(request):
    """Who changed whose account, when and what; and who waits for an enrolment code."""
    service = request.user.service
    waiting = [m for m in (User.objects.filter(service=service, is_active=True,
                                               role__in=User.SECOND_FACTOR_ROLES)
                           .exclude(totpdevice__confirmed=True)
                           .filter(idp_subject=None).order_by("username"))
               if request.user.may_give_enrolment_code(m)]
    return render(request, "accounts/account_log.html", {
        "events": AccountEvent.objects.filter(service=service)[:500],
        "waiting": waiting})


@staff_required(ADMIN)
def team_edit(request, team=None):
    instance = get_object_or_404(Team, pk=team, service=request.user.service) if team else None
    form = TeamForm(request.POST or None, instance=instance, service=request.user.service)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("staff_list")
    return render(request, "accounts/form.html", {"form": form, "title": _("Team")})


@staff_required(ADMIN)
def service_edit(request):
    form = ServiceForm(request.POST or None, instance=request.user.service)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("staff_list")
    return render(request, "accounts/form.html", {"form": form, "title": _("Service rules")})
