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
