from django import forms
from django.utils.translation import gettext_lazy as _

from spor.lib.forms import ModelForm
from spor.measures.forms import InviteForm
from spor.outbox.models import Channel, Language, MessageTemplate


class ContactForm(forms.Form):
    """Which channels the person agreed to receive links on, and in which language."""

    email = forms.BooleanField(label=_("Links by e-mail"), required=False)
    sms = forms.BooleanField(label=_("Links by SMS"), required=False)
    language = forms.ChoiceField(label=_("Language of the messages"), choices=Language.choices)

    def channels(self) -> dict:
        return {Channel.EMAIL: self.cleaned_data["email"],
                Channel.SMS: self.cleaned_data["sms"]}


class SendForm(InviteForm):
    """A personal rating link sent to the young person's own phone or e-mail."""

    channel = forms.ChoiceField(label=_("send by"), choices=Channel.choices)


class TemplateForm(ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}
