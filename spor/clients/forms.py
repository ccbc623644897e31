from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from spor.accounts.models import Team
from spor.clients.models import Client, Consent, Relative
from spor.lib import cpr as cprlib
from spor.lib.forms import DateInput, ModelForm
from spor.treatment.models import Course, Substance


class TeamChoiceMixin:
    def limit_teams(self, service):
        self.fields["team"].queryset = Team.objects.filter(service=service)


class AnonymousClientForm(TeamChoiceMixin, ModelForm):
    class Meta:
        model = Client
        fields = ["pseudonym", "birth_year", "gender", "team"]

    def __init__(self, *args, service, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_teams(service)
        self.fields["pseudonym"].required = True
        self.instance.service = service
        self.instance.anonymous = True


class NewAnonymousContactForm(AnonymousClientForm):
    """A first anonymous contact: the young person and their counselling course at once."""

    request_date = forms.DateField(label=_("request date"), required=False, widget=DateInput,
                                   help_text=_("When the young person asked for a talk."))
    start_date = forms.DateField(label=_("first session"), required=False, widget=DateInput,
                                 help_text=_("Empty while the young person waits."))
    referral = forms.ChoiceField(label=_("referred by"), choices=Course.Referral.choices,
                                 initial=Course.Referral.SELF)
    main_substance = forms.ChoiceField(label=_("main substance"), choices=Substance.choices,
                                       initial=Substance.UNKNOWN)

    def clean(self):
        data = super().clean()
        birth_year = data.get("birth_year")
        service = self.instance.service
        day = data.get("start_date") or data.get("request_date")
        if birth_year and day and day.year - birth_year - 1 >= service.anonymous_age_limit:
            self.add_error("birth_year", _(
                "Anonymous counselling is for young people under %(limit)s.") % {
                "limit": service.anonymous_age_limit})
        self.course = Course(
            kind=Course.Kind.ANONYMOUS,
            request_date=data.get("request_date"), start_date=data.get("start_date"),
            referral=data.get("referral") or Course.Referral.UNKNOWN,
            main_substance=data.get("main_substance") or Substance.UNKNOWN,
        )
        try:
            self.course.clean()
        except ValidationError as e:
            for field, messages in e.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data


class IdentifiedClientForm(TeamChoiceMixin, ModelForm):
    cpr = forms.CharField(
        label=_("CPR number"), required=False, max_length=11,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        help_text=_("DDMMYY-NNNN. Stored encrypted; fills in the birth date."))

    class Meta:
        model = Client
        fields = ["first_name", "last_name", "cpr", "birth_date", "gender", "pseudonym",
                  "phone", "email", "address", "team"]
        help_texts = {"pseudonym": _("Optional: the name the young person likes to be "
                                     "called.")}

    def __init__(self, *args, service, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_teams(service)
        self.instance.service = service
        self.instance.anonymous = False
        self.fields["birth_date"].required = False
        if self.instance.has_cpr:
            self.fields["cpr"].help_text = _(
                "Registered: %(masked)s. Leave empty to keep it.") % {
                "masked": self.instance.cpr_masked}

    def clean_cpr(self):
        value = self.cleaned_data["cpr"]
        return cprlib.parse(value)[0] if value else ""

    def clean(self):
        data = super().clean()
        if data.get("cpr"):
            _digits, born = cprlib.parse(data["cpr"])
            if not data.get("birth_date"):
                data["birth_date"] = born
        if not (data.get("first_name") or data.get("last_name")):
            self.add_error("first_name", _("Enter the young person's name."))
        if not data.get("birth_date") and "birth_date" not in self.errors:
            self.add_error("birth_date", _("Enter the birth date or the CPR number."))
        return data

    def _post_clean(self):
        if self.cleaned_data.get("cpr"):
            self.instance.set_cpr(self.cleaned_data["cpr"])
        if self.cleaned_data.get("birth_date"):
            self.instance.birth_year = self.cleaned_data["birth_date"].year
        super()._post_clean()


class ConversionForm(IdentifiedClientForm):
    """Anonymous to identified: the same fields, on the same client, keeping its history."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.anonymous = False
        self.fields["birth_date"].required = False


class RelativeForm(ModelForm):
    class Meta:
        model = Relative
        fields = ["kind", "name", "organisation", "phone", "email", "has_custody", "note"]

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.client = client
        if client.anonymous:
            self.fields["name"].help_text = _(
                "Family of an anonymous young person is recorded by relation only.")


class ConsentForm(ModelForm):
    class Meta:
        model = Consent
        fields = ["scope", "given_by", "parent", "given_on", "withdrawn_on", "detail"]

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.client = client
        self.fields["parent"].queryset = client.relatives.filter(kind=Relative.Kind.PARENT)


class CprPurposeForm(forms.Form):
    """Showing a full CPR number needs a purpose, which is logged."""

    PURPOSES = [
        ("identity_check", _("Identity check")),
        ("referral", _("Referral or notification")),
        ("data_request", _("Request for access (GDPR art. 15)")),
    ]
    purpose = forms.ChoiceField(label=_("purpose"), choices=PURPOSES, widget=forms.RadioSelect)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Pseudonym, name or CPR"), required=False, max_length=100)
