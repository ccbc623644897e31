from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from spor.accounts.models import IdpRole, Service, Team, User
from spor.accounts.sso import may_use_password
from spor.lib.forms import ModelForm


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"), max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autofocus": True}))


class EnrolmentCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Enrolment code"), max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
        help_text=_("A leader or administrator gives it to you in person."))


def _own_code_field():
    return forms.CharField(
        label=_("Your own code"), max_length=8, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("The code your authenticator app shows now: changing someone's login "
                    "needs your own second factor, fresh."))


def check_own_code(form, user, required: bool = True) -> None:
    """Add an error to `own_code` unless it is a current code of the user's own device.

    With two-factor login switched off (the demo) there is nothing to check.
    """
    if not settings.SPOR_REQUIRE_2FA or not required:
        return
    code = form.cleaned_data.get("own_code", "")
    for device in TOTPDevice.objects.devices_for_user(user, confirmed=True):
        if not device.verify_is_allowed()[0]:
            form.add_error("own_code", _("Too many wrong codes in a row. Wait a minute and "
                                         "try the newest code."))
            return
        if code and device.verify_token(code):
            return
    form.add_error("own_code", _("Enter the code your authenticator app shows now."))


class FreshSecondFactorForm(forms.Form):
    """Confirms a change to someone's login with the acting user's own current code."""

    own_code = _own_code_field()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not settings.SPOR_REQUIRE_2FA:
            del self.fields["own_code"]

    def clean(self):
        data = super().clean()
        check_own_code(self, self.user)
        return data


class TabletPinForm(forms.Form):
    """A clinician's own PIN for taking a handed-over tablet back, confirmed with the
    password so that a tablet left unlocked cannot be given a PIN by someone else."""

    pin = forms.RegexField(
        label=_("PIN"), regex=r"^\d{4,8}$", strip=True,
        error_messages={"invalid": _("Enter 4 to 8 digits.")},
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("4 to 8 digits. It only unlocks a tablet you handed over for a rating."))
    pin_again = forms.CharField(
        label=_("PIN again"),
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    password = forms.CharField(label=_("your password"), widget=forms.PasswordInput(
        attrs={"autocomplete": "current-password"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_pin_again(self):
        if self.cleaned_data.get("pin") and self.cleaned_data["pin_again"].strip() != (
                self.cleaned_data["pin"]):
            raise forms.ValidationError(_("The two PINs differ."))
        return self.cleaned_data["pin_again"]

    def clean_password(self):
        if not self.user.check_password(self.cleaned_data["password"]):
            raise forms.ValidationError(_("The password is not right."))
        return self.cleaned_data["password"]


class UnlockForm(forms.Form):
    pin = forms.CharField(label=_("Your PIN"), max_length=8, widget=forms.PasswordInput(
        attrs={"inputmode": "numeric", "autocomplete": "off", "autofocus": True}))


class StaffForm(ModelForm):
    password = forms.CharField(
        label=_("new password"), required=False, widget=forms.PasswordInput,
        help_text=_("At least 10 characters. Leave empty to keep the current password."))

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "role", "teams", "is_active"]
        widgets = {"teams": forms.CheckboxSelectMultiple}

    own_code = _own_code_field()

    def __init__(self, *args, service, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.instance.service = service
        self.fields["teams"].queryset = Team.objects.filter(service=service)
        if not self.instance.pk:
            self.fields["password"].required = True
            self.fields["password"].help_text = _("At least 10 characters.")
        if not settings.SPOR_REQUIRE_2FA:
            del self.fields["own_code"]
        else:
            self.fields["own_code"].help_text = _(
                "Needed when you set a password: the code your authenticator app shows now.")

    def clean_password(self):
        password = self.cleaned_data["password"]
        if password:
            validate_password(password, self.instance)
        return password

    def clean(self):
        data = super().clean()
        check_own_code(self, self.actor, required=bool(data.get("password")))
        return data

    def save(self, commit=True):
        """Save and write the change to the account audit trail (never the password)."""
        from spor.accounts.models import AccountEvent

        created = self.instance.pk is None
        user = super().save(commit=False)
        if self.cleaned_data["password"]:
            user.set_password(self.cleaned_data["password"])
            # Whoever sets the password may not also hand out the enrolment code.
            user.credentials_set_by = self.actor
            user.enrolment_code_hash, user.enrolment_code_expires = "", None
        user.save()
        self.save_m2m()
        W = AccountEvent.What
        changed = [f for f in self.changed_data if f not in ("password", "own_code")]
        detail = "; ".join(
            f"role: {self.initial.get('role')} → {user.role}" if f == "role" and not created
            else f for f in changed)
        if created:
            AccountEvent.write(self.actor, user, W.CREATED, f"role: {user.role}")
        elif changed:
            AccountEvent.write(self.actor, user, W.CHANGED, detail)
        if self.cleaned_data["password"] and not created:
            AccountEvent.write(self.actor, user, W.PASSWORD_SET)
        return user


class TeamForm(ModelForm):
    class Meta:
        model = Team
        fields = ["name", "kind"]

    def __init__(self, *args, service, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.service = service


class ServiceForm(ModelForm):
    class Meta:
        model = Service
        fields = ["name", "municipality", "anonymous_session_limit", "anonymous_age_limit",
                  "treatment_guarantee_days", "day_team_capacity", "parent_course_evenings",
                  "parent_followup_evenings", "no_change_alarm_session",
                  "small_cell_threshold", "request_retention_days", "auto_rating_links"]


class IdpRoleForm(ModelForm):
    class Meta:
        model = IdpRole
        fields = ["name", "role", "teams"]
        widgets = {"teams": forms.CheckboxSelectMultiple}

    def __init__(self, *args, service, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.service = service
        self.fields["teams"].queryset = service.teams.all()

    def clean_name(self):
        return self.cleaned_data["name"].strip()


class LoginForm(AuthenticationForm):
    """Django's login form; with local passwords off it tells everyone but the
    break-glass administrators to use the identity provider."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django sets the username's max_length after the field is made, so it is not
        # checked: a name too long for any account would reach the lockout record.
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if not may_use_password(username):
            raise forms.ValidationError(
                _("Local passwords are turned off here. Sign in with your organisation's "
                  "identity provider (the button below)."), code="no_local_passwords")
        return super().clean()
