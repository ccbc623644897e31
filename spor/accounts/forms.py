from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from spor.accounts.models import Service, Team, User
from spor.lib.forms import ModelForm


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"), max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autofocus": True}))


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

    def __init__(self, *args, service, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.service = service
        self.fields["teams"].queryset = Team.objects.filter(service=service)
        if not self.instance.pk:
            self.fields["password"].required = True
            self.fields["password"].help_text = _("At least 10 characters.")

    def clean_password(self):
        password = self.cleaned_data["password"]
        if password:
            validate_password(password, self.instance)
        return password

    def save(self, commit=True):
        user = super().save(commit=False)
        if self.cleaned_data["password"]:
            user.set_password(self.cleaned_data["password"])
        if commit:
            user.save()
            self.save_m2m()
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
                  "small_cell_threshold", "request_retention_days"]
